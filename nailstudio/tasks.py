from celery import shared_task

from . import services


@shared_task
def generate_design(plan_id: int) -> str | None:
    plan = services.generate(plan_id)
    return plan.status if plan else None


@shared_task
def compare_service(service_id: int) -> str | None:
    record = services.compare(service_id)
    return record.comparison_status if record else None
