import socket

import pytest

from core import redis as core_redis


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """The app pointed at a Redis that refuses connections: the Django cache, the direct clients, check-cache."""
    url = f"redis://127.0.0.1:{closed_port()}/1"
    settings.REDIS_URL = url
    settings.CLASSIFIER_REDIS = True
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.FallbackRedisCache", "LOCATION": url, "KEY_PREFIX": "xintu-test"}
    }
    yield url
    core_redis.mark_up()
