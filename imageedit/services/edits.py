"""Submitting, canceling, deleting and retrying edits: everything the API and the admin do to a task."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from ai import services as ai
from billing import services as billing
from core.exceptions import Conflict, Invalid, Unavailable
from core.uploads import ValidatedImage, validate_image

from .. import presets
from ..models import ImageEditTask
from . import cache, daily, queue, storage

Status = ImageEditTask.Status


def _expiry(now):
    return now + timedelta(days=settings.IMAGE_EDIT_RETENTION_DAYS)


def submit(*, user, upload, instruction: str = "", preset: str = "") -> ImageEditTask:
    """Queue an edit of an uploaded photo, or answer it from the result cache (status ``succeeded``,
    ``from_cache``). The user's own identical edit still queued or running is returned instead of a new one."""
    instruction, preset = instruction.strip(), preset or ""
    if not instruction and not preset:
        raise Invalid("validation_error", "请填写编辑指令或选择预设 (instruction or preset required)")
    if preset and preset not in presets.PRESETS:
        raise Invalid("validation_error", "未知的预设 (unknown preset)", {"preset": [preset]})
    validated = validate_image(upload, decode=False)  # the cache is keyed on the bytes: no pixels yet
    key = cache.edit_key(instruction, preset)
    hit = cache.lookup(validated.sha256, key, cache.models_for(instruction))
    if hit is not None:
        copied = _from_cache(user, hit, instruction, preset)
        if copied is not None:
            return copied
    if instruction and not ai.remote_available("edit_image"):
        raise Unavailable(
            "provider_unavailable",
            "暂无可用的图片编辑模型，可改用预设 (no remote image model; presets still work)",
            {"presets": list(presets.PRESETS)},
        )
    return _queue(user, validated, key, instruction, preset)


def _queue(user, validated: ValidatedImage, key: str, instruction: str, preset: str) -> ImageEditTask:
    source_hash, (data, content_type) = validated.sha256, storage.source_data(validated)  # no lock held yet
    source_name = ""
    try:
        with transaction.atomic():
            queue.lock_user(user.pk)  # one submission of a user at a time, so the duplicate check holds
            pending = ImageEditTask.objects.filter(
                user=user, source_hash=source_hash, edit_key=key, status__in=(Status.QUEUED, Status.RUNNING)
            ).first()
            if pending is not None:
                return pending
            source_name = storage.store_source(data, content_type)
            task = ImageEditTask(
                user=user,
                source_hash=source_hash,
                instruction=instruction,
                preset=preset,
                edit_key=key,
                source_name=source_name,
            )
            amount = settings.IMAGE_EDIT_CREDITS if instruction else 0
            if amount > 0:
                task.credits_charged, task.credit_reference = amount, f"imageedit:{task.pk}"
                billing.reserve_credits(user=user, amount=amount, reference=task.credit_reference)
            task.save(force_insert=True)
            queue.enqueue([task.pk])
            return task
    except BaseException:
        if source_name:
            storage.delete_files(source_name)
        raise


def _from_cache(user, hit: ImageEditTask, instruction: str, preset: str) -> ImageEditTask | None:
    name = storage.copy_result(hit.result_name)
    if name is None:
        return None  # the file went away (purged between the lookup and now): a miss
    daily.ensure_today()
    now = timezone.now()
    try:
        with transaction.atomic():
            task = ImageEditTask.objects.create(
                user=user,
                source_hash=hit.source_hash,
                instruction=instruction,
                preset=preset,
                edit_key=hit.edit_key,
                status=Status.SUCCEEDED,
                result_name=name,
                result_width=hit.result_width,
                result_height=hit.result_height,
                from_cache=True,
                provider=hit.provider,
                model=hit.model,
                created_at=now,
                started_at=now,
                finished_at=now,
                updated_at=now,
                expires_at=_expiry(now),
            )
            daily.record(succeeded=1, cache_hits=1)
    except BaseException:
        storage.delete_files(name)
        raise
    return task


def _locked(task_id) -> ImageEditTask:
    row = ImageEditTask.objects.select_for_update().filter(pk=task_id).first()
    if row is None:
        raise Http404
    return row


def _cancel_locked(row: ImageEditTask) -> None:
    now = timezone.now()
    if row.credit_reference:
        billing.release_reservation(reference=row.credit_reference)
    storage.delete_after_commit(row.source_name)
    row.status, row.error_code, row.source_name, row.credits_charged = Status.CANCELED, "canceled", "", 0
    row.finished_at, row.updated_at, row.expires_at = now, now, _expiry(now)
    row.save()
    daily.record(canceled=1)


def cancel(task: ImageEditTask) -> ImageEditTask:
    """Cancel a queued task: its credits come back and its photo is deleted. A started edit runs to its end."""
    daily.ensure_today()
    with transaction.atomic():
        row = _locked(task.pk)
        if row.status != Status.QUEUED:
            raise Conflict(
                "not_cancelable",
                "只能取消排队中的任务 (only a queued edit can be canceled)",
                {"status": row.status},
            )
        _cancel_locked(row)
    return row


def delete(task: ImageEditTask) -> None:
    """Delete a task and its files (a queued one is canceled first, with its credits given back)."""
    daily.ensure_today()
    with transaction.atomic():
        row = _locked(task.pk)
        if row.status == Status.RUNNING:
            raise Conflict(
                "edit_running", "任务处理中，完成后再删除 (the edit is running; delete it when it ends)"
            )
        if row.status == Status.QUEUED:
            _cancel_locked(row)
        storage.delete_after_commit(row.source_name, row.result_name)
        row.delete()


def retry(task: ImageEditTask) -> bool:
    """Queue a failed task again (staff action) while its photo is still kept; it is charged like a new one
    (402 when the user is short). False when it cannot be retried."""
    with transaction.atomic():
        row = _locked(task.pk)
        if row.status != Status.FAILED or not row.source_name:
            return False
        amount = settings.IMAGE_EDIT_CREDITS if row.instruction else 0
        row.credits_charged, row.credit_reference = 0, ""
        if amount > 0:
            row.credits_charged, row.credit_reference = amount, f"imageedit:{row.pk}:{uuid.uuid4().hex[:8]}"
            billing.reserve_credits(user=row.user, amount=amount, reference=row.credit_reference)
        row.status, row.error_code, row.error_message, row.attempts = Status.QUEUED, "", "", 0
        row.started_at = row.finished_at = row.expires_at = None
        row.updated_at = timezone.now()
        row.save()
        queue.enqueue([row.pk])
    return True
