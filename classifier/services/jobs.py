"""Asynchronous batches: images are validated at submit, kept in private storage (never under a public URL) under
random names only until classified, and the Celery task records per-image results and progress on the job."""

from __future__ import annotations

import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from core.errors import ApiError
from core.private_media import delete_private, read_private, save_private
from core.uploads import validate_image

from ..models import ClassifyJob
from .logs import log_rows
from .pipeline import check_mode, city_location, classify_validated, log_row

TMP_DIR = "classify-tmp"


def _error(exc: ApiError) -> dict:
    return {"error": {"code": exc.code, "message": exc.message, "details": exc.details}}


@transaction.atomic
def job_create(*, user, uploads: list, mode: str = "auto") -> ClassifyJob:
    mode = check_mode(mode)
    job = ClassifyJob(user=user, mode=mode, total=len(uploads))
    items = []
    for upload in uploads:
        try:
            image = validate_image(upload)
        except ApiError as exc:
            items.append(_error(exc))
            continue
        items.append({"file": save_private(image.raw, image.content_type, TMP_DIR)})
    job.items = items
    job.done = sum(1 for item in items if "error" in item)
    job.save()
    from ..tasks import run_classify_job

    transaction.on_commit(lambda: run_classify_job.delay(str(job.id)))
    return job


def job_run(job_id) -> ClassifyJob:
    job = ClassifyJob.objects.select_related("user").get(pk=job_id)
    if job.status == ClassifyJob.Status.DONE:
        return job
    job.status = ClassifyJob.Status.RUNNING
    job.save(update_fields=["status"])
    for index, item in enumerate(job.items):
        name = item.get("file")
        if not name:
            continue
        started = time.perf_counter()
        try:
            image = validate_image(SimpleUploadedFile("image", read_private(name)), decode=False)
            outcome = classify_validated(image, user=job.user, mode=job.mode, started=started)
            outcome.request_id = str(job.id)
            outcome.location = city_location(image)
            result = outcome.as_dict()
            log_rows([log_row(outcome, user=job.user, ip=None, endpoint="classify-job", request_id=job.id)])
        except ApiError as exc:
            result = _error(exc)
        finally:
            delete_private(name)
        job.items[index] = result
        job.done += 1
        job.save(update_fields=["items", "done"])
    job.status = ClassifyJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job
