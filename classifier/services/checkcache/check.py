"""POST /classify/check-cache: hit or miss for each hash, every request logged, hits counted."""

from __future__ import annotations

from core import metrics, throttling
from core import redis as core_redis
from core.exceptions import Throttled
from core.throttling import Window

from .. import corrections
from ..cache import fresh_entries
from . import fastpath, hits
from .copies import copyable, result_payload


def check_cache(
    *, user_id: int | str | None, hashes: list[str], ip: str | None, request_id, window: Window | None = None
) -> list[dict]:
    """Answer each (already validated) hash. The user's rate ``window`` is counted here, in the same round trip
    as the rest on Redis: over it, 429 and nothing logged."""
    record = hits.new_record(
        user_id=user_id, ip=ip, request_id=request_id, endpoint="check-cache", hashes=hashes
    )
    if fastpath.usable():
        try:
            results, flag = _on_redis(record, hashes, window)
        except core_redis.ERRORS as exc:
            # Redis is down: answer from the database, throttled per process, and write the record at once.
            core_redis.mark_down(exc)
        else:
            _count(sum(r is not None for r in results), len(hashes))
            answers = [
                {"image_hash": h, "hit": r is not None, "result": r}
                for h, r in zip(hashes, results, strict=True)
            ]
            return corrections.overlay(record["u"], answers, flag=flag)  # the user's own corrections, if any
    if window is not None and throttling.count(window) > window.limit:
        raise Throttled(wait=window.retry_after if window else 0.0)  # no window: no limit to pass
    found = fresh_entries(list(dict.fromkeys(hashes)))
    record["f"] = "".join("1" if h in found else "0" for h in hashes)
    hits.apply([record], entries=found)
    _count(sum(h in found for h in hashes), len(hashes))
    answers = [
        {"image_hash": h, "hit": h in found, "result": result_payload(found[h]) if h in found else None}
        for h in hashes
    ]
    return corrections.overlay(record["u"], answers)  # the user's own corrections, if any


def _on_redis(
    record: dict, hashes: list[str], window: Window | None
) -> tuple[list[dict | None], bytes | None]:
    """Each hash's result or None, and the user's corrections flag as Redis holds it."""
    flag_key = corrections.flag_key(record["u"])
    count, limit, copies, flag = fastpath.check(
        record=record, hashes=hashes, window=window, flag_key=flag_key
    )
    if count > limit:
        raise Throttled(wait=window.retry_after if window else 0.0)  # no window: no limit to pass
    missing = list(dict.fromkeys(h for h, copy in zip(hashes, copies, strict=True) if copy is None))
    if not missing:
        return copies, flag  # the script pushed the record
    found = fresh_entries(missing)
    payloads = {h: result_payload(e) for h, e in found.items()}
    results = [copy if copy is not None else payloads.get(h) for h, copy in zip(hashes, copies, strict=True)]
    record["f"] = "".join("0" if r is None else "1" for r in results)
    fastpath.push(record, {h: payloads[h] for h, e in found.items() if copyable(e)})
    return results, flag


def _count(hit: int, total: int) -> None:
    metrics.CHECK_CACHE.labels("hit").inc(hit)
    metrics.CHECK_CACHE.labels("miss").inc(total - hit)
