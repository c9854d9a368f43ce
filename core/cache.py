"""The Django cache on Redis with a per-process fallback (``core.cache.FallbackRedisCache``).

Throttles, the AI circuit breaker and the small caches all use the Django cache. When Redis is unreachable each
call is answered by a local-memory cache of this process instead of raising: throttles count per process, the
breaker keeps per-process state, a cached value is recomputed. Nothing a request did is undone because such
bookkeeping could not reach Redis. Redis is tried again ``REDIS_RETRY_SECONDS`` after the last failure.
"""

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from . import redis as core_redis

_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self.local = LocMemCache(
            f"fallback:{server}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": 10_000},
            },
        )

    def ping(self) -> bool:
        """Whether Redis itself answers (the health check; the other calls never raise)."""
        try:
            self._cache.get_client(write=True).ping()  # type: ignore[attr-defined]  # RedisCache's client; not in the stubs
        except core_redis.ERRORS as exc:
            core_redis.mark_down(exc)
            raise
        return True


def _with_fallback(name: str):
    remote = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        if core_redis.available():
            try:
                return remote(self, *args, **kwargs)
            except core_redis.ERRORS as exc:
                core_redis.mark_down(exc)
        return getattr(self.local, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = remote.__doc__
    return method


for _name in _METHODS:
    setattr(FallbackRedisCache, _name, _with_fallback(_name))
