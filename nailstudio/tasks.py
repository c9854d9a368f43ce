from celery import shared_task

from core import jobs

from . import services
from .services import recovery


@shared_task(bind=True)
def generate_design(self, plan_id: int) -> str | None:
    try:
        plan = services.generate(plan_id)
    except jobs.Busy as busy:  # delivered again while a live run draws it: look again once it could stall
        raise self.retry(countdown=jobs.stale_seconds(), max_retries=10) from busy
    return plan.status if plan else None


@shared_task
def compare_service(service_id: int) -> str | None:
    record = services.compare(service_id)
    return record.comparison_status if record else None


@shared_task
def recover_stalled() -> dict:
    result = recovery.recover_stalled()
    return {"requeued": result.requeued, "failed": result.failed, "resent": result.resent}
