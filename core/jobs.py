"""What every kind of background job shares to recover from a dead worker (edits, nail designs, comparisons).

- A running job's row is its lease: ``updated_at`` is its heartbeat, touched every ``JOB_HEARTBEAT_SECONDS``
  by a thread while the work runs (``heartbeat``). A worker that dies (kill -9, OOM, a lost machine) stops
  beating; after ``stale_seconds()`` without a beat the job counts as stalled.
- Beat runs each app's sweep every ``JOB_STALL_CHECK_SECONDS``: a stalled job is re-queued once
  (``requeue_once``, idempotent through a done-key) and failed with its credits released the second time.
- A message can arrive again (a pool child died and the broker redelivered it, a late ack was lost in a broker
  blip). ``claim`` makes that safe: a queued job starts, a stalled one is taken over, one still beating is
  ``Busy`` (the task retries later, it is not dropped), a finished one is left as it is.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta
from enum import Enum

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from . import once

logger = logging.getLogger(__name__)


class Busy(Exception):
    """Another run of this job is alive: try again after ``stale_seconds()``."""


class Claim(Enum):
    STARTED = "started"
    TAKEN_OVER = "taken_over"  # its previous run stopped beating
    DONE = "done"  # finished, failed or deleted: nothing to do


def stale_seconds() -> int:
    return settings.JOB_HEARTBEAT_SECONDS * 3


def stale_before(now=None):
    return (now or timezone.now()) - timedelta(seconds=stale_seconds())


def claim(model, pk, *, field: str = "status", queued: str | None, running: str, **updates) -> Claim:
    """Start a queued job (queued → running) or take over a stalled one, with one conditional UPDATE each, so
    two deliveries of one message never both run it. Raises ``Busy`` while another run beats."""
    now = timezone.now()
    rows = model.objects.filter(pk=pk)
    if queued is not None and rows.filter(**{field: queued}).update(
        **{field: running, "updated_at": now}, **updates
    ):
        return Claim.STARTED
    if rows.filter(**{field: running, "updated_at__lt": stale_before(now)}).update(updated_at=now, **updates):
        logger.warning("%s %s: its previous run stopped; taking it over", model.__name__, pk)
        return Claim.TAKEN_OVER
    if rows.filter(**{field: running}).exists():
        raise Busy(f"{model.__name__} {pk} is running elsewhere")
    logger.info("%s %s: delivered again after it finished; nothing to do", model.__name__, pk)
    return Claim.DONE


@contextmanager
def heartbeat(model, pk, *, field: str = "status", running: str):
    """Touch the running job's ``updated_at`` every JOB_HEARTBEAT_SECONDS while the block runs."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                model.objects.filter(pk=pk, **{field: running}).update(updated_at=timezone.now())
        except Exception:  # a missed beat only makes the job look stalled sooner
            logger.warning("heartbeat of %s %s failed", model.__name__, pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


def requeue_once(kind: str, pk, requeue) -> bool:
    """Re-queue a stalled job the first time (``requeue()`` does the conditional update and returns whether it
    changed the row); False when it was re-queued before (or settled meanwhile): the caller fails it."""
    with transaction.atomic():
        if not once.first_time(f"requeue:{kind}:{pk}"):
            return False
        if requeue():
            logger.warning("%s %s stalled: re-queued once", kind, pk)
            return True
        transaction.set_rollback(True)  # settled meanwhile: keep the one re-queue for a real stall
        return False
