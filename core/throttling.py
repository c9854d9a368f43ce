import time
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import UserRateThrottle

from . import redis


class Window(NamedTuple):
    """One user's counter for the current fixed window."""

    key: str  # under the project's prefix
    limit: int
    seconds: int
    retry_after: float  # seconds until the window ends


class FixedWindowUserThrottle(UserRateThrottle):
    """The ``user`` rate in fixed windows, for a view that counts its requests itself (see ``window``): one
    atomic increment per request, folded into a round trip the view makes anyway. DRF's own throttle keeps a
    sliding history that is read, pickled and written back whole on every request, so its cost grows with the
    rate. A fixed window may let up to twice the rate through across a window boundary."""

    num_requests: int  # set by DRF from the rate (parse_rate); the stubs omit them
    duration: int

    def window(self, request, view) -> Window | None:
        if self.rate is None or (key := self.get_cache_key(request, view)) is None:
            return None
        now = time.time()
        number = int(now // self.duration)
        return Window(
            redis.key(f"{key}:{number}"), self.num_requests, self.duration, (number + 1) * self.duration - now
        )


def count(window: Window) -> int:
    """Count one request in ``window``; returns the count so far. With Redis unreachable the count is this
    process's own (the Django cache falls back to local memory)."""
    if settings.REDIS_URL and redis.available():
        pipe = redis.client(settings.REDIS_URL).pipeline(transaction=False)
        pipe.incr(window.key)
        pipe.expire(window.key, window.seconds + 1, nx=True)
        try:
            return pipe.execute()[0]
        except redis.ERRORS as exc:
            redis.mark_down(exc)
    cache.add(window.key, 0, window.seconds + 1)
    try:
        return cache.incr(window.key)
    except ValueError:  # expired between add and incr
        cache.add(window.key, 1, window.seconds + 1)
        return 1
