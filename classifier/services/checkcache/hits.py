"""Check-cache log records: one per request, turned into RequestLog rows and hit counts in bulk.

Each checked hash must leave a RequestLog row and each hit must bump its entry's ``hit_count`` and
``last_hit_at``. Inside the request that meant an UPDATE, an INSERT and a commit: more than the lookup itself.
With Redis the request pushes its record onto a list (see ``fastpath``) and ``flush()`` applies the records:
from beat every ``CLASSIFIER_HIT_FLUSH_SECONDS``, and before staff figures are read. Without Redis a record is
applied at once by the same code. Counting stays race-free either way: increments are ``F() + n`` updates.

A record: ``{"k": record id, "t": epoch seconds, "r": request id, "u": user id, "ip", "e": endpoint, "h": [hashes], "f": "1011"}``
with one flag per hash, 1 for a hit. A hit's category, provider and size are read when the record is applied.
``t`` is kept to the millisecond: Redis's cjson, which completes records in ``check.lua``, writes 14 digits.

``count_hits`` is the one place hit counts are written: for these records and for the classify endpoint's
cache hits (``pipeline``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections import Counter, defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from core import once
from core import redis as core_redis

from ...models import ImageClassification, InferenceMethod, RequestLog
from ..cache import lookup
from ..logs import log_rows
from . import fastpath

logger = logging.getLogger(__name__)

# Records per transaction: a record holds up to 500 hashes, so a step writes at most ~5,000 log rows and never
# holds SQLite's write lock for long.
FLUSH_CHUNK = 10
# A flusher that dies holding the lock must not stop the next one for long (the lock is renewed per chunk).
LOCK_SECONDS = 60
# A record's done-key outlives any processing list it could still sit in.
DONE_PREFIX = "hit:"
DONE_KEPT = dt.timedelta(days=1)


def new_record(
    *, user_id: int | str | None, ip: str | None, request_id, endpoint: str, hashes: list[str]
) -> dict:
    """A record without its flags. ``user_id`` may be a token's string claim."""
    return {
        "k": uuid.uuid4().hex,  # the record's own id: a flush applies it once (see apply_buffered)
        "t": round(time.time(), 3),
        "r": str(request_id),
        "u": None if user_id is None else get_user_model()._meta.pk.to_python(user_id),
        "ip": ip,
        "e": endpoint,
        "h": hashes,
    }


def pending() -> int:
    """Records waiting in the buffer (0 without one, or with Redis unreachable)."""
    if not fastpath.usable():
        return 0
    try:
        return fastpath.client().llen(fastpath.buffer_key())
    except core_redis.ERRORS as exc:
        core_redis.mark_down(exc)
        return 0


def flush(*, wait_seconds: float = 5, budget_seconds: float | None = None) -> int:
    """Apply what is buffered now (records pushed meanwhile wait for the next flush). Returns records applied.
    With ``budget_seconds`` it stops after about that long (a staff page must not wait for a large backlog).

    Crash-safe: a chunk is moved atomically from the buffer to a processing list, applied in one transaction
    that also marks its record keys done, and only then deleted. A flusher that dies (or fails) leaves its
    chunk in the processing list; the next flush applies it first, skipping the records whose keys say they
    were committed. So a crash loses nothing and writes nothing twice. With Redis down it returns 0: what it
    holds waits for the next flush, and requests meanwhile write their own records."""
    if not fastpath.usable():
        return 0
    client, key = fastpath.client(), fastpath.buffer_key()
    applied = 0
    try:
        lock = client.lock(f"{key}:lock", timeout=LOCK_SECONDS, blocking_timeout=wait_seconds)
        if not lock.acquire():
            return 0  # another flusher is at it
        try:
            remaining = client.llen(key) + client.llen(fastpath.processing_key())
            deadline = time.monotonic() + budget_seconds if budget_seconds is not None else float("inf")
            while remaining > 0 and time.monotonic() < deadline:
                raw = fastpath.in_processing() or fastpath.take(min(remaining, FLUSH_CHUNK))
                if not raw:
                    break
                apply_buffered([json.loads(item) for item in raw])
                fastpath.done_processing()
                lock.reacquire()  # the lock lives LOCK_SECONDS past the last chunk, not past the start
                applied += len(raw)
                remaining -= len(raw)
        finally:
            lock.release()
    except core_redis.ERRORS as exc:
        core_redis.mark_down(exc)
        logger.warning("hit buffer unavailable; %s records applied before it failed", applied)
    if applied:
        once.purge(prefix=DONE_PREFIX, older_than=DONE_KEPT)
    return applied


@transaction.atomic
def apply_buffered(records: list[dict]) -> None:
    """Apply buffered records once: those whose key is marked done were committed by an earlier flush."""
    keys = {DONE_PREFIX + r["k"]: r for r in records if r.get("k")}
    seen = once.done(list(keys))
    fresh = [r for r in records if not r.get("k") or DONE_PREFIX + r["k"] not in seen]
    if fresh:
        apply(fresh)
        once.mark([k for k in keys if k not in seen])


@transaction.atomic
def apply(records: list[dict], entries: dict | None = None) -> None:
    """Write the log rows and the hit counts of ``records`` in one transaction. ``entries`` (hash → CachedEntry)
    spares reading the hits' entries again when the caller has just read them."""
    user_ids = {r["u"] for r in records if r["u"] is not None}
    if user_ids:  # a user deleted since the request is logged as no one
        user_ids = set(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    hit_hashes = {h for r in records for h, flag in zip(r["h"], r["f"], strict=True) if flag == "1"}
    # An entry deleted since its hit leaves the row without a category.
    if entries is None:
        hit_list = list(hit_hashes)
        entries = {
            e.image_hash: e for i in range(0, len(hit_list), 1000) for e in lookup(hit_list[i : i + 1000])
        }
    rows: list[RequestLog] = []
    hits: Counter[str] = Counter()
    last_hit: dict[str, float] = {}
    for r in records:
        created_at = dt.datetime.fromtimestamp(r["t"], tz=dt.UTC)
        user_id = r["u"] if r["u"] in user_ids else None
        for image_hash, flag in zip(r["h"], r["f"], strict=True):
            hit = flag == "1"
            entry = entries.get(image_hash) if hit else None
            rows.append(
                RequestLog(
                    request_id=r["r"],
                    user_id=user_id,
                    ip_address=r["ip"],
                    endpoint=r["e"],
                    image_hash=image_hash,
                    category=entry.category if entry else "",
                    confidence=entry.confidence if entry else None,
                    from_cache=hit,
                    inference_method=InferenceMethod.CACHE if hit else "",
                    provider=entry.provider if entry else "",
                    bytes_saved=entry.image_size if entry else 0,
                    created_at=created_at,
                )
            )
            if hit:
                hits[image_hash] += 1
                last_hit[image_hash] = max(last_hit.get(image_hash, 0), r["t"])
    log_rows(rows)
    count_hits(hits, last_hit)


def count_hits(hits: Counter[str], last_hit: dict[str, float]) -> None:
    """Add ``hits[hash]`` to each entry's ``hit_count`` and set its ``last_hit_at`` (``last_hit``: epoch seconds).
    ``F() + n`` updates: concurrent hits never lose a count (no read-modify-write in Python). One UPDATE per
    distinct increment (nearly always just +1), in slices the databases accept."""
    by_count: dict[int, list[str]] = defaultdict(list)
    for image_hash, count in hits.items():
        by_count[count].append(image_hash)
    for count, hashes in by_count.items():
        latest = dt.datetime.fromtimestamp(max(last_hit[h] for h in hashes), tz=dt.UTC)
        for start in range(0, len(hashes), 1000):
            ImageClassification.objects.filter(image_hash__in=hashes[start : start + 1000]).update(
                hit_count=F("hit_count") + count, last_hit_at=latest
            )
