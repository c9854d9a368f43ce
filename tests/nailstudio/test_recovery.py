"""Nail studio jobs whose worker died: re-queued once, then failed with credits released; redeliveries."""

from datetime import timedelta

import pytest

from billing.services import balance
from core import jobs
from nailstudio import services
from nailstudio.models import DesignPlan, ServiceRecord
from nailstudio.services import recovery
from nailstudio.tasks import generate_design
from tests.images import image_bytes, upload
from tests.nailstudio.helpers import offline_ready_design

pytestmark = pytest.mark.django_db


def stall(model, pk, **fields):
    """Its worker died: the row stops beating."""
    model.objects.filter(pk=pk).update(updated_at=jobs.stale_before() - timedelta(hours=1), **fields)


def test_a_stalled_design_is_requeued_once_then_failed_with_its_credits_back(
    vendors, owner, customer, credits, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the message is lost with the worker
        plan = services.request_design(owner=owner, customer=customer)
    assert balance(owner) == credits - 2  # held
    stall(DesignPlan, plan.pk, status="generating")
    with django_capture_on_commit_callbacks(execute=False):
        assert recovery.recover_stalled().requeued == 1
    assert DesignPlan.objects.get(pk=plan.pk).status == "queued"
    stall(DesignPlan, plan.pk, status="generating")  # and dies again
    assert recovery.recover_stalled().failed == 1
    plan.refresh_from_db()
    assert (plan.status, plan.credits_charged) == ("failed", 0)
    assert balance(owner) == credits


def test_a_requeued_design_is_drawn_once(
    vendors, owner, customer, credits, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        plan = services.request_design(owner=owner, customer=customer)
    stall(DesignPlan, plan.pk, status="generating")
    with django_capture_on_commit_callbacks(execute=True):
        recovery.recover_stalled()
    plan.refresh_from_db()
    assert plan.status == "ready"
    assert plan.provider == "dashscope"
    assert balance(owner) == credits - 2


def test_a_redelivered_design_message_is_handled_whatever_its_state(
    offline, owner, customer, settings, django_capture_on_commit_callbacks
):
    plan = offline_ready_design(
        owner=owner,
        customer=customer,
        settings=settings,
        capture_on_commit=django_capture_on_commit_callbacks,
    )
    assert generate_design.apply(args=[plan.pk]).get() is None  # finished: left as it is
    assert DesignPlan.objects.get(pk=plan.pk).status == "ready"
    DesignPlan.objects.filter(pk=plan.pk).update(status="generating")  # a live run beats
    with pytest.raises(jobs.Busy):
        services.generate(plan.pk)
    stall(DesignPlan, plan.pk)  # that run died: the redelivery takes over
    assert services.generate(plan.pk).status == "ready"


def test_a_queued_design_whose_message_was_lost_is_sent_again(
    offline, owner, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        plan = services.request_design(owner=owner, customer=customer)
    DesignPlan.objects.filter(pk=plan.pk).update(updated_at=plan.updated_at - recovery.RESEND_AFTER * 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.recover_stalled().resent == 1
    assert DesignPlan.objects.get(pk=plan.pk).status == "ready"


def test_a_stalled_comparison_is_run_again_once_then_failed(
    offline, owner, customer, settings, django_capture_on_commit_callbacks
):
    design = offline_ready_design(
        owner=owner,
        customer=customer,
        settings=settings,
        capture_on_commit=django_capture_on_commit_callbacks,
    )
    record = services.create_service(
        owner=owner, customer=customer, design_plan=design, service_date="2026-03-02"
    )
    photo = upload(image_bytes("PNG", (320, 240), (200, 120, 140)), "done.png", "image/png")
    with django_capture_on_commit_callbacks(execute=False):
        services.complete_service(record, photo)
    old = jobs.stale_before() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    ServiceRecord.objects.filter(pk=record.pk).update(updated_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.recover_stalled().requeued == 1
    assert ServiceRecord.objects.get(pk=record.pk).comparison_status == "ready"
    ServiceRecord.objects.filter(pk=record.pk).update(comparison_status="pending", updated_at=old)
    assert recovery.recover_stalled().failed == 1
    assert ServiceRecord.objects.get(pk=record.pk).comparison_status == "failed"


def test_beat_sweeps_every_job_stall_check_interval(settings):
    for name in ("imageedit-recover-stalled", "nailstudio-recover-stalled"):
        assert settings.CELERY_BEAT_SCHEDULE[name]["schedule"] == settings.JOB_STALL_CHECK_SECONDS == 60
