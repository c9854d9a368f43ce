"""Beat's sweep for nail studio jobs whose worker died (see core.jobs): designs and refinements stuck
``generating``, comparisons stuck ``pending``, and queued designs whose message was lost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core import jobs
from core.tasks import send_on_commit

from ..models import DesignPlan, ServiceRecord
from . import designs, records

Status = DesignPlan.Status
Comparison = ServiceRecord.ComparisonStatus
# A queued design is sent again after this long without starting (its message was lost, or the broker was
# down when it was requested); claim() makes the extra message harmless.
RESEND_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class Recovered:
    requeued: int
    failed: int
    resent: int


def comparison_stale_before(now):
    """A pending comparison has no separate running state: one waiting in the queue does not beat either, so
    it counts as stalled only past the task's hard time limit plus the heartbeat margin."""
    return jobs.stale_before(now) - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def recover_stalled(*, now=None) -> Recovered:
    from ..tasks import compare_service, generate_design

    now = now or timezone.now()
    requeued = failed = 0
    threshold = jobs.stale_before(now)
    for plan in DesignPlan.objects.filter(status=Status.GENERATING, updated_at__lt=threshold):
        stalled = DesignPlan.objects.filter(pk=plan.pk, status=Status.GENERATING, updated_at__lt=threshold)

        def requeue(rows=stalled, pk=plan.pk):
            changed = rows.update(status=Status.QUEUED, updated_at=now)
            if changed:
                send_on_commit(generate_design, pk)
            return changed

        if jobs.requeue_once("nailstudio:design", plan.pk, requeue):
            requeued += 1
        elif stalled.exists():
            designs.fail_stalled(plan)
            failed += 1
    threshold = comparison_stale_before(now)
    pending = ServiceRecord.objects.filter(comparison_status=Comparison.PENDING, updated_at__lt=threshold)
    for record in pending:
        stalled = ServiceRecord.objects.filter(pk=record.pk, comparison_status=Comparison.PENDING,
                                               updated_at__lt=threshold)  # fmt: skip

        def resend(rows=stalled, pk=record.pk):
            changed = rows.update(updated_at=now)
            if changed:
                send_on_commit(compare_service, pk)
            return changed

        if jobs.requeue_once("nailstudio:comparison", record.pk, resend):
            requeued += 1
        elif stalled.exists():
            records.fail_stalled(record)
            failed += 1
    resent = 0
    waiting = DesignPlan.objects.filter(status=Status.QUEUED, updated_at__lt=now - RESEND_AFTER)
    for pk in waiting.values_list("pk", flat=True):
        if DesignPlan.objects.filter(pk=pk, status=Status.QUEUED).update(updated_at=now):
            send_on_commit(generate_design, pk)
            resent += 1
    return Recovered(requeued, failed, resent)
