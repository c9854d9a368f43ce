"""AI call rollups: every save path adds to them in the row's transaction; rebuilds and purges keep them."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from PIL import Image

from ai import router, services
from ai.models import AICall
from ai.stats_models import AICallStatsDay
from classifier.services.rebuild import rebuild_day

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
PETS = {"category": "pets", "confidence": 0.93, "description": "一只橘猫"}


def totals() -> dict:
    return {
        (r.day, r.capability, r.provider, r.model): (
            r.calls,
            r.failures,
            r.input_tokens,
            r.images,
            str(r.cost),
        )
        for r in AICallStatsDay.objects.all()
    }


def from_raw() -> dict:
    result: dict = {}
    for call in AICall.objects.all():
        key = (call.created_at.astimezone(SHANGHAI).date(), call.capability, call.provider, call.model)
        calls, failures, tokens, images, cost = result.get(key, (0, 0, 0, 0, "0"))
        result[key] = (
            calls + 1,
            failures + (not call.ok),
            tokens + call.input_tokens,
            images + call.images,
            str((Decimal(cost) + call.cost).quantize(Decimal("0.000001"))),
        )
    return result


def test_it_counts_router_saves_and_deferred_bulk_saves_in_the_rollups(vendors, settings, owner):
    dashscope, _ = vendors
    dashscope.answer = PETS
    settings.AI_PRICES = {"dashscope:qwen-vl-max": {"input_per_1k": "0.003", "output_per_1k": "0.009"}}
    image = Image.linear_gradient("L").resize((600, 400)).convert("RGB")
    services.classify_photo(image, user=owner, chain=["dashscope"])  # AICall.save
    with router.deferred_call_log() as calls:
        services.classify_photo(image, user=owner, chain=["dashscope"])
    assert len(calls) == 1
    assert AICall.objects.count() == 1
    assert AICallStatsDay.objects.get().calls == 1, "a collected row counts once it is saved"
    AICall.objects.bulk_create(calls)  # what the caller of a deferred log does
    assert AICall.objects.count() == 2
    assert totals() == from_raw()
    (row,) = AICallStatsDay.objects.all()
    assert row.calls == 2
    assert row.cost > 0


def test_it_leaves_no_count_for_a_rolled_back_save():
    def save_then_fail():
        with transaction.atomic():
            AICall.objects.create(capability="classify_photo", provider="openai", ok=True, latency_ms=5)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        save_then_fail()
    assert not AICallStatsDay.objects.exists()


def test_it_uses_shanghai_days_and_keeps_the_figures_through_rebuild_and_purge():
    today = timezone.localdate(timezone=SHANGHAI)
    midnight = dt.datetime.combine(today, dt.time.min, tzinfo=SHANGHAI)
    for at, ok in ((midnight - dt.timedelta(seconds=1), True), (midnight, False), (midnight, True)):
        with mock.patch("django.utils.timezone.now", return_value=at):
            AICall.objects.create(
                capability="edit_image", provider="dashscope", model="wanx", ok=ok, latency_ms=9, images=1
            )
    assert {key[0]: value[:2] for key, value in totals().items()} == {
        today - dt.timedelta(days=1): (1, 0),
        today: (2, 1),
    }
    live = totals()
    rebuild_day(today - dt.timedelta(days=1))
    rebuild_day(today)
    assert totals() == live == from_raw()
    call_command("purge_request_logs", "--ai-days", "0", stdout=StringIO(), stderr=StringIO())
    assert not AICall.objects.exists()
    rebuild_day(today)
    assert totals() == live
