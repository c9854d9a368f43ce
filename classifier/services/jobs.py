"""Asynchronous batches: images are validated at submit, kept in private storage (never under a public URL) under
random names only until classified, and the Celery task records per-image results and progress on the job.

Each image goes through the one pipeline (a batch of one, so progress shows per image). An image's own error is
that image's error; anything else ends the job ``failed`` (``job_fail``, from the task's failure path), and beat
fails jobs whose worker died (``fail_stalled_jobs``): a job never stays queued or running for ever.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError, Failed
from core.private_media import delete_private, read_private, save_private
from core.tasks import send_on_commit
from core.uploads import validate_image

from ..models import ClassifyJob
from .pipeline import check_mode, classify_images, error_dict, validate_uploads

logger = logging.getLogger(__name__)
TMP_DIR = "classify-tmp"
UNFINISHED = (ClassifyJob.Status.QUEUED, ClassifyJob.Status.RUNNING)


@transaction.atomic
def job_create(*, user, uploads: list, mode: str = "auto") -> ClassifyJob:
    mode = check_mode(mode)
    job = ClassifyJob(user=user, mode=mode, total=len(uploads))
    items = []
    for upload in uploads:
        try:
            image = validate_image(upload)
        except ApplicationError as exc:
            items.append(error_dict(exc))
            continue
        items.append({"file": save_private(image.raw, image.content_type, TMP_DIR)})
    job.items = items
    job.done = sum(1 for item in items if "error" in item)
    job.save()
    from ..tasks import run_classify_job

    send_on_commit(run_classify_job, str(job.id))
    return job


def _progress(job: ClassifyJob, **fields) -> bool:
    """Save progress unless the job was ended meanwhile (failed by the stall sweep): False then."""
    fields["updated_at"] = timezone.now()
    return bool(ClassifyJob.objects.filter(pk=job.pk, status__in=UNFINISHED).update(**fields))


def _classify_file(job: ClassifyJob, name: str) -> dict:
    try:
        entries = validate_uploads([SimpleUploadedFile("image", read_private(name))])
        (result,) = classify_images(
            user=job.user, entries=entries, mode=job.mode, endpoint="classify-job", request_id=job.id
        )
    finally:
        delete_private(name)
    return error_dict(result) if isinstance(result, ApplicationError) else result.as_dict()


def job_run(job_id) -> ClassifyJob:
    job = ClassifyJob.objects.select_related("user").get(pk=job_id)
    if job.status not in UNFINISHED or not _progress(job, status=ClassifyJob.Status.RUNNING):
        return job
    for index, item in enumerate(job.items):
        name = item.get("file")
        if not name:
            continue
        job.items[index] = _classify_file(job, name)
        job.done += 1
        if not _progress(job, items=job.items, done=job.done):
            logger.warning("classify job %s was ended while it ran; stopping", job.pk)
            return job
    _progress(job, status=ClassifyJob.Status.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def _end_failed(job: ClassifyJob, code: str, message: str) -> bool:
    """Fail an unfinished job: the images not yet classified get ``code`` as their error, their files go."""
    items = []
    for item in job.items:
        if item.get("file"):
            delete_private(item["file"])
            item = error_dict(Failed(code, message))
        items.append(item)
    return bool(
        ClassifyJob.objects.filter(pk=job.pk, status__in=UNFINISHED).update(
            status=ClassifyJob.Status.FAILED,
            items=items,
            done=len(items),
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    )


def job_fail(job_id) -> None:
    """The task failed for a reason of its own (not an image's): the job ends ``failed``."""
    job = ClassifyJob.objects.filter(pk=job_id).first()
    if job is not None:
        _end_failed(job, "job_failed", "批量任务失败 (the job failed)")


def fail_stalled_jobs() -> int:
    """Beat: fail the jobs queued or running with no progress for CLASSIFY_JOB_STALL_SECONDS (a worker died,
    a message was lost)."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.CLASSIFY_JOB_STALL_SECONDS)
    failed = 0
    for job in ClassifyJob.objects.filter(status__in=UNFINISHED, updated_at__lt=cutoff):
        failed += _end_failed(job, "job_stalled", "批量任务中断 (the job stalled)")
    return failed
