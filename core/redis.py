"""Direct Redis clients, for the few hot paths where Django's cache API costs extra round trips, and the
process's view of whether Redis is reachable.

Redis only accelerates: every caller has a database or per-process fallback. After a connection error Redis
counts as down in this process for ``REDIS_RETRY_SECONDS`` (callers go straight to their fallback instead of
waiting on a dead host each time); the first call after that tries Redis again, so the fast paths come back by
themselves within seconds of Redis returning.
"""

import logging
import time
from functools import cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

# What a caller catches to fall back: connection refused or reset, timeouts, a loading or read-only server.
ERRORS = (redis.RedisError, OSError)

_down_until = 0.0
_last_error = ""


@cache
def client(url: str) -> redis.Redis:
    # One pool per process and URL; redis-py reopens its connections after a fork (gunicorn, Celery).
    return redis.Redis.from_url(
        url,
        socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
    )


def key(name: str) -> str:
    """A key under the project's prefix, so that deployments sharing a Redis do not collide."""
    return f"{settings.CACHE_KEY_PREFIX}:{name}"


def available() -> bool:
    """False for a few seconds after a connection error in this process."""
    return time.monotonic() >= _down_until


def mark_down(exc: BaseException) -> None:
    global _down_until, _last_error
    if available():  # once per outage window, not once per request
        logger.warning("Redis unreachable, using fallbacks for %ss: %s", settings.REDIS_RETRY_SECONDS, exc)
    _down_until = time.monotonic() + settings.REDIS_RETRY_SECONDS
    _last_error = f"{type(exc).__name__}: {exc}"


def mark_up() -> None:
    global _down_until
    _down_until = 0.0


def last_error() -> str:
    return _last_error
