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
    """The ``user`` rate counted in fixed windows with one atomic increment. DRF's own throttle keeps a sliding
    history that is read, pickled and written back whole on every request, so its cost grows with the rate; this
    one costs one round trip at any rate, and may let up to twice the rate through across a window boundary.
    ``window()`` lets a hot path fold that increment into a round trip it makes anyway."""

    def window(self, request, view) -> Window | None:
        if self.rate is None or (key := self.get_cache_key(request, view)) is None:
            return None
        now = time.time()
        number = int(now // self.duration)
        return Window(
            redis.key(f"{key}:{number}"), self.num_requests, self.duration, (number + 1) * self.duration - now
        )

    def allow_request(self, request, view) -> bool:
        window = self.window(request, view)
        if window is None:
            return True
        self.wait_seconds = window.retry_after
        return count(window) <= window.limit

    def wait(self) -> float:
        return self.wait_seconds


def count(window: Window) -> int:
    """Count one request in ``window``; returns the count so far."""
    if settings.REDIS_URL:
        pipe = redis.client(settings.REDIS_URL).pipeline(transaction=False)
        pipe.incr(window.key)
        pipe.expire(window.key, window.seconds + 1, nx=True)
        return pipe.execute()[0]
    cache.add(window.key, 0, window.seconds + 1)
    try:
        return cache.incr(window.key)
    except ValueError:  # expired between add and incr
        cache.add(window.key, 1, window.seconds + 1)
        return 1
