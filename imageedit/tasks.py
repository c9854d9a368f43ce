from celery import shared_task
from django.conf import settings

from core import jobs

from . import services


@shared_task(
    bind=True,
    soft_time_limit=settings.IMAGE_EDIT_SOFT_TIME_LIMIT,
    time_limit=settings.IMAGE_EDIT_TIME_LIMIT,
)
def run_image_edit(self, task_id: str, resume: bool = False) -> str | None:
    """Run one queued edit; when every remote provider failed transiently, try again later (the task keeps
    its running slot meanwhile, up to IMAGE_EDIT_RETRIES times)."""
    while True:
        try:
            return services.run(task_id, resume=resume)
        except jobs.Busy as busy:  # delivered again while a live run has it: look again once it could stall
            raise self.retry(countdown=jobs.stale_seconds(), max_retries=10) from busy
        except services.RetryLater as later:
            if not self.request.is_eager:
                raise self.retry(
                    kwargs={"task_id": task_id, "resume": True}, countdown=later.countdown, max_retries=None
                ) from later
            resume = True  # inline (no broker to wait on): again at once


@shared_task
def purge_expired() -> dict:
    result = services.purge_expired()
    return {"tasks": result.tasks, "files": result.files}


@shared_task
def recover_stalled() -> dict:
    result = services.recover_stalled()
    return {"reaped": result.reaped, "users_dispatched": result.users_dispatched}
