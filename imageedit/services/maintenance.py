"""Housekeeping run by beat (and ``purge_image_edits``): purge expired tasks, reap stalled ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import jobs

from ..models import ImageEditTask
from . import queue, running, storage

Status = ImageEditTask.Status
BATCH = 500


@dataclass(frozen=True)
class PurgeResult:
    tasks: int
    files: int


@dataclass(frozen=True)
class RecoverResult:
    reaped: int
    users_dispatched: int


def purge_expired(*, now=None) -> PurgeResult:
    """Delete finished tasks past ``expires_at`` with their files, and the kept photos of failed tasks older
    than IMAGE_EDIT_FAILED_SOURCE_HOURS."""
    now = now or timezone.now()
    tasks = files = 0
    expired = ImageEditTask.objects.filter(expires_at__lte=now)
    while batch := list(expired.values_list("pk", "source_name", "result_name")[:BATCH]):
        with transaction.atomic():
            ImageEditTask.objects.filter(pk__in=[pk for pk, _, _ in batch]).delete()
        names = [name for _, *pair in batch for name in pair if name]
        storage.delete_files(*names)
        tasks, files = tasks + len(batch), files + len(names)
    cutoff = now - timedelta(hours=settings.IMAGE_EDIT_FAILED_SOURCE_HOURS)
    kept = ImageEditTask.objects.filter(status=Status.FAILED, finished_at__lt=cutoff).exclude(source_name="")
    for pk, name in kept.values_list("pk", "source_name"):
        if ImageEditTask.objects.filter(pk=pk, source_name=name, status=Status.FAILED).update(source_name=""):
            storage.delete_files(name)
            files += 1
    return PurgeResult(tasks, files)


def recover_stalled(*, now=None) -> RecoverResult:
    """Running tasks whose worker stopped beating (see core.jobs) are re-queued once, then failed with their
    credits back; queued tasks that waited a minute with a free slot are sent again (a lost message, or a
    broker that was down at submit, must not block a user's queue)."""
    now = now or timezone.now()
    threshold = jobs.stale_before(now)
    reaped = 0
    for task in ImageEditTask.objects.filter(status=Status.RUNNING, updated_at__lt=threshold):
        stalled = ImageEditTask.objects.filter(pk=task.pk, status=Status.RUNNING, updated_at__lt=threshold)
        if jobs.requeue_once(
            "imageedit", task.pk, lambda rows=stalled: rows.update(status=Status.QUEUED, updated_at=now)
        ):
            queue.dispatch_next(task.user_id)
        elif running.fail(task, "stalled", "编辑中断 (the edit was interrupted)", stale_before=threshold):
            reaped += 1
    waiting = (
        ImageEditTask.objects.filter(status=Status.QUEUED, created_at__lt=now - timedelta(minutes=1))
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    users = list(waiting)
    for user_id in users:
        queue.dispatch_next(user_id)
    return RecoverResult(reaped, len(users))
