"""check-cache on Redis: the keys, the scripts and the round trips (copies of results, the hit buffer).

The database stays the truth. Redis (``CLASSIFIER_REDIS``, on when ``REDIS_URL`` is set) holds
- a copy of each remote or rule result of the current prompt version, written when the result is stored or first
  read, dropped when the entry is deleted, and expiring after ``CLASSIFIER_COPY_SECONDS``. Local results are
  never copied: whether they count depends on the providers at the time of asking;
- the hit buffer: one log record per check-cache request, applied to the database in bulk by ``hits.flush``.

A request whose hashes all have copies costs one round trip (``check.lua``): count it against the user's rate,
read the copies, push the record. Otherwise the database answers for the rest and a second round trip pushes
the record and copies what was found.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import cast

import redis
from django.conf import settings

from ai.prompts import PROMPT_VERSION
from core import redis as core_redis
from core.throttling import Window

# The scripts: ``check.lua`` answers a request in one round trip, ``take.lua`` is the flusher's atomic take.
_CHECK = (Path(__file__).parent / "check.lua").read_text(encoding="utf-8")
_TAKE = (Path(__file__).parent / "take.lua").read_text(encoding="utf-8")
# A request that has no rate to count against (THROTTLE_USER unset) counts against this, without a limit.
_UNLIMITED = Window(core_redis.key("classifier:unlimited"), 2**62, 60, 0.0)


def enabled() -> bool:
    return settings.CLASSIFIER_REDIS


def usable() -> bool:
    """Configured and not known to be down (see core.redis): otherwise the database answers."""
    return settings.CLASSIFIER_REDIS and core_redis.available()


def client() -> redis.Redis:
    return core_redis.client(settings.REDIS_URL)


def buffer_key() -> str:
    return core_redis.key("classifier:hit-buffer")


def processing_key() -> str:
    return core_redis.key("classifier:hit-buffer:processing")


def copy_key(image_hash: str) -> str:
    return core_redis.key(f"classifier:copy:{PROMPT_VERSION}:{image_hash}")


@cache
def _script(redis_client: redis.Redis, source: str = _CHECK):
    return redis_client.register_script(source)


def take(count: int) -> list[bytes]:
    """Move up to ``count`` records from the head of the buffer to the processing list, atomically."""
    return _script(client(), _TAKE)([buffer_key(), processing_key()], [count])


def in_processing() -> list[bytes]:
    """A chunk a flusher took and did not finish (it died, or its transaction failed)."""
    return cast("list[bytes]", client().lrange(processing_key(), 0, -1))  # the client does not decode


def done_processing() -> None:
    client().delete(processing_key())


def encode(record: dict) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def check(
    *, record: dict, hashes: list[str], window: Window | None, flag_key: str
) -> tuple[int, int, list[dict | None], bytes | None]:
    """One round trip: (requests counted in the window, its limit, each hash's copied result or None, the value
    of ``flag_key``: the user's corrections flag, read here to spare a round trip). If every hash had a copy and
    the request is within its rate, the script pushed ``record`` with its flags (all 1)."""
    window = window or _UNLIMITED
    keys = [window.key, buffer_key(), flag_key, *map(copy_key, hashes)]
    reply = _script(client())(keys, [window.limit, window.seconds + 1, encode(record)])
    copies = [json.loads(c) if c else None for c in reply[1]] if len(reply) > 1 else []
    return reply[0], window.limit, copies, reply[2] if len(reply) > 2 else None


def push(record: dict, copies: dict[str, dict]) -> None:
    """Push a complete record and copy results read from the database, in one round trip."""
    pipe = client().pipeline(transaction=False)
    pipe.rpush(buffer_key(), encode(record))
    _set_copies(pipe, copies)
    pipe.execute()


def put(copies: dict[str, dict]) -> None:
    if copies:
        pipe = client().pipeline(transaction=False)
        _set_copies(pipe, copies)
        pipe.execute()


def _set_copies(pipe, copies: dict[str, dict]) -> None:
    for image_hash, payload in copies.items():
        pipe.set(copy_key(image_hash), encode(payload), ex=settings.CLASSIFIER_COPY_SECONDS)


def drop(hashes: list[str]) -> None:
    if hashes:
        client().delete(*map(copy_key, hashes))
