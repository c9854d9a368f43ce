"""Direct Redis clients, for the few hot paths where Django's cache API costs extra round trips."""

from functools import cache

import redis
from django.conf import settings


@cache
def client(url: str) -> redis.Redis:
    # One pool per process and URL; redis-py reopens its connections after a fork (gunicorn, Celery).
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)


def key(name: str) -> str:
    """A key under the project's prefix, so that deployments sharing a Redis do not collide."""
    return f"{settings.CACHE_KEY_PREFIX}:{name}"
