"""A circuit breaker per provider and capability, kept in the Django cache so every web and worker process
shares it. After AI_BREAKER_THRESHOLD consecutive failures the provider is skipped for AI_BREAKER_COOLDOWN
seconds; then one call is let through, and its success closes the breaker again."""

import time

from django.conf import settings
from django.core.cache import cache


def _keys(provider: str, capability: str) -> tuple[str, str]:
    base = f"ai:breaker:{provider}:{capability}"
    return f"{base}:failures", f"{base}:open_until"


def is_open(provider: str, capability: str) -> bool:
    _, open_key = _keys(provider, capability)
    return (cache.get(open_key) or 0) > time.time()


def record_success(provider: str, capability: str) -> None:
    cache.delete_many(_keys(provider, capability))


def record_failure(provider: str, capability: str) -> None:
    failures_key, open_key = _keys(provider, capability)
    cache.add(failures_key, 0, timeout=None)
    failures = cache.incr(failures_key)
    if failures >= settings.AI_BREAKER_THRESHOLD:
        cache.set(open_key, time.time() + settings.AI_BREAKER_COOLDOWN, timeout=None)
        # Half-open after the cool-down: one more failure re-opens it at once.
        cache.set(failures_key, settings.AI_BREAKER_THRESHOLD - 1, timeout=None)


def state(provider: str, capability: str) -> dict:
    failures_key, open_key = _keys(provider, capability)
    open_until = cache.get(open_key) or 0
    return {"open": open_until > time.time(), "failures": cache.get(failures_key) or 0}
