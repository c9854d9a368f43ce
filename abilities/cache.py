"""The per-user summary cache: one key per user inside a generation that any dimension edit replaces."""

from __future__ import annotations

import uuid

from django.core.cache import cache

GENERATION_KEY = "abilities:dimensions-generation"


def _generation() -> str:
    # A random token rather than a counter: if the cache drops it, the next one cannot match old entries.
    return cache.get_or_set(GENERATION_KEY, lambda: uuid.uuid4().hex, timeout=None)


def summary_key(user_id: int) -> str:
    return f"abilities:summary:{_generation()}:{user_id}"


def forget_summary(user_id: int) -> None:
    cache.delete(summary_key(user_id))


def forget_all() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
