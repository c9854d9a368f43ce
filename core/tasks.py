from celery import shared_task


@shared_task
def ping(value: str) -> dict:
    """Echo through the broker and a worker: used by operators and the CI round-trip test."""
    import os

    return {"pong": value, "worker_pid": os.getpid()}
