from celery import shared_task

from config.celery import BaseTask

from . import services


class ClassifyJobTask(BaseTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries used up: the job must not stay "running".
        services.job_fail(kwargs.get("job_id") or args[0])


@shared_task(
    bind=True, base=ClassifyJobTask, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3
)
def run_classify_job(self, job_id: str) -> dict:
    try:
        job = services.job_run(job_id)
    except Exception as exc:
        # An error no retry covers ends the job here too: inline (eager) runs never reach on_failure.
        if not isinstance(exc, self.autoretry_for):
            services.job_fail(job_id)
        raise
    return {"job": str(job.id), "status": job.status, "done": job.done, "total": job.total}


@shared_task
def fail_stalled_jobs() -> int:
    return services.fail_stalled_jobs()


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def flush_cache_hits() -> int:
    return services.flush_cache_hits()


@shared_task
def forget_stale_copies() -> int:
    """Every minute: the Redis copies that could not be dropped while Redis was down."""
    return services.forget_stale_copies()


@shared_task
def purge_request_logs() -> int:
    """Daily: old request logs and AI calls, in short chunks (the stats keep them in rollups)."""
    from ai import rollups as ai_rollups

    return services.purge_request_logs() + ai_rollups.purge_calls()
