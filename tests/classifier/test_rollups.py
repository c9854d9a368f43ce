"""The stats rollups: written with the logs by every path, equal to a recomputation from the raw rows, rebuilt
idempotently, kept through purges."""

import datetime as dt
import threading
from collections import Counter, defaultdict
from decimal import Decimal
from io import BytesIO, StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from ai.models import AICall
from ai.stats_models import AICallStatsDay
from classifier import selectors
from classifier.models import RequestLog
from classifier.services import flush_cache_hits
from classifier.services.logs import log_rows
from classifier.services.rebuild import rebuild_day
from classifier.stats_models import (
    BUCKETS,
    CityStatsDay,
    CityUserStatsDay,
    RequestStatsDay,
    RequestStatsHour,
    UserStatsDay,
    bucket_of,
)
from core.db import rollups as db_rollups
from tests.classifier.conftest import photo_bytes, screenshot_png, sha
from tests.factories import UserFactory
from tests.geo.test_api import WEST_LAKE_GPS

SHANGHAI = ZoneInfo("Asia/Shanghai")
PETS = {"category": "pets", "confidence": 0.9, "description": "一只狗"}
STATS = [
    "/api/v1/stats/today",
    "/api/v1/stats/cache-efficiency?days=7",
    "/api/v1/stats/category-distribution?days=30",
    "/api/v1/stats/users/top?days=7&limit=100",
    "/api/v1/stats/costs?days=30",
    "/api/v1/stats/cities?days=30&limit=100",
]


def rollups() -> dict:
    """Every rollup row, without ids and write times."""
    tables = {}
    for model in (
        RequestStatsDay,
        RequestStatsHour,
        UserStatsDay,
        CityStatsDay,
        CityUserStatsDay,
        AICallStatsDay,
    ):
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "updated_at")]
        tables[model.__name__] = sorted(
            tuple(str(v) if isinstance(v, Decimal) else v for v in row)
            for row in model.objects.values_list(*names)
        )
    return tables


def recomputed() -> dict:
    """The day and user rollups recomputed in plain Python from the raw rows."""
    days, users, cities = defaultdict(Counter), defaultdict(Counter), defaultdict(set)
    for row in RequestLog.objects.all():
        day = row.created_at.astimezone(SHANGHAI).date()
        group = days[(day, row.endpoint, row.inference_method, row.category, row.provider)]
        group.update(
            requests=1,
            hits=int(row.from_cache),
            errors=int(row.status == "error"),
            bytes_saved=row.bytes_saved,
            time_ms=row.processing_time_ms,
        )
        group[BUCKETS[bucket_of(row.processing_time_ms)]] += 1
        group["cost"] += row.cost
        if row.user_id:
            users[(day, row.user_id)].update(requests=1, hits=int(row.from_cache), cost=row.cost)
        if row.city:
            cities[(day, row.city)].add(row.user_id)
    stored_days = {
        (r.day, r.endpoint, r.inference_method, r.category, r.provider): Counter(
            {
                name: getattr(r, name)
                for name in ("requests", "hits", "errors", "bytes_saved", "time_ms", "cost")
            }
            | {name: getattr(r, name) for name in BUCKETS}
        )
        for r in RequestStatsDay.objects.all()
    }
    stored_users = {
        (r.day, r.user_id): Counter(requests=r.requests, hits=r.hits, cost=r.cost)
        for r in UserStatsDay.objects.all()
    }
    stored_cities = defaultdict(set)
    for r in CityUserStatsDay.objects.all():
        stored_cities[(r.day, r.city)].add(r.user_id)
    for key, counts in stored_days.items():
        stored_days[key] = +counts  # drop zero counters, as the recomputation has none
    return {
        "days": ({k: +v for k, v in days.items()}, stored_days),
        "users": ({k: +v for k, v in users.items()}, {k: +v for k, v in stored_users.items()}),
        "cities": (
            {k: {u for u in v if u} for k, v in cities.items()},
            {k: v for k, v in stored_cities.items()},
        ),
    }


def answers(client) -> dict:
    return {path: client.get(path).json() for path in STATS}


def with_gps(seed: int) -> bytes:
    exif = Image.Exif()
    exif[0x8825] = WEST_LAKE_GPS
    buffer = BytesIO()
    Image.open(BytesIO(photo_bytes(seed))).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def upload(data: bytes, name="p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def classify(client, data: bytes, url="/api/v1/classify", **fields) -> dict:
    response = client.post(url, {"image": upload(data), **fields}, format="multipart")
    assert response.status_code == 200, response.content
    return response.json()


def mixed_traffic(owner_client, teammate_client, vendors) -> None:
    """Remote, rule, local, cache hits through classify and check-cache, a batch with errors, local-classify."""
    dashscope, _ = vendors
    dashscope.answer = PETS
    a, b = photo_bytes(1), with_gps(2)
    assert classify(owner_client, a)["inference_method"] == "remote"
    assert classify(owner_client, b)["inference_method"] == "remote"
    assert classify(owner_client, screenshot_png())["inference_method"] == "rule"
    assert classify(teammate_client, photo_bytes(3), mode="local")["inference_method"] == "local"
    assert classify(teammate_client, a)["from_cache"] is True
    batch = owner_client.post(
        "/api/v1/classify/batch",
        {"images": [upload(a), upload(b"broken"), upload(photo_bytes(4)), upload(b)]},
        format="multipart",
    )
    assert [("error" in r) for r in batch.json()["results"]] == [False, True, False, False]
    assert (
        classify(teammate_client, photo_bytes(5), url="/api/v1/local-classify")["inference_method"] == "local"
    )
    body = teammate_client.post(
        "/api/v1/classify/check-cache", {"image_hashes": [sha(a), sha(b), "f" * 64]}, format="json"
    ).json()
    assert (body["hits"], body["misses"]) == (2, 1)
    owner_client.post("/api/v1/classify/check-cache", {"image_hash": sha(a)}, format="json")
    flush_cache_hits()  # the Redis run buffers check-cache records: beat's flush writes them


@pytest.fixture
def teammate_client(teammate):
    client = APIClient()
    client.force_authenticate(teammate)
    return client


@pytest.mark.django_db
def test_it_keeps_rollups_equal_to_the_raw_logs_after_mixed_traffic(
    owner_client, teammate_client, staff_client, vendors
):
    mixed_traffic(owner_client, teammate_client, vendors)
    assert RequestLog.objects.count() == 14
    assert RequestLog.objects.filter(status="error").count() == 1
    for name, (expected, stored) in recomputed().items():
        assert stored == expected, name
    assert RequestStatsHour.objects.filter(hits__gt=0).exists()
    body = staff_client.get("/api/v1/stats/today").json()
    assert body["requests"] == 14
    assert body["hits"] == 6
    assert body["by_method"] == {"cache": 6, "rule": 1, "remote": 3, "local": 2, "staff": 0, "reuse": 0}
    assert staff_client.get("/api/v1/stats/cities?days=1").json()["cities"] == [
        {"city": "杭州市", "requests": 2, "users": 1}
    ]
    costs = staff_client.get("/api/v1/stats/costs?days=1").json()["costs"]
    assert sum(row["calls"] for row in costs) == AICall.objects.count() > 0


@pytest.mark.django_db
@pytest.mark.parametrize("chunk", [None, 3])
def test_it_rebuilds_the_same_rollups_idempotently(
    owner_client, teammate_client, staff_client, vendors, monkeypatch, chunk
):
    if chunk:  # a day's rows in several id ranges, each scanned and added on its own
        monkeypatch.setattr("classifier.services.rebuild.SCAN_CHUNK", chunk)
    mixed_traffic(owner_client, teammate_client, vendors)
    live, figures = rollups(), answers(staff_client)
    out = StringIO()
    call_command("rebuild_stats", "--days", "3", stdout=out, stderr=StringIO())
    assert "Rebuilt 3 day(s)" in out.getvalue()
    assert rollups() == live
    call_command("rebuild_stats", stdout=StringIO(), stderr=StringIO())
    assert rollups() == live
    assert answers(staff_client) == figures


@pytest.mark.django_db
def test_it_splits_days_and_hours_at_shanghai_midnight(staff, staff_client):
    today = timezone.localdate(timezone=SHANGHAI)
    midnight = dt.datetime.combine(today, dt.time.min, tzinfo=SHANGHAI)
    before, after = midnight - dt.timedelta(microseconds=1), midnight
    log_rows(
        [
            RequestLog(endpoint="classify", category="pets", processing_time_ms=40, created_at=before),
            RequestLog(endpoint="classify", category="foods", processing_time_ms=60, created_at=after),
            RequestLog(endpoint="classify", category="foods", processing_time_ms=60, created_at=after),
        ]
    )
    assert dict(RequestStatsDay.objects.values_list("day", "requests")) == {
        today - dt.timedelta(days=1): 1,
        today: 2,
    }
    assert set(RequestStatsHour.objects.values_list("day", "hour")) == {
        (today - dt.timedelta(days=1), 23),
        (today, 0),
    }
    days = staff_client.get("/api/v1/stats/cache-efficiency?days=2").json()["days"]
    assert [d["requests"] for d in days] == [1, 2]
    assert staff_client.get("/api/v1/stats/today").json()["p95_processing_ms"] == 60
    before_rebuild = rollups()
    rebuild_day(today - dt.timedelta(days=1))
    rebuild_day(today)
    assert rollups() == before_rebuild


@pytest.mark.django_db
def test_it_changes_no_figure_when_raw_logs_are_purged(owner_client, teammate_client, staff_client, vendors):
    mixed_traffic(owner_client, teammate_client, vendors)
    figures, tables = answers(staff_client), rollups()
    err = StringIO()
    call_command("purge_request_logs", "--days", "0", "--ai-days", "0", stdout=StringIO(), stderr=err)
    assert not RequestLog.objects.exists()
    assert not AICall.objects.exists()
    assert "request logs: 1/1 chunks, 14 deleted" in err.getvalue()
    assert answers(staff_client) == figures
    out = StringIO()
    call_command("rebuild_stats", "--days", "2", stdout=out, stderr=StringIO())
    assert "2 day(s) skipped" in out.getvalue(), "a purged day is never rebuilt from what is left of it"
    assert rollups() == tables


@pytest.mark.django_db
def test_it_adds_what_an_insert_select_finds_to_the_counters_already_stored():
    select = "SELECT %s AS day, %s AS city, %s AS requests"
    for requests in (3, 4):
        db_rollups.upsert_select(
            CityStatsDay,
            ["day", "city", "requests"],
            select,
            ["2026-11-30", "杭州市", requests],
            key=["day", "city"],
            add=["requests"],
        )
    assert list(CityStatsDay.objects.values_list("day", "city", "requests")) == [
        (dt.date(2026, 11, 30), "杭州市", 7)
    ]


def city_days(last: dt.date, users: list) -> None:
    """Three days of 杭州市 (users 0-2 on the first, 1-3 on the second, 4 on the last) and one of 上海市."""
    days = {
        last - dt.timedelta(days=2): users[0:3],
        last - dt.timedelta(days=1): users[1:4],
        last: users[4:5],
    }
    for day, active in days.items():
        CityStatsDay.objects.create(day=day, city="杭州市", requests=10 * len(active))
        CityUserStatsDay.objects.bulk_create(
            CityUserStatsDay(day=day, city="杭州市", user=user, requests=10) for user in active
        )
    CityStatsDay.objects.create(day=last, city="上海市", requests=5)
    CityUserStatsDay.objects.create(day=last, city="上海市", user=users[0], requests=5)


@pytest.mark.django_db
def test_it_counts_each_citys_users_once_over_a_window_that_need_not_end_on_the_latest_day():
    last = dt.date(2026, 11, 30)
    city_days(last, UserFactory.create_batch(5))
    assert selectors.top_cities(3, 10, today=last) == [
        {"city": "杭州市", "requests": 70, "users": 5},
        {"city": "上海市", "requests": 5, "users": 1},
    ]
    assert selectors.top_cities(2, 10, today=last - dt.timedelta(days=1)) == [
        {"city": "杭州市", "requests": 60, "users": 4}
    ], "a window ending the day before the latest leaves out that day's users and counts the others once"
    assert selectors.top_cities(1, 1, today=last) == [{"city": "杭州市", "requests": 10, "users": 1}]


@pytest.mark.django_db(transaction=True)  # ANALYZE TABLE commits: the plan is read from real statistics
@pytest.mark.skipif(connection.vendor != "mysql", reason="MariaDB's query plan (CI runs the suite on both)")
def test_it_counts_city_users_from_the_index_alone_without_a_filesort():
    last, users = dt.date(2026, 11, 30), UserFactory.create_batch(30)
    CityUserStatsDay.objects.bulk_create(
        CityUserStatsDay(day=last - dt.timedelta(days=n), city=city, user=user, requests=1)
        for n in range(7)
        for city in ("杭州市", "上海市")
        for user in users
    )
    CityStatsDay.objects.bulk_create(CityStatsDay(day=last, city=city) for city in ("杭州市", "上海市"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE classifier_cityuserstatsday")
    with CaptureQueriesContext(connection) as queries:
        assert [row["users"] for row in selectors.top_cities(30, 10, today=last)] == [30, 30]
    (distinct,) = [q["sql"] for q in queries if "COUNT(DISTINCT" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {distinct}")
        names = [column[0] for column in cursor.description]
        (plan,) = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert plan["key"] == "classifier_cityuser_city_day"
    assert "Using index" in plan["Extra"]
    assert "filesort" not in plan["Extra"]
    assert "temporary" not in plan["Extra"]


@pytest.mark.django_db
def test_it_purges_in_primary_key_chunks_and_keeps_recent_rows():
    old = timezone.now() - dt.timedelta(days=100)
    log_rows([RequestLog(endpoint="classify", created_at=old) for _ in range(11)])
    log_rows([RequestLog(endpoint="classify", created_at=timezone.now()) for _ in range(3)])
    seen = []
    deleted = db_rollups.purge_before(
        RequestLog,
        timezone.now() - dt.timedelta(days=90),
        chunk=4,
        progress=lambda done, chunks, total: seen.append((done, chunks, total)),
    )
    assert deleted == 11
    assert RequestLog.objects.count() == 3
    assert seen[-1] == (3, 3, 11), "the scan stops at the first row clearly past the cutoff"


@pytest.mark.django_db
def test_it_answers_without_waiting_for_the_buffer_and_says_as_of_when(owner, staff_client):
    log_rows([RequestLog(endpoint="classify", user=owner, category="pets")])
    response = staff_client.get("/api/v1/stats/today")
    at = dt.datetime.fromisoformat(response["X-Stats-As-Of"])
    assert abs((timezone.now() - at).total_seconds()) < 60


@pytest.mark.django_db
def test_it_renders_the_admin_page_from_rollups_after_the_logs_are_gone(owner, settings):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    log_rows(
        [
            RequestLog(endpoint="classify", user=owner, category="pets", inference_method="remote"),
            RequestLog(
                endpoint="check-cache", user=owner, category="pets", from_cache=True, inference_method="cache"
            ),
        ]
    )
    call_command("purge_request_logs", "--days", "0", stdout=StringIO(), stderr=StringIO())
    client = Client()
    client.force_login(admin)
    html = client.get("/admin/classifier/classifierstats/").content.decode()
    assert "pets" in html
    assert "数据截至" in html
    assert "今日每小时请求" in html
    assert "<td>2</td><td>1</td><td>0.5</td>" in html


def _writers(day_at: dt.datetime, users: list, threads: int, rounds: int, rows: int, on_start=None) -> None:
    errors = []

    def write(index: int) -> None:
        try:
            for _ in range(rounds):
                log_rows(
                    [
                        RequestLog(
                            endpoint="check-cache",
                            user=users[(index + n) % len(users)],
                            category="pets",
                            inference_method="cache",
                            from_cache=True,
                            bytes_saved=100,
                            city="杭州市",
                            created_at=day_at,
                        )
                        for n in range(rows)
                    ]
                )
        except Exception as exc:  # (reported by the test below)
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=write, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    if on_start:
        on_start()
    for worker in workers:
        worker.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_it_loses_no_count_with_concurrent_flushers_and_a_rebuild():
    users = [UserFactory() for _ in range(3)]
    now = timezone.now()
    day = now.astimezone(SHANGHAI).date()

    def rebuild_meanwhile() -> None:
        for _ in range(3):
            rebuild_day(day)
        connection.close()

    _writers(now, users, threads=4, rounds=5, rows=7, on_start=rebuild_meanwhile)
    assert RequestLog.objects.count() == 4 * 5 * 7
    row = RequestStatsDay.objects.get()
    assert (row.requests, row.hits, row.bytes_saved) == (140, 140, 14000)
    assert sum(UserStatsDay.objects.values_list("requests", flat=True)) == 140
    assert CityStatsDay.objects.get().requests == 140
    for name, (expected, stored) in recomputed().items():
        assert stored == expected, name


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args", [["--days", "0"], ["--since", "yesterday"], ["--days", "2", "--since", "2026-01-01"]]
)
def test_it_refuses_bad_rebuild_stats_arguments(args):
    with pytest.raises(CommandError):
        call_command("rebuild_stats", *args, stdout=StringIO(), stderr=StringIO())
