"""Running one edit, in the Celery task: claim it, call ``ai.edit_image`` outside any transaction, then settle
it (result, credits, stats, the source file, the next queued task) in one short transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from PIL import Image

from ai import services as ai
from billing import services as billing
from core import jobs

from .. import presets
from ..models import ImageEditTask
from . import daily, queue, storage

logger = logging.getLogger(__name__)
Status = ImageEditTask.Status
# Attempt codes (see ai.router) that say "try again later" rather than "this edit cannot be done".
_TRANSIENT_CODES = {"timeout", "connection_error", "task_timeout", "skipped:breaker_open"}
_IRRELEVANT_CODES = {"skipped:not_configured", "skipped:unsupported"}


class RetryLater(Exception):
    """Every remote provider failed transiently: run the task again after ``countdown`` seconds."""

    def __init__(self, countdown: int):
        super().__init__(f"retry in {countdown}s")
        self.countdown = countdown


@dataclass(frozen=True)
class Edited:
    data: bytes
    content_type: str
    provider: str
    model: str
    cost: Decimal


def _transient(exc: ai.AIUnavailable) -> bool:
    codes = [code for provider, code in exc.attempts if provider != "local" and code not in _IRRELEVANT_CODES]
    return bool(codes) and all(
        code in _TRANSIENT_CODES or code.startswith(("http_429", "http_5")) for code in codes
    )


def edit(task: ImageEditTask) -> Edited:
    """The edit itself: a free-text instruction goes to the remote chain (its preset, if any, is applied to
    the answer); a preset alone runs offline, through the AI layer's ``local`` provider."""
    image = storage.load_source(task.source_name)
    if task.instruction:
        result = ai.edit_image(image, task.instruction, user=task.user)
        data, content_type = result.data, result.content_type
        if task.preset:
            data, content_type = storage.encode(presets.apply(task.preset, Image.open(BytesIO(data))))
        return Edited(data, content_type, result.call.provider, result.call.model, result.call.cost)
    result = ai.edit_image(
        image,
        f"preset:{task.preset}",
        local=lambda: storage.encode(presets.apply(task.preset, image))[0],
        chain=["local"],
        user=task.user,
    )
    return Edited(result.data, result.content_type, result.call.provider, presets.ENGINE, result.call.cost)


def run(task_id, *, resume: bool = False) -> str | None:
    """Run a queued task (or resume a retried one); returns its final status, or None when it did not run."""
    task = queue.resume(task_id) if resume else queue.claim(task_id)
    if task is None:
        return None
    try:
        with jobs.heartbeat(ImageEditTask, task.pk, running=Status.RUNNING):
            edited = edit(task)
    except SoftTimeLimitExceeded:
        return fail(task, "timeout", "编辑超时 (the edit took too long)")
    except ai.AIUnavailable as exc:
        if _transient(exc) and task.attempts <= settings.IMAGE_EDIT_RETRIES:
            countdown = settings.IMAGE_EDIT_RETRY_DELAY * 2 ** (task.attempts - 1)
            # Nothing beats while the retry waits: its lease runs until the retry is due.
            ImageEditTask.objects.filter(pk=task.pk, status=Status.RUNNING).update(
                updated_at=timezone.now() + timedelta(seconds=countdown)
            )
            raise RetryLater(countdown) from exc
        logger.warning("image edit %s failed: %s", task.pk, exc)
        return fail(task, "provider_unavailable", "编辑服务暂不可用 (no image model could do this edit)")
    except Exception:
        logger.exception("image edit %s crashed", task.pk)
        return fail(task, "edit_failed", "编辑失败 (the edit failed)")
    return succeed(task, edited)


def _settle(task: ImageEditTask, updates: dict, *, stale_before=None) -> bool:
    """Move a running task to its final state; False (and nothing done) when it is no longer running."""
    now = timezone.now()
    rows = ImageEditTask.objects.filter(pk=task.pk, status=Status.RUNNING)
    if stale_before is not None:
        rows = rows.filter(updated_at__lt=stale_before)
    updates |= {
        "finished_at": now,
        "updated_at": now,
        "expires_at": now + timedelta(days=settings.IMAGE_EDIT_RETENTION_DAYS),
    }
    if not rows.update(**updates):
        return False
    queue.dispatch_next(task.user_id)
    return True


def succeed(task: ImageEditTask, edited: Edited) -> str | None:
    daily.ensure_today()
    name, (width, height) = storage.store_result(edited.data, edited.content_type)
    try:
        with transaction.atomic():
            done = _settle(
                task,
                {
                    "status": Status.SUCCEEDED,
                    "result_name": name,
                    "result_width": width,
                    "result_height": height,
                    "provider": edited.provider,
                    "model": edited.model,
                    "cost": edited.cost,
                    "source_name": "",
                },
            )
            if done:
                if task.credit_reference:
                    billing.capture_reservation(reference=task.credit_reference)
                daily.record(succeeded=1, cost=edited.cost, credits=task.credits_charged)
                storage.delete_after_commit(task.source_name)
    except BaseException:
        storage.delete_files(name)
        raise
    if not done:
        storage.delete_files(name)  # reaped or removed meanwhile: nobody will ever read this result
        return None
    return Status.SUCCEEDED


def fail(task: ImageEditTask, code: str, message: str, *, stale_before=None) -> str | None:
    """Fail a running task and give its credits back. The source stays IMAGE_EDIT_FAILED_SOURCE_HOURS so staff
    can retry it (admin action), then the purge deletes it."""
    daily.ensure_today()
    with transaction.atomic():
        updates = {
            "status": Status.FAILED,
            "error_code": code,
            "error_message": message,
            "credits_charged": 0,
        }
        if not _settle(task, updates, stale_before=stale_before):
            return None
        if task.credit_reference:
            billing.release_reservation(reference=task.credit_reference)
        daily.record(failed=1)
    return Status.FAILED
