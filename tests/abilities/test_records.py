from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from abilities import services as abilities
from abilities.models import AbilityDimension, AbilityRecord
from abilities.scoring import Point, recency_weighted, weighted_overall
from nailstudio import services
from nailstudio.models import ComparisonResult, ServiceRecord

pytestmark = pytest.mark.django_db
SEED = ["color_matching", "pattern_precision", "detail_work", "composition", "technique", "creativity"]
REMOTE_ANSWER = {
    "similarity": 84,
    "differences": {"color": "颜色偏深", "pattern": "一致", "detail": "边缘略粗", "composition": "一致"},
    "suggestions": ["甲缘再收干净"],
    "dimension_scores": {
        "color_matching": {"score": 71, "evidence": "主色比设计深一档"},
        "pattern_precision": {"score": 90, "evidence": "花瓣位置准确"},
        "detail_work": 66,
        "composition": {"score": 88, "evidence": "布局一致"},
        "technique": {"score": 79, "evidence": "晕染过渡自然"},
        "sparkle": {"score": 50, "evidence": "not a dimension"},
    },  # creativity left out: not scored
}


def test_the_six_seed_dimensions_exist():
    dimensions = list(AbilityDimension.objects.all())
    assert [d.code for d in dimensions] == SEED
    assert [d.name for d in dimensions] == [
        "颜色搭配",
        "图案精度",
        "细节处理",
        "整体构图",
        "技法运用",
        "创意表达",
    ]
    assert all(d.weight == 1.0 and d.active and len(d.description) >= 10 for d in dimensions)
    assert [d.code for d in abilities.active_dimensions()] == SEED


def test_the_database_keeps_scores_within_0_to_100(owner, scored):
    record = scored(owner, timezone.now(), {"technique": 100})
    stored = AbilityRecord.objects.get(service=record)
    assert stored.score == 100
    with pytest.raises(IntegrityError), transaction.atomic():
        AbilityRecord.objects.filter(pk=stored.pk).update(score=101)


def test_an_offline_comparison_scores_every_active_dimension(offline, complete):
    record = complete()
    comparison = ComparisonResult.objects.get(service=record)
    records = {r.dimension.code: r for r in AbilityRecord.objects.filter(service=record)}
    assert sorted(records) == sorted(SEED)
    for code, entry in comparison.dimension_scores.items():
        assert records[code].score == entry["score"]
        assert records[code].evidence == {"text": entry["evidence"], "provider": "local"}
        assert entry["evidence"]  # every offline dimension explains itself
    assert records["creativity"].evidence["text"] == "未使用灵感图，按中性分计。"
    assert "ΔE2000" in records["color_matching"].evidence["text"]
    assert {r.recorded_at for r in records.values()} == {record.completed_at}
    assert {r.user_id for r in records.values()} == {record.owner_id}


def test_the_ai_is_asked_for_a_score_and_evidence_per_active_dimension(vendors, complete):
    dashscope, _ = vendors
    dashscope.answer = REMOTE_ANSWER
    AbilityDimension.objects.filter(code="creativity").update(active=False)
    AbilityDimension.objects.create(code="nail_care", name="甲面护理", description="护理到位，甲面无损伤。")
    record = complete()

    prompt = dashscope.received_texts()[-1]
    for dimension in AbilityDimension.objects.filter(active=True):
        assert dimension.code in prompt
        assert dimension.name in prompt
        assert dimension.description in prompt
    assert "creativity" not in prompt
    assert "创意表达" not in prompt
    assert '"evidence"' in prompt

    comparison = ComparisonResult.objects.get(service=record)
    assert comparison.provider == "dashscope"
    assert comparison.dimension_scores == {
        "color_matching": {"score": 71, "evidence": "主色比设计深一档"},
        "pattern_precision": {"score": 90, "evidence": "花瓣位置准确"},
        "detail_work": {"score": 66, "evidence": ""},
        "composition": {"score": 88, "evidence": "布局一致"},
        "technique": {"score": 79, "evidence": "晕染过渡自然"},
    }
    records = {r.dimension.code: r for r in AbilityRecord.objects.filter(service=record)}
    assert {code: r.score for code, r in records.items()} == {
        "color_matching": 71,
        "pattern_precision": 90,
        "detail_work": 66,
        "composition": 88,
        "technique": 79,
    }
    assert records["color_matching"].evidence == {"text": "主色比设计深一档", "provider": "dashscope"}


def test_an_out_of_range_dimension_score_moves_on_to_the_next_provider(vendors, settings, complete):
    dashscope, openai = vendors
    dashscope.answer = {**REMOTE_ANSWER, "dimension_scores": {"technique": {"score": 140, "evidence": "?"}}}
    openai.answer = REMOTE_ANSWER
    record = complete()
    assert ComparisonResult.objects.get(service=record).provider == "openai"
    assert AbilityRecord.objects.get(service=record, dimension__code="technique").score == 79


def test_re_analysis_replaces_the_services_records(vendors, complete, django_capture_on_commit_callbacks):
    dashscope, _ = vendors
    dashscope.answer = REMOTE_ANSWER
    record = complete()
    assert AbilityRecord.objects.filter(service=record).count() == 5

    dashscope.answer = {**REMOTE_ANSWER, "dimension_scores": {"color_matching": 93, "technique": 40}}
    ServiceRecord.objects.filter(pk=record.pk).update(comparison_status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        services.compare(record.pk)
    scores = dict(AbilityRecord.objects.filter(service=record).values_list("dimension__code", "score"))
    assert scores == {"color_matching": 93, "technique": 40}

    # The same comparison recorded again changes nothing.
    comparison = ComparisonResult.objects.get(service=record)
    abilities.record_from_comparison(comparison)
    abilities.record_from_comparison(comparison)
    assert AbilityRecord.objects.count() == 2
    assert dict(AbilityRecord.objects.values_list("dimension__code", "score")) == scores


def test_recompute_rebuilds_records_from_stored_comparisons(owner, outsider, scored):
    now = timezone.now()
    mine = [
        scored(owner, now - timedelta(days=d), {"technique": 60 + d, "creativity": 70}) for d in (1, 2, 3)
    ]
    theirs = scored(outsider, now, {"technique": 50})
    # Records drift from their comparisons: one lost, one edited by hand, one whose comparison is gone.
    AbilityRecord.objects.filter(service=mine[0], dimension__code="creativity").delete()
    AbilityRecord.objects.filter(service=mine[1]).update(score=1)
    ComparisonResult.objects.filter(service=mine[2]).delete()
    AbilityRecord.objects.filter(service=theirs).update(score=2)

    stderr, stdout = StringIO(), StringIO()
    call_command("recompute_abilities", "--user", "owner", stderr=stderr, stdout=stdout)
    rows = set(AbilityRecord.objects.filter(user=owner).values_list("service_id", "dimension__code", "score"))
    assert rows == {
        (mine[0].pk, "technique", 61),
        (mine[0].pk, "creativity", 70),
        (mine[1].pk, "technique", 62),
        (mine[1].pk, "creativity", 70),
    }
    assert AbilityRecord.objects.get(service=theirs).score == 2  # another user's records are left alone
    assert "2/2" in stderr.getvalue()  # the progress bar
    assert "2 comparisons" in stdout.getvalue()

    call_command("recompute_abilities", stderr=StringIO(), stdout=StringIO())
    assert AbilityRecord.objects.get(service=theirs).score == 50
    with pytest.raises(CommandError):
        call_command("recompute_abilities", "--user", "nobody")


def test_the_recency_weighted_average_halves_a_weight_every_half_life():
    now = timezone.now()
    points = [Point(100, now), Point(40, now - timedelta(days=30)), Point(10, now - timedelta(days=60))]
    expected = (100 * 1 + 40 * 0.5 + 10 * 0.25) / 1.75
    assert recency_weighted(points, now, 30) == pytest.approx(expected)
    assert recency_weighted(points, now - timedelta(days=30), 30) == pytest.approx((40 + 10 * 0.5) / 1.5)
    assert recency_weighted(points, now - timedelta(days=61), 30) is None
    assert weighted_overall({"a": 80, "b": 50, "c": None}, {"a": 2.0, "b": 1.0, "c": 5.0}) == pytest.approx(
        70
    )
    assert weighted_overall({"a": 80}, {"a": 0.0}) is None


def test_a_dimension_with_history_cannot_be_deleted(owner, scored):
    scored(owner, timezone.now(), {"technique": 70})
    with pytest.raises(ProtectedError):
        AbilityDimension.objects.get(code="technique").delete()
