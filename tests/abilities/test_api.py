from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from abilities.models import AbilityDimension, AbilityRecord

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NAMES = ["颜色搭配", "图案精度", "细节处理", "整体构图", "技法运用", "创意表达"]


def _by_code(body: dict) -> dict:
    return {d["code"]: d for d in body["dimensions"]}


def test_the_summary_weights_recent_work_and_compares_with_30_days_ago(owner_client, owner, scored, settings):
    now = timezone.now()
    scored(owner, now - timedelta(days=45), {"color_matching": 60, "technique": 50})
    scored(owner, now - timedelta(days=1), {"color_matching": 90})
    body = owner_client.get("/api/v1/abilities").json()
    colour, technique, detail = (_by_code(body)[c] for c in ("color_matching", "technique", "detail_work"))

    # 44 days older at a 30-day half-life: weights 1 : 2^(-44/30)
    old = 0.5 ** (44 / 30)
    assert colour["score"] == pytest.approx((90 + 60 * old) / (1 + old), abs=0.06)
    assert (colour["score_before"], colour["services"]) == (60, 2)
    assert colour["change"] == pytest.approx(colour["score"] - 60, abs=0.06)
    assert (technique["score"], technique["score_before"], technique["change"]) == (50, 50, 0)
    assert (detail["score"], detail["change"], detail["services"]) == (None, None, 0)
    assert body["overall"]["score"] == pytest.approx((colour["score"] + 50) / 2, abs=0.06)
    assert body["half_life_days"] == settings.ABILITY_HALF_LIFE_DAYS == 30
    assert [d["name"] for d in body["dimensions"]] == NAMES
    # One spelling per route: the trailing slash is a JSON 404 that names it.
    assert owner_client.get("/api/v1/abilities/").json()["error"]["details"] == {"path": "/api/v1/abilities"}


def test_weights_change_the_overall_score(owner_client, owner, scored, django_capture_on_commit_callbacks):
    scored(owner, timezone.now() - timedelta(hours=1), {"color_matching": 90, "creativity": 60})
    assert owner_client.get("/api/v1/abilities").json()["overall"]["score"] == 75

    with django_capture_on_commit_callbacks(execute=True):  # as the admin saves it
        colour = AbilityDimension.objects.get(code="color_matching")
        colour.weight = 2.0
        colour.save()
    body = owner_client.get("/api/v1/abilities").json()
    assert body["overall"]["score"] == 80  # (2·90 + 60) / 3
    assert _by_code(body)["color_matching"]["weight"] == 2.0

    with django_capture_on_commit_callbacks(execute=True):
        creativity = AbilityDimension.objects.get(code="creativity")
        creativity.active = False
        creativity.save()
    body = owner_client.get("/api/v1/abilities").json()
    assert body["overall"]["score"] == 90
    assert "creativity" not in _by_code(body)


def test_the_summary_is_cached_until_new_records_arrive(owner_client, owner, scored):
    first = scored(owner, timezone.now() - timedelta(hours=2), {"detail_work": 70})
    assert _by_code(owner_client.get("/api/v1/abilities").json())["detail_work"]["score"] == 70

    # A row written behind the service's back is not seen: the answer comes from the cache ...
    AbilityRecord.objects.filter(service=first).update(score=10)
    assert _by_code(owner_client.get("/api/v1/abilities").json())["detail_work"]["score"] == 70
    # ... until records arrive through record_from_comparison, which drops the user's summary.
    scored(owner, timezone.now() - timedelta(hours=2), {"detail_work": 30})
    detail = _by_code(owner_client.get("/api/v1/abilities").json())["detail_work"]
    assert (detail["score"], detail["services"]) == (20, 2)


def test_history_buckets_follow_shanghai_midnight(owner_client, owner, scored):
    def at(*args):
        return datetime(*args, tzinfo=SHANGHAI)

    # Sunday 23:30 and Monday 00:30 in Shanghai are both Sunday in UTC (15:30 and 16:30).
    scored(owner, at(2026, 3, 1, 23, 30), {"color_matching": 60})
    scored(owner, at(2026, 3, 2, 0, 30), {"color_matching": 80})
    scored(owner, at(2026, 3, 4, 12, 0), {"color_matching": 90, "technique": 70})
    # The last evening of February and the first minutes of March, Shanghai time (both 28 Feb in UTC).
    scored(owner, at(2026, 2, 28, 23, 50), {"technique": 40})
    scored(owner, at(2026, 3, 1, 0, 10), {"technique": 50})

    weekly = owner_client.get(
        "/api/v1/abilities/history", {"dimension": "color_matching", "from": "2026-02-23", "to": "2026-03-15"}
    )
    assert weekly.status_code == 200, weekly.json()
    body = weekly.json()
    assert (body["period"], body["timezone"], body["from"], body["to"]) == (
        "week",
        "Asia/Shanghai",
        "2026-02-23",
        "2026-03-15",
    )
    [series] = body["dimensions"]
    assert (series["code"], series["name"]) == ("color_matching", "颜色搭配")
    assert series["buckets"] == [
        {"start": "2026-02-23", "average": 60.0, "count": 1},
        {"start": "2026-03-02", "average": 85.0, "count": 2},
        {"start": "2026-03-09", "average": None, "count": 0},
    ]

    monthly = owner_client.get(
        "/api/v1/abilities/history", {"period": "month", "from": "2026-02-01", "to": "2026-03-31"}
    ).json()
    technique = {s["code"]: s for s in monthly["dimensions"]}["technique"]
    assert technique["buckets"] == [
        {"start": "2026-02-01", "average": 40.0, "count": 1},
        {"start": "2026-03-01", "average": 60.0, "count": 2},
    ]
    assert [s["name"] for s in monthly["dimensions"]] == NAMES

    # Only the days asked for count, inclusive of both ends.
    narrow = owner_client.get(
        "/api/v1/abilities/history", {"dimension": "color_matching", "from": "2026-03-02", "to": "2026-03-02"}
    ).json()
    assert narrow["dimensions"][0]["buckets"] == [{"start": "2026-03-02", "average": 80.0, "count": 1}]


def test_history_defaults_to_the_last_12_weeks(owner_client):
    body = owner_client.get("/api/v1/abilities/history").json()
    assert body["to"] == timezone.localdate(timezone=SHANGHAI).isoformat()
    buckets = body["dimensions"][0]["buckets"]
    assert len(buckets) == 12
    assert buckets[0]["start"] == body["from"]
    assert datetime.fromisoformat(body["from"]).weekday() == 0


@pytest.mark.parametrize(
    "params",
    [
        {"period": "day"},
        {"from": "yesterday"},
        {"from": "2026-03-10", "to": "2026-03-01"},
        {"dimension": "sparkle"},
        {"from": "2010-01-01", "to": "2026-01-01"},
        {"to": ""},
        {"period": ""},
    ],
)
def test_history_refuses_bad_parameters(owner_client, params):
    response = owner_client.get("/api/v1/abilities/history", params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"


def test_the_radar_shows_every_active_dimension_now_and_30_days_ago(owner_client, owner, scored):
    scored(owner, timezone.now() - timedelta(days=40), {"color_matching": 55, "composition": 60})
    scored(owner, timezone.now() - timedelta(days=2), {"color_matching": 85, "composition": 75})
    AbilityDimension.objects.filter(code="creativity").update(active=False)
    AbilityDimension.objects.create(code="nail_care", name="甲面护理", description="护理到位。", sort_order=9)

    svg = owner_client.get("/api/v1/abilities/radar.svg")
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    text = svg.content.decode()
    for name in [*NAMES[:5], "甲面护理"]:
        assert name in text
    assert "创意表达" not in text
    assert "现在" in text
    assert "30 天前" in text
    assert "暂无能力记录" not in text

    png = owner_client.get("/api/v1/abilities/radar.png", HTTP_ACCEPT="image/png")
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png.content) > 5000


def test_an_empty_radar_says_there_is_nothing_yet(owner_client):
    svg = owner_client.get("/api/v1/abilities/radar.svg")
    assert svg.status_code == 200
    assert "暂无能力记录" in svg.content.decode()
    assert owner_client.get("/api/v1/abilities/radar.png").status_code == 200


def test_insights_name_strongest_weakest_most_improved_and_recurring_suggestions(owner_client, owner, scored):
    now = timezone.now()
    scored(owner, now - timedelta(days=40), {"color_matching": 50, "detail_work": 80}, ("甲缘再收干净。",))
    scored(
        owner,
        now - timedelta(days=3),
        {"color_matching": 95, "detail_work": 75},
        ("甲缘再收干净", "少涂一层"),
    )
    scored(owner, now - timedelta(days=2), {"technique": 60}, ("少涂一层。", "少涂一层", "封层加厚"))
    body = owner_client.get("/api/v1/abilities/insights").json()
    assert body["strongest"]["code"] == "color_matching"
    assert body["weakest"] == {"code": "technique", "name": "技法运用", "score": 60.0, "change": None}
    assert body["most_improved"]["code"] == "color_matching"
    assert body["most_improved"]["change"] > 30
    assert body["recurring_suggestions"] == [
        {"text": "少涂一层。", "count": 2},
        {"text": "甲缘再收干净", "count": 2},
    ]


def test_insights_without_records_are_empty(owner_client):
    body = owner_client.get("/api/v1/abilities/insights").json()
    assert body == {"strongest": None, "weakest": None, "most_improved": None, "recurring_suggestions": []}


def test_dimensions_lists_the_active_ones_in_order(owner_client):
    AbilityDimension.objects.filter(code="technique").update(active=False)
    body = owner_client.get("/api/v1/abilities/dimensions").json()
    assert [d["code"] for d in body] == [
        "color_matching",
        "pattern_precision",
        "detail_work",
        "composition",
        "creativity",
    ]
    assert body[0]["name"] == "颜色搭配"
    assert body[0]["weight"] == 1.0
    assert body[0]["description"]


def test_records_are_paginated_and_filtered_by_service(owner_client, owner, scored):
    first = scored(owner, timezone.now() - timedelta(days=2), {"color_matching": 70, "technique": 65})
    second = scored(owner, timezone.now() - timedelta(days=1), {"color_matching": 75})
    body = owner_client.get("/api/v1/abilities/records", {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]
    assert body["results"][0] == {
        "id": body["results"][0]["id"],
        "service": second.pk,
        "dimension": "color_matching",
        "dimension_name": "颜色搭配",
        "score": 75,
        "evidence": {"text": "color_matching 75", "provider": "dashscope"},
        "recorded_at": body["results"][0]["recorded_at"],
    }
    only_first = owner_client.get("/api/v1/abilities/records", {"service": first.pk}).json()
    assert sorted(r["dimension"] for r in only_first["results"]) == ["color_matching", "technique"]
    by_dimension = owner_client.get("/api/v1/abilities/records", {"dimension": "technique"}).json()
    assert [r["service"] for r in by_dimension["results"]] == [first.pk]
    bad = owner_client.get("/api/v1/abilities/records", {"service": "first"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_parameter"


def test_an_outsider_sees_nothing_of_another_users_abilities(owner, outsider_client, scored):
    service = scored(owner, timezone.now() - timedelta(days=1), {"color_matching": 88}, ("a", "b"))
    scored(owner, timezone.now() - timedelta(days=2), {"color_matching": 80}, ("a", "b"))

    summary = outsider_client.get("/api/v1/abilities").json()
    assert all(d["score"] is None and d["services"] == 0 for d in summary["dimensions"])
    assert summary["overall"]["score"] is None
    assert outsider_client.get("/api/v1/abilities/records").json()["count"] == 0
    assert outsider_client.get("/api/v1/abilities/records", {"service": service.pk}).json()["count"] == 0
    history = outsider_client.get("/api/v1/abilities/history", {"period": "month"}).json()
    assert all(b["count"] == 0 for s in history["dimensions"] for b in s["buckets"])
    assert outsider_client.get("/api/v1/abilities/insights").json()["recurring_suggestions"] == []
    assert "暂无能力记录" in outsider_client.get("/api/v1/abilities/radar.svg").content.decode()


def test_the_ability_center_needs_a_login(api_client):
    for path in ("", "/history", "/insights", "/dimensions", "/records", "/radar.svg", "/radar.png"):
        response = api_client.get(f"/api/v1/abilities{path}")
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "not_authenticated"
    # An <img> asks for an image: the error is still the JSON envelope.
    response = api_client.get("/api/v1/abilities/radar.svg", HTTP_ACCEPT="image/svg+xml")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_staff_edit_dimensions_and_read_records_in_the_admin(staff_client, staff, owner, scored):
    staff.is_superuser = True
    staff.save()
    staff_client.force_login(staff)
    scored(owner, timezone.now(), {"technique": 66})
    colour = AbilityDimension.objects.get(code="color_matching")
    response = staff_client.post(
        f"/admin/abilities/abilitydimension/{colour.pk}/change/",
        {
            "name": "颜色搭配",
            "description": colour.description,
            "weight": "1.5",
            "active": "",
            "sort_order": 3,
        },
        format="multipart",
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    colour.refresh_from_db()
    assert (colour.weight, colour.active, colour.sort_order) == (1.5, False, 3)

    record = AbilityRecord.objects.get()
    changelist = staff_client.get(
        "/admin/abilities/abilityrecord/",
        {"dimension__id__exact": record.dimension_id, "user__id__exact": owner.pk},
    )
    assert changelist.status_code == 200
    assert "66" in changelist.content.decode()
    page = staff_client.get(f"/admin/abilities/abilityrecord/{record.pk}/change/")
    assert page.status_code == 200
    assert 'name="score"' not in page.content.decode()
    assert staff_client.get("/admin/abilities/abilityrecord/add/").status_code == 403
