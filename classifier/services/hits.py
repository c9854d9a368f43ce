"""Check-cache hits, counted and logged off the request path.

Each checked hash must leave a RequestLog row and each hit must bump its entry's ``hit_count`` and
``last_hit_at``. Inside the request that meant an UPDATE, an INSERT and a commit: more than the lookup itself.
With Redis (``CLASSIFIER_HIT_BUFFER``, on when ``REDIS_URL`` is set) a request instead pushes one compact record
onto a Redis list, in the same round trip that counts it against the user's rate, and ``flush()`` applies the
records in bulk: from beat every ``CLASSIFIER_HIT_FLUSH_SECONDS``, and before staff figures are read. Without
Redis (the embedded mode) a record is applied at once by the same code. Counting stays race-free either way:
increments are ``F() + n`` updates.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import Counter, defaultdict
from functools import cache

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from core import redis as core_redis
from core import throttling
from core.throttling import Window

from ..models import ImageClassification, InferenceMethod, RequestLog
from .logs import log_rows

logger = logging.getLogger(__name__)

# Records per transaction: a record holds up to 500 hashes, so a step writes at most ~5,000 log rows and never
# holds SQLite's write lock for long.
FLUSH_CHUNK = 10
# A flusher that dies holding the lock must not stop the next one for long.
LOCK_SECONDS = 300


# Count the request in its rate window and, if within the limit, push its record: one round trip, not two.
_ADMIT_AND_PUSH = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if count <= tonumber(ARGV[1]) then redis.call('RPUSH', KEYS[2], ARGV[3]) end
return count
"""


def _buffer() -> tuple[redis.Redis, str] | None:
    if not settings.CLASSIFIER_HIT_BUFFER:
        return None
    return core_redis.client(settings.REDIS_URL), core_redis.key("classifier:hit-buffer")


@cache
def _admit_and_push(client: redis.Redis):
    return client.register_script(_ADMIT_AND_PUSH)


def record(
    *,
    user_id: int | str | None,
    ip: str | None,
    request_id,
    endpoint: str,
    items: list,
    window: Window | None,
) -> bool:
    """Count and log one request's checked hashes: ``items`` is ``(image_hash, CachedEntry | None)`` each.
    ``user_id`` may be a token's string claim. With a rate ``window``, a request over the limit is neither
    logged nor counted as hits, and False is returned."""
    entry = {
        "t": time.time(),
        "r": str(request_id),
        "u": None if user_id is None else get_user_model()._meta.pk.to_python(user_id),
        "ip": ip,
        "e": endpoint,
        "i": [[h, e.category, e.confidence, e.provider, e.image_size] if e else [h] for h, e in items],
    }
    buffer = _buffer()
    if buffer is not None:
        client, key = buffer
        payload = json.dumps(entry, separators=(",", ":"))
        try:
            if window is None:
                client.rpush(key, payload)
                return True
            keys = [window.key, key]
            return _admit_and_push(client)(keys, [window.limit, window.seconds + 1, payload]) <= window.limit
        except redis.RedisError:
            # Redis is down: answer anyway (unthrottled) and keep the record by writing it at once.
            logger.warning("hit buffer unavailable; writing a check-cache record at once", exc_info=True)
            apply([entry])
            return True
    if window is not None and throttling.count(window) > window.limit:
        return False
    apply([entry])
    return True


def pending() -> int:
    """Records waiting in the buffer (0 without one)."""
    buffer = _buffer()
    return buffer[0].llen(buffer[1]) if buffer else 0


def flush(*, wait_seconds: float = 5) -> int:
    """Apply what is buffered now (records pushed meanwhile wait for the next flush). Returns records applied.

    A record leaves the list only after its transaction committed, so a failed flush loses nothing; a flusher
    killed between the commit and the trim would apply that chunk twice, a rare over-count we accept. With
    Redis down nothing is buffered and there is nothing to apply: the figures are as fresh as they can be."""
    buffer = _buffer()
    if buffer is None:
        return 0
    client, key = buffer
    applied = 0
    try:
        lock = client.lock(f"{key}:lock", timeout=LOCK_SECONDS, blocking_timeout=wait_seconds)
        if not lock.acquire():
            return 0  # another flusher is at it
        try:
            remaining = client.llen(key)
            while remaining > 0:
                raw = client.lrange(key, 0, min(remaining, FLUSH_CHUNK) - 1)
                if not raw:
                    break
                apply([json.loads(item) for item in raw])
                client.ltrim(key, len(raw), -1)
                applied += len(raw)
                remaining -= len(raw)
        finally:
            lock.release()
    except redis.RedisError:
        logger.warning("hit buffer unavailable; %s records applied before it failed", applied, exc_info=True)
    return applied


@transaction.atomic
def apply(entries: list[dict]) -> None:
    """Write the log rows and the hit counts of ``entries`` (records made by ``record``) in one transaction."""
    user_ids = {e["u"] for e in entries if e["u"] is not None}
    if user_ids:  # a user deleted since the request is logged as no one
        user_ids = set(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    rows: list[RequestLog] = []
    hits: Counter[str] = Counter()
    last_hit: dict[str, float] = {}
    for e in entries:
        created_at = dt.datetime.fromtimestamp(e["t"], tz=dt.UTC)
        user_id = e["u"] if e["u"] in user_ids else None
        for image_hash, *hit in e["i"]:
            category, confidence, provider, size = hit or ("", None, "", 0)
            rows.append(
                RequestLog(
                    request_id=e["r"],
                    user_id=user_id,
                    ip_address=e["ip"],
                    endpoint=e["e"],
                    image_hash=image_hash,
                    category=category,
                    confidence=confidence,
                    from_cache=bool(hit),
                    inference_method=InferenceMethod.CACHE if hit else "",
                    provider=provider,
                    bytes_saved=size,
                    created_at=created_at,
                )
            )
            if hit:
                hits[image_hash] += 1
                last_hit[image_hash] = max(last_hit.get(image_hash, 0), e["t"])
    log_rows(rows)
    # One UPDATE per distinct increment (nearly always just +1), in slices the databases accept.
    by_count: dict[int, list[str]] = defaultdict(list)
    for image_hash, count in hits.items():
        by_count[count].append(image_hash)
    for count, hashes in by_count.items():
        latest = dt.datetime.fromtimestamp(max(last_hit[h] for h in hashes), tz=dt.UTC)
        for start in range(0, len(hashes), 1000):
            ImageClassification.objects.filter(image_hash__in=hashes[start : start + 1000]).update(
                hit_count=F("hit_count") + count, last_hit_at=latest
            )
