from celery import shared_task

from . import services


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def run_classify_job(job_id: str) -> dict:
    job = services.job_run(job_id)
    return {"job": str(job.id), "done": job.done, "total": job.total}


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def flush_cache_hits() -> int:
    return services.flush_cache_hits()


@shared_task
def purge_request_logs() -> int:
    """Daily: old request logs and AI calls, in short chunks (the stats keep them in rollups)."""
    from ai import rollups as ai_rollups

    return services.purge_request_logs() + ai_rollups.purge_calls()
