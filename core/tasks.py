import logging

from celery import shared_task
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)
# What publishing raises when the broker is down (after kombu's own publish retries).
BROKER_ERRORS = (OperationalError, ConnectionError, OSError)


@shared_task
def ping(value: str) -> dict:
    """Echo through the broker and a worker: used by operators and the CI round-trip test."""
    import os

    return {"pong": value, "worker_pid": os.getpid()}


def send_on_commit(task, *args) -> None:
    """Send ``task`` once the current transaction commits. With the broker unreachable the job stays queued
    in the database and the stalled-job sweep (beat) sends it again: the request that queued it still
    succeeds."""
    from django.db import transaction

    def send():
        try:
            task.delay(*args)
        except BROKER_ERRORS:
            logger.warning("broker unreachable: %s%s left for the sweep", task.name, args, exc_info=True)

    transaction.on_commit(send)
