"""Staff stats at volume: rollups against the raw request log (see bench/README.md, docs/stats.md).

For a small and a large size (``--small``, ``--rows``), each in its own throw-away database: seed that many
request-log rows (and a twentieth as many AI calls) with bulk SQL across 7 Asia/Shanghai days and 1,000 users,
every endpoint, inference method and category; run ``rebuild_stats``; check every stats answer against the old
code path (the raw-log selectors of ``--before-ref``, timed: the "before" figures). Then time every stats
endpoint through the Django test client at both sizes in alternation (``--rounds`` rounds, each a warm-up call
and ``--repeat`` timed calls per size), so both sizes see the same load of a shared machine: the figure is the
median of the rounds' medians. Last, per size: fold a live burst (the hit flusher's bulk write of 5,000
check-cache rows, then 20 classify requests) into the rollups; purge the rows older than 3 days and time each
purge statement, then check that no figure changed.

Targets: every endpoint ≤ 100 ms at the large size and within 2× its time at the small one; rebuild_stats
≥ 200,000 rows/s; no purge statement > 1 s. Exits 1 when one is missed.

    .venv/bin/python bench/stats.py                        # MariaDB, mysql://root@127.0.0.1:3306/xintu_bench_stats
    .venv/bin/python bench/stats.py --sqlite --rows 1000000
    .venv/bin/python bench/stats.py --mariadb-url mysql://root@127.0.0.1:3306/xintu_bench_stats --rows 500000
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENDPOINT_TARGET_MS = 100
REBUILD_TARGET = 200_000
PURGE_STATEMENT_TARGET_S = 1.0
USERS = 1000
CATEGORIES = ["social_activities", "pets", "single_person", "foods", "travel_scenery", "idcard", "other"]
CITIES = ["杭州市", "上海市", "北京市", "广州市", "深圳市", "成都市"]
ENDPOINTS = {
    "today": ("/api/v1/stats/today", lambda old: old.today()),
    "cache-efficiency?days=7": (
        "/api/v1/stats/cache-efficiency?days=7",
        lambda old: {"days": old.cache_efficiency(7)},
    ),
    "category-distribution?days=30": (
        "/api/v1/stats/category-distribution?days=30",
        lambda old: {"categories": old.category_distribution(30)},
    ),
    "users/top?days=7": (
        "/api/v1/stats/users/top?days=7&limit=10",
        lambda old: {"users": old.top_users(7, 10)},
    ),
    "costs?days=30": ("/api/v1/stats/costs?days=30", lambda old: {"costs": old.costs(30)}),
    "cities?days=30": (
        "/api/v1/stats/cities?days=30&limit=20",
        lambda old: {"cities": old.top_cities(30, 20)},
    ),
    "image-edits?days=30": ("/api/v1/stats/image-edits?days=30", None),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5_000_000, help="request-log rows at the large size")
    parser.add_argument("--small", type=int, default=10_000, help="rows at the small size (the 2x reference)")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of MariaDB")
    parser.add_argument("--mariadb-url", default="mysql://root@127.0.0.1:3306/xintu_bench_stats")
    parser.add_argument(
        "--before-ref",
        default="c178d49",
        help="git revision whose classifier/selectors.py is the old raw-log code path ('' to skip it)",
    )
    parser.add_argument(
        "--before-max-rows",
        type=int,
        default=None,
        help="run (and check against) the raw-log path only up to this many rows: at 5 M rows on a shared 2-CPU "
        "machine it takes over 10 minutes",
    )
    parser.add_argument("--rounds", type=int, default=15, help="rounds of alternating timings of both sizes")
    parser.add_argument("--repeat", type=int, default=9, help="timed calls per endpoint, size and round")
    return parser.parse_args()


def database_urls(args) -> dict[int, str]:
    """A throw-away database per size (created empty): their DATABASE_URLs."""
    if args.sqlite:
        folder = tempfile.mkdtemp(prefix="xintu-stats-")
        return {rows: f"sqlite:///{folder}/bench-{rows}.sqlite3" for rows in (args.small, args.rows)}
    url = urlparse(args.mariadb_url)
    name = url.path.lstrip("/")
    urls = {args.small: url._replace(path=f"/{name}_small").geturl(), args.rows: args.mariadb_url}
    with _server(args.mariadb_url) as server, server.cursor() as cursor:
        for each in urls.values():
            each = urlparse(each).path.lstrip("/")
            cursor.execute(f"DROP DATABASE IF EXISTS `{each}`")
            cursor.execute(f"CREATE DATABASE `{each}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    return urls


def _server(url: str):
    import contextlib

    import MySQLdb

    parsed = urlparse(url)
    server = MySQLdb.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        passwd=parsed.password or "",
    )
    return contextlib.closing(server)


def use_database(url: str) -> None:
    """Point Django's connection at another of the bench's databases (same server or SQLite folder)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = (
        urlparse(url).path if connection.vendor == "sqlite" else urlparse(url).path.lstrip("/")
    )
    connection.ensure_connection()


def drop_databases(args, urls: dict[int, str]) -> None:
    from django.db import connection

    connection.close()
    if args.sqlite:
        for url in urls.values():
            path = Path(urlparse(url).path)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.rmdir()
        return
    with _server(args.mariadb_url) as server, server.cursor() as cursor:
        for url in urls.values():
            cursor.execute(f"DROP DATABASE IF EXISTS `{urlparse(url).path.lstrip('/')}`")


def load_before(ref: str):
    """The old selectors (reading the raw logs) from git, as a module of the classifier package."""
    if not ref:
        return None
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{ref}:classifier/selectors.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        print(f"(old selectors not found at {ref!r}: answers are not checked)")
        return None
    spec = importlib.util.spec_from_loader("classifier._selectors_before", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "classifier"
    exec(compile(source, f"{ref}:classifier/selectors.py", "exec"), module.__dict__)
    return module


# --- Seeding -------------------------------------------------------------------------------------------------


def _case(expression: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE {expression} {whens} END"


def _seed_sql(vendor: str, table: str, columns: str, select: str, low: int, high: int) -> str:
    if vendor == "mysql":
        return f"INSERT INTO {table} ({columns}) SELECT {select} FROM seq_{low}_to_{high}"
    return (
        f"WITH RECURSIVE s(seq) AS (SELECT {low} UNION ALL SELECT seq + 1 FROM s WHERE seq < {high}) "
        f"INSERT INTO {table} ({columns}) SELECT {select} FROM s"
    )


def _time_expr(vendor: str, start: dt.datetime, step_us: int) -> str:
    text = start.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    if vendor == "mysql":
        return f"TIMESTAMPADD(MICROSECOND, seq * {step_us}, '{text}')"
    return f"strftime('%Y-%m-%d %H:%M:%f', '{text}', '+' || (seq * {step_us} / 1000000.0) || ' seconds')"


def seed(rows: int, users: list[int], start: dt.datetime, end: dt.datetime) -> float:
    """Request-log rows in time order across [start, end), and a twentieth as many AI calls. Returns seconds."""
    from django.db import connection, transaction

    vendor = connection.vendor
    div = "DIV" if vendor == "mysql" else "/"
    hexed = "LPAD(HEX(seq), 32, '0')" if vendor == "mysql" else "printf('%032x', seq)"
    step_us = max(1, int((end - start).total_seconds() * 1_000_000 // rows))
    first_user = min(users)
    kind = (
        f"CASE WHEN seq % 10 < 6 THEN CASE WHEN (seq {div} 10) % 20 < 14 THEN 'hit' ELSE 'miss' END "
        f"WHEN seq % 10 = 9 THEN 'local' WHEN seq % 10 = 8 AND (seq {div} 10) % 20 = 19 THEN 'error' "
        f"ELSE CASE (seq {div} 10) % 5 WHEN 0 THEN 'hit' WHEN 1 THEN 'rule' WHEN 4 THEN 'local' ELSE 'remote' END END"
    )
    inner = f"SELECT seq, {kind} AS kind FROM "
    columns = (
        "request_id, user_id, ip_address, endpoint, image_hash, category, confidence, from_cache, "
        "inference_method, provider, processing_time_ms, cost, bytes_saved, city, status, error_code, created_at"
    )
    endpoint = (
        "CASE WHEN seq % 10 < 6 THEN 'check-cache' WHEN seq % 10 < 8 THEN 'classify' "
        "WHEN seq % 10 = 8 THEN 'classify-batch' ELSE 'local-classify' END"
    )
    select = ", ".join(
        [
            hexed,
            f"{first_user} + (seq * 7919) % {len(users)}",
            "NULL",
            endpoint,
            "''",
            "CASE kind WHEN 'miss' THEN '' WHEN 'error' THEN '' WHEN 'rule' THEN 'screenshot' "
            f"ELSE {_case(f'(seq * 13) % {len(CATEGORIES)}', CATEGORIES)} END",
            "CASE WHEN kind IN ('miss', 'error') THEN NULL ELSE 0.9 END",
            "CASE kind WHEN 'hit' THEN 1 ELSE 0 END",
            "CASE kind WHEN 'hit' THEN 'cache' WHEN 'miss' THEN '' WHEN 'error' THEN '' ELSE kind END",
            "CASE kind WHEN 'hit' THEN 'dashscope' WHEN 'local' THEN 'local' "
            "WHEN 'remote' THEN CASE WHEN seq % 2 = 0 THEN 'dashscope' ELSE 'openai' END ELSE '' END",
            "CASE WHEN seq % 10 < 6 THEN 0 WHEN kind = 'hit' THEN seq % 8 WHEN kind = 'rule' THEN 5 + seq % 20 "
            "WHEN kind = 'remote' THEN 400 + (seq * 37) % 3000 WHEN kind = 'local' THEN 30 + (seq * 11) % 150 "
            "ELSE 10 + seq % 50 END",
            "CASE kind WHEN 'remote' THEN 0.002 + (seq % 7) * 0.001 ELSE 0 END",
            "CASE kind WHEN 'hit' THEN 100000 + (seq * 101) % 400000 ELSE 0 END",
            f"CASE WHEN seq % 10 BETWEEN 6 AND 8 AND kind <> 'error' AND seq % 7 = 0 "
            f"THEN {_case(f'(seq * 3) % {len(CITIES)}', CITIES)} ELSE '' END",
            "CASE kind WHEN 'error' THEN 'error' ELSE 'ok' END",
            "CASE kind WHEN 'error' THEN 'image_invalid' ELSE '' END",
            _time_expr(vendor, start, step_us),
        ]
    )
    started = time.monotonic()
    chunk = 500_000
    for low in range(0, rows, chunk):
        high = min(rows, low + chunk) - 1
        if vendor == "mysql":
            source = f"({inner} seq_{low}_to_{high}) AS k"
            sql = f"INSERT INTO classifier_requestlog ({columns}) SELECT {select} FROM {source}"
        else:
            sql = (
                f"WITH RECURSIVE s(seq) AS (SELECT {low} UNION ALL SELECT seq + 1 FROM s WHERE seq < {high}), "
                f"k AS ({inner} s) INSERT INTO classifier_requestlog ({columns}) SELECT {select} FROM k"
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        print(f"\r  seeded {high + 1:,}/{rows:,} request logs ({time.monotonic() - started:.0f} s)", end="")
    print()
    calls = max(1, rows // 20)
    call_step = max(1, int((end - start).total_seconds() * 1_000_000 // calls))
    provider = _case("seq % 3", ["dashscope", "openai", "local"])
    model = _case("seq % 3", ["qwen-vl-max", "gpt-4o-mini", "photo-v1"])
    call_columns = (
        "capability, provider, model, ok, error_code, latency_ms, input_tokens, output_tokens, images, cost, "
        "user_id, created_at"
    )
    call_select = ", ".join(
        [
            "CASE WHEN seq % 10 = 9 THEN 'edit_image' ELSE 'classify_photo' END",
            provider,
            model,
            "CASE WHEN seq % 10 = 3 THEN 0 ELSE 1 END",
            "CASE WHEN seq % 10 = 3 THEN 'http_429' ELSE '' END",
            "200 + (seq * 7) % 2000",
            "CASE WHEN seq % 3 = 2 THEN 0 ELSE 800 + seq % 400 END",
            "CASE WHEN seq % 3 = 2 THEN 0 ELSE 40 + seq % 30 END",
            "CASE WHEN seq % 10 = 9 THEN 1 ELSE 0 END",
            "CASE WHEN seq % 3 = 2 OR seq % 10 = 3 THEN 0 ELSE 0.003 + (seq % 5) * 0.001 END",
            f"{first_user} + (seq * 31) % {len(users)}",
            _time_expr(vendor, start, call_step),
        ]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_seed_sql(vendor, "ai_aicall", call_columns, call_select, 0, calls - 1))
        if vendor == "mysql":
            cursor.execute("ANALYZE TABLE classifier_requestlog, ai_aicall")
    return time.monotonic() - started


# --- Measuring -----------------------------------------------------------------------------------------------


def timed_calls(client, path: str, repeat: int) -> list[float]:
    """``repeat`` calls after a warm-up call (ms); every answer must be a 200."""
    times = []
    for index in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(path)
        if index:
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return times


def as_json(value):
    from rest_framework.renderers import JSONRenderer

    return json.loads(JSONRenderer().render(value))


def compare(name: str, new: dict, old: dict) -> list[str]:
    """Differences between the rollup answer and the raw-log one (p95 may differ within its bucket)."""
    from django.db import connection

    from classifier.stats_models import bucket_of

    problems = []
    new = _without_new_fields(new, old)
    if connection.vendor == "sqlite":
        new = _float_average(new, old)
    if name == "today":
        new, old = dict(new), dict(old)
        p_new, p_old = new.pop("p95_processing_ms"), old.pop("p95_processing_ms")
        if bucket_of(p_new) != bucket_of(p_old):
            problems.append(f"p95 {p_new} is not in the bucket of the exact {p_old}")
    if new != old:
        problems.append(f"answer differs: rollups {json.dumps(new)[:300]} / raw {json.dumps(old)[:300]}")
    return problems


def _without_new_fields(new, old):
    """The answer without the fields added since ``--before-ref`` that are zero (``reuses``: the seeded rows
    reuse no near-duplicate's answer); a non-zero new field stays, and differs."""
    if isinstance(new, dict) and isinstance(old, dict):
        return {
            key: _without_new_fields(value, old[key]) if key in old else value
            for key, value in new.items()
            if key in old or value
        }
    if isinstance(new, list) and isinstance(old, list) and len(new) == len(old):
        return [_without_new_fields(a, b) for a, b in zip(new, old, strict=True)]
    return new


def _float_average(new, old):
    """On SQLite the old path averaged the remote cost as a float, the rollups divide exact decimals: where the
    exact average ends in 5 at the 7th decimal the two round apart, by 0.000001 per hit. Take the old value
    there (and only there)."""
    from decimal import Decimal

    def close(a: dict, b: dict) -> dict:
        if "cost_saved" in a and "cost_saved" in b:
            gap = abs(Decimal(a["cost_saved"]) - Decimal(b["cost_saved"]))
            if gap and gap <= a["hits"] * Decimal("0.000001"):
                return {**a, "cost_saved": b["cost_saved"]}
        return a

    if "days" in new and "days" in old:
        return {"days": [close(a, b) for a, b in zip(new["days"], old["days"], strict=False)]}
    return close(new, old)


def run_size(rows: int, args, before, client, results: dict) -> None:
    """Seed and rebuild the current database, then check every answer against the raw-log path."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from classifier import selectors

    call_command("migrate", verbosity=0)
    User = get_user_model()
    User.objects.bulk_create([User(username=f"user{i:04d}") for i in range(USERS)])
    users = list(User.objects.values_list("pk", flat=True))
    client.force_authenticate(User.objects.create(username="staff", is_staff=True))
    today = selectors.local_today()
    start = dt.datetime.combine(today - dt.timedelta(days=6), dt.time.min, tzinfo=selectors.STATS_TZ)
    load = os.getloadavg()[0]
    print(
        f"\n== {rows:,} request-log rows over 7 Shanghai days, {len(users):,} users (load average {load:.1f})"
    )
    seconds = seed(rows, users, start, timezone.now())
    print(f"  seeding took {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")
    started = time.monotonic()
    call_command("rebuild_stats", "--since", start.date().isoformat(), stdout=StringIO(), stderr=sys.stderr)
    rebuild_s = time.monotonic() - started
    raw = rows + max(1, rows // 20)
    results[rows] = size = {"rebuild_rows_per_s": raw / rebuild_s, "rounds": {}, "before": {}, "problems": []}
    print(
        f"  rebuild_stats: {raw:,} raw rows in {rebuild_s:.1f} s = {raw / rebuild_s:,.0f} rows/s "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    print(f"  rollup rows: {rollup_rows()}")
    use_before = before is not None and (args.before_max_rows is None or rows <= args.before_max_rows)
    if not use_before:
        print("  (answers not checked at this size: no raw-log path)")
        return
    for name, (path, old_call) in ENDPOINTS.items():
        if old_call is None:
            continue
        body = client.get(path).json()
        began = time.perf_counter()
        old = as_json(old_call(before))
        size["before"][name] = (time.perf_counter() - began) * 1000
        problems = compare(name, body, old)
        size["problems"] += [f"{name}: {problem}" for problem in problems]
        print(
            f"  {name:<32} raw-log path {size['before'][name]:9.1f} ms   {'MISMATCH' if problems else 'equal'}"
        )


def rollup_rows() -> str:
    """How many rows each rollup table holds: what the endpoints read."""
    from ai.stats_models import AICallStatsDay
    from classifier import stats_models
    from imageedit.models import ImageEditDay

    models = [
        stats_models.RequestStatsDay,
        stats_models.RequestStatsHour,
        stats_models.UserStatsDay,
        stats_models.CityStatsDay,
        stats_models.CityUserStatsDay,
        AICallStatsDay,
        ImageEditDay,
    ]
    return ", ".join(f"{model.__name__} {model.objects.count():,}" for model in models)


def time_endpoints(args, urls: dict[int, str], client, results: dict) -> None:
    """Every endpoint at both sizes in alternation, so both see the same load: per size, the median of the
    rounds' medians (and the spread of the rounds' medians)."""
    print(
        f"\n== Endpoints, {args.rounds} rounds alternating {args.small:,} and {args.rows:,} rows, "
        f"{args.repeat} calls each after a warm-up (load average {os.getloadavg()[0]:.1f})"
    )
    for name, (path, _) in ENDPOINTS.items():
        for _round in range(args.rounds):
            for rows, url in urls.items():
                use_database(url)
                times = timed_calls(client, path, args.repeat)
                results[rows]["rounds"].setdefault(name, []).append(statistics.median(times))
        line = f"  {name:<32}"
        for rows in urls:
            medians = results[rows]["rounds"][name]
            line += (
                f"  {rows:>10,}: {statistics.median(medians):6.1f} ms "
                f"(rounds {min(medians):5.1f}–{max(medians):5.1f})"
            )
        print(line)
    print(f"  (load average {os.getloadavg()[0]:.1f})")


def burst(client, size: dict) -> None:
    """The flusher's bulk write of 5,000 check-cache rows, then 20 classify requests, folded into the rollups."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ai.prompts import PROMPT_VERSION
    from classifier.models import ImageClassification
    from classifier.services.checkcache import hits
    from tests.classifier.conftest import photo_bytes, sha

    entries = [
        ImageClassification(
            image_hash=f"{i:064x}",
            category=CATEGORIES[i % len(CATEGORIES)],
            confidence=0.9,
            inference_method="remote",
            provider="dashscope",
            prompt_version=PROMPT_VERSION,
            image_size=200_000,
        )
        for i in range(400)
    ]
    photo = photo_bytes(3)
    entries.append(
        ImageClassification(
            image_hash=sha(photo),
            category="pets",
            confidence=0.9,
            inference_method="remote",
            provider="dashscope",
            prompt_version=PROMPT_VERSION,
            image_size=len(photo),
        )
    )
    ImageClassification.objects.bulk_create(entries, ignore_conflicts=True)
    before = client.get("/api/v1/stats/today").json()
    user = client.user
    records = []
    for r in range(10):
        record = hits.new_record(
            user_id=user.pk,
            ip="127.0.0.1",
            request_id=f"00000000-0000-0000-0000-{r:012d}",
            endpoint="check-cache",
            hashes=[f"{(i + r) % 500:064x}" for i in range(500)],
        )
        record["f"] = "".join("1" if (i + r) % 500 < 400 else "0" for i in range(500))
        records.append(record)
    started = time.perf_counter()
    hits.apply(records)
    flush_s = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(20):
        upload = SimpleUploadedFile("p.jpg", photo, content_type="image/jpeg")
        answer = client.post("/api/v1/classify", {"image": upload}, format="multipart").json()
        assert answer["from_cache"] is True, answer
    classify_ms = (time.perf_counter() - started) * 1000 / 20
    after = client.get("/api/v1/stats/today").json()
    folded = (after["requests"] - before["requests"], after["hits"] - before["hits"])
    expected = (5000 + 20, 4000 + 20)
    size["burst"] = {"flush_rows_per_s": 5000 / flush_s, "classify_ms": classify_ms}
    print(
        f"  live burst: flusher wrote 5,000 check-cache rows with their rollups in {flush_s * 1000:.0f} ms "
        f"({5000 / flush_s:,.0f} rows/s); classify (cache hit) {classify_ms:.1f} ms per request; "
        f"today +{folded[0]} requests, +{folded[1]} hits"
    )
    if folded != expected:
        size["problems"].append(f"burst folded {folded}, expected {expected}")


def purge(client, size: dict) -> None:
    from django.utils import timezone

    from ai.models import AICall
    from classifier.models import RequestLog
    from core.db.rollups import purge_before

    answers = {name: client.get(path).json() for name, (path, _) in ENDPOINTS.items()}
    cutoff = timezone.now() - dt.timedelta(days=3)
    longest, deleted = 0.0, 0
    for model in (RequestLog, AICall):
        last = [time.perf_counter()]

        def progress(done, chunks, total, last=last):
            nonlocal longest
            now = time.perf_counter()
            longest = max(longest, now - last[0])
            last[0] = now

        started = time.perf_counter()
        count = purge_before(model, cutoff, progress=progress)
        deleted += count
        print(
            f"  purge {model._meta.db_table}: {count:,} rows older than 3 days in {time.perf_counter() - started:.1f} s"
        )
    size["purge_longest_s"] = longest
    print(f"  longest purge statement (a chunk's DELETE and its commit): {longest * 1000:.0f} ms")
    after = {name: client.get(path).json() for name, (path, _) in ENDPOINTS.items()}
    changed = [name for name in answers if answers[name] != after[name]]
    if changed:
        size["problems"].append(f"the purge changed {changed}")
    else:
        print(f"  every answer unchanged after purging {deleted:,} raw rows")


def main() -> int:
    args = parse_args()
    urls = database_urls(args)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": urls[args.small],
            "DEBUG": "false",
            "SECRET_KEY": "bench-stats-not-secret",
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
            "THROTTLE_USER": "1000000/min",  # the timed rounds call each endpoint hundreds of times a minute
        }
    )
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)  # the synchronous path: each write goes through log_rows at once
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.test import APIClient

    try:
        client = APIClient()
        before = load_before(args.before_ref)
        load = os.getloadavg()
        print(f"{connection.vendor} {connection.mysql_server_info if connection.vendor == 'mysql' else ''}")
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs, shared)")
        results: dict = {}
        for rows, url in urls.items():
            use_database(url)
            run_size(rows, args, before, client, results)
        time_endpoints(args, urls, client, results)
        for rows, url in urls.items():
            use_database(url)
            print(f"\n== Live burst and purge at {rows:,} rows (load average {os.getloadavg()[0]:.1f})")
            client.user = get_user_model().objects.get(username="staff")  # the burst's requests are staff's
            client.force_authenticate(client.user)
            burst(client, results[rows])
            purge(client, results[rows])
    finally:
        drop_databases(args, urls)
    return report(args, results)


def report(args, results: dict) -> int:
    small, large = results[args.small], results[args.rows]
    missed = []
    print(f"\n== Targets ({args.rows:,} rows against {args.small:,}; medians of the rounds' medians)")
    for name, rounds in large["rounds"].items():
        ms, reference = statistics.median(rounds), statistics.median(small["rounds"][name])
        ok = ms <= ENDPOINT_TARGET_MS and ms <= 2 * reference
        print(
            f"  {name:<32} {ms:6.1f} ms (at {args.small:,}: {reference:6.1f} ms, ×{ms / reference:.2f})  "
            f"{'met' if ok else 'MISSED'}"
        )
        if not ok:
            missed.append(name)
    rate = large["rebuild_rows_per_s"]
    print(
        f"  rebuild_stats {rate:,.0f} rows/s (target {REBUILD_TARGET:,})  {'met' if rate >= REBUILD_TARGET else 'MISSED'}"
    )
    if rate < REBUILD_TARGET:
        missed.append("rebuild_stats")
    longest = max(small["purge_longest_s"], large["purge_longest_s"])
    print(
        f"  longest purge statement {longest * 1000:.0f} ms (target ≤ 1,000)  {'met' if longest <= 1 else 'MISSED'}"
    )
    if longest > PURGE_STATEMENT_TARGET_S:
        missed.append("purge")
    problems = small["problems"] + large["problems"]
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    print(
        "all targets met"
        if not (missed or problems)
        else f"missed: {missed + (['answers'] if problems else [])}"
    )
    return 1 if missed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
