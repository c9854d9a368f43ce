"""The per-user queue: at most IMAGE_EDIT_MAX_RUNNING_PER_USER edits of one user run at once; the others wait
in submission order.

Every submitted task is sent to Celery. When it arrives, ``claim`` decides under a lock on the user's row
(SELECT ... FOR UPDATE; SQLite serialises writers anyway) whether it may start: only when a slot is free and it
is among the oldest queued tasks of that user. Otherwise it stays queued and the message is dropped; a task
that finishes (or is reaped) dispatches the next queued ones with ``dispatch_next``. Starting is a conditional
UPDATE queued -> running, so a message delivered twice starts a task once.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import jobs
from core.tasks import send_on_commit

from ..models import ImageEditTask

Status = ImageEditTask.Status


def lock_user(user_id: int) -> None:
    list(get_user_model().objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True))


def _queued(user_id: int):
    return ImageEditTask.objects.filter(user_id=user_id, status=Status.QUEUED).order_by("created_at", "pk")


def _free_slots(user_id: int) -> int:
    running = ImageEditTask.objects.filter(user_id=user_id, status=Status.RUNNING).count()
    return max(0, settings.IMAGE_EDIT_MAX_RUNNING_PER_USER - running)


def enqueue(task_ids) -> None:
    """Send the tasks to the workers once the current transaction commits."""
    from ..tasks import run_image_edit

    ids = [str(pk) for pk in task_ids]
    if ids:
        for pk in ids:
            send_on_commit(run_image_edit, pk)


def claim(task_id) -> ImageEditTask | None:
    """Start a queued task if its user has a free slot and it is its turn; None leaves it queued."""
    task_id = uuid.UUID(str(task_id))
    with transaction.atomic():
        user_id = (
            ImageEditTask.objects.filter(pk=task_id, status=Status.QUEUED)
            .values_list("user_id", flat=True)
            .first()
        )
        if user_id is None:
            return _take_over(task_id)  # running (a redelivery), finished, canceled or deleted
        lock_user(user_id)
        turn = list(_queued(user_id).values_list("pk", flat=True)[: _free_slots(user_id)])
        if task_id not in turn:
            enqueue(turn)  # a slot is free but older tasks go first
            return None
        now = timezone.now()
        started = ImageEditTask.objects.filter(pk=task_id, status=Status.QUEUED).update(
            status=Status.RUNNING, started_at=now, updated_at=now, attempts=F("attempts") + 1
        )
    return ImageEditTask.objects.select_related("user").get(pk=task_id) if started else None


def _take_over(task_id) -> ImageEditTask | None:
    """A message for a task that is not queued: take over a running one whose worker stopped beating, leave a
    live or finished one alone (``jobs.Busy`` makes the task try again later)."""
    taken = jobs.claim(
        ImageEditTask, task_id, queued=None, running=Status.RUNNING, attempts=F("attempts") + 1
    )
    return (
        ImageEditTask.objects.select_related("user").get(pk=task_id)
        if taken is jobs.Claim.TAKEN_OVER
        else None
    )


def resume(task_id) -> ImageEditTask | None:
    """A retry of a running task (after a transient failure of every provider) carries on where it was."""
    now = timezone.now()
    resumed = ImageEditTask.objects.filter(pk=task_id, status=Status.RUNNING).update(
        updated_at=now, attempts=F("attempts") + 1
    )
    return ImageEditTask.objects.select_related("user").get(pk=task_id) if resumed else None


def dispatch_next(user_id: int) -> None:
    """Send the user's oldest queued tasks that fit in the free slots (after a task finished)."""
    with transaction.atomic():
        enqueue(_queued(user_id).values_list("pk", flat=True)[: _free_slots(user_id)])


def positions(user_id: int) -> dict[uuid.UUID, int]:
    """1-based place of each queued task of the user (1 starts next)."""
    return {pk: place for place, pk in enumerate(_queued(user_id).values_list("pk", flat=True), start=1)}
