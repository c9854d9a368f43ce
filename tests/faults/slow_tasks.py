"""A task that takes a while, loaded into fault-test workers with ``-I tests.faults.slow_tasks``."""

import time

from celery import shared_task


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, retry_jitter=True)
def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds
