"""Service records: create, complete with the photo of the finished nails, compare with the design."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone

from ai import services as ai
from ai.types import JsonResult
from core import jobs
from core.exceptions import Conflict, Invalid
from core.tasks import send_on_commit

from .. import engines, validation
from ..models import ComparisonResult, Customer, DesignPlan, ServiceRecord
from ..prompts import compare_instruction
from .images import delete_after_commit, load_image, store_upload
from .scoring import scorer

logger = logging.getLogger(__name__)
Comparison = ServiceRecord.ComparisonStatus


def _check_design(owner, customer: Customer, design: DesignPlan | None) -> None:
    if customer.owner_id != owner.pk or (design is not None and design.owner_id != owner.pk):
        raise Invalid("validation_error", "只能使用自己的顾客和设计 (not your customer or design)")
    if design is not None and design.customer_id != customer.pk:
        raise Invalid(
            "validation_error",
            "设计方案不属于该顾客 (the design belongs to another customer)",
            {"design_plan": ["设计方案不属于该顾客 (the design belongs to another customer)"]},
        )


@transaction.atomic
def create_service(
    *, owner, customer: Customer, design_plan: DesignPlan | None = None, **fields
) -> ServiceRecord:
    _check_design(owner, customer, design_plan)
    return ServiceRecord.objects.create(owner=owner, customer=customer, design_plan=design_plan, **fields)


@transaction.atomic
def update_service(record: ServiceRecord, **fields) -> ServiceRecord:
    for field, value in fields.items():
        setattr(record, field, value)
    _check_design(record.owner, record.customer, record.design_plan)
    record.save()
    return record


@transaction.atomic
def delete_service(record: ServiceRecord) -> None:
    delete_after_commit(record.actual_image)
    record.delete()


@transaction.atomic
def complete_service(record: ServiceRecord, upload, *, service_duration: int | None = None) -> ServiceRecord:
    """Mark the service done with its photo; a linked, ready design is then compared in a Celery task."""
    record = ServiceRecord.objects.select_for_update().select_related("design_plan").get(pk=record.pk)
    if record.status == ServiceRecord.Status.COMPLETED:
        raise Conflict("service_already_completed", "该服务已完成 (service already completed)")
    stored = store_upload(upload, "nailstudio/services")
    record.actual_image = stored.name
    record.status = ServiceRecord.Status.COMPLETED
    record.completed_at = timezone.now()
    if service_duration is not None:
        record.service_duration = service_duration
    design = record.design_plan
    if design is not None and design.status == DesignPlan.Status.READY and design.image:
        record.comparison_status = Comparison.PENDING
        from ..tasks import compare_service

        send_on_commit(compare_service, record.pk)
    record.save()
    return record


def compare_pictures(reference, actual, inspirations=(), *, user) -> JsonResult:
    """Design (or any reference) vs a photo of the result, scored on the active ability dimensions."""
    scoring = scorer()
    dimensions = scoring.dimensions()
    aspects = {d.code: scoring.local_aspects[d.code] for d in dimensions if d.code in scoring.local_aspects}
    return ai.compare_images(
        reference,
        actual,
        compare_instruction(dimensions),
        validate=partial(validation.comparison, dimensions={d.code for d in dimensions}),
        local=engines.comparator(reference, actual, inspirations, dimensions=aspects),
        user=user,
    )


def comparison_fields(result: JsonResult) -> dict:
    """A comparison's answer as ``ComparisonResult`` fields: stored by the service job, sent at once by analysis."""
    data = result.data
    return {
        "similarity_score": data["similarity"],
        "differences": data["differences"],
        "suggestions": data["suggestions"],
        "dimension_scores": data["dimension_scores"],
        "provider": result.call.provider,
        "analyzed_at": timezone.now(),
    }


def compare(service_id: int) -> ServiceRecord | None:
    """The comparison job: design image vs photo of the result, stored as the service's ComparisonResult."""
    record = (
        ServiceRecord.objects.select_related("design_plan", "owner")
        .filter(pk=service_id, comparison_status=Comparison.PENDING)
        .first()
    )
    if record is None:
        return None
    with jobs.heartbeat(ServiceRecord, record.pk, field="comparison_status", running=Comparison.PENDING):
        return _compare(record)


def _compare(record: ServiceRecord) -> ServiceRecord:
    design = record.design_plan
    try:
        if design is None or not design.image:
            raise ValueError("the design has no image any more")
        inspirations = tuple(load_image(i.image) for i in design.inspiration_images.all())
        result = compare_pictures(
            load_image(design.image), load_image(record.actual_image), inspirations, user=record.owner
        )
    except ai.AIUnavailable as exc:
        logger.warning("service %s: no comparison provider answered: %s", record.pk, exc.attempts)
        return _fail(record, "对比服务暂不可用 (no comparison provider available)")
    except Exception:
        logger.exception("service %s: comparison failed", record.pk)
        return _fail(record, "对比失败 (comparison failed)")
    with transaction.atomic():
        comparison, _ = ComparisonResult.objects.update_or_create(
            service=record, defaults=comparison_fields(result)
        )
        scorer().comparison_finished(comparison)
        record.comparison_status = Comparison.READY
        record.comparison_error = ""
        record.save(update_fields=["comparison_status", "comparison_error", "updated_at"])
    return record


def fail_stalled(record: ServiceRecord) -> None:
    _fail(record, "对比中断 (the comparison was interrupted)")


def _fail(record: ServiceRecord, message: str) -> ServiceRecord:
    record.comparison_status = Comparison.FAILED
    record.comparison_error = message[:255]
    record.save(update_fields=["comparison_status", "comparison_error", "updated_at"])
    return record
