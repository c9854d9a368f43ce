"""The router: the only retry loop of the AI layer.

For each provider of the capability's chain (AI_CHAINS): skip it when unconfigured or its breaker is open;
try it, retrying transient errors (timeouts, 429, 5xx) with exponential backoff and jitter; validate its
answer; record every attempt as an AICall. Permanent errors and invalid answers go straight to the next
provider. When the chain is exhausted, raise AIUnavailable.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache

from . import breaker
from .errors import AIUnavailable, ProviderError
from .models import AICall
from .pricing import cost_of
from .providers import PROVIDERS
from .types import CallInfo, ProviderOutput, Usage

logger = logging.getLogger(__name__)
_NO_USAGE = Usage()
_deferred: ContextVar[list[AICall] | None] = ContextVar("ai_deferred_calls", default=None)


@contextmanager
def deferred_call_log() -> Iterator[list[AICall]]:
    """Collect AICall rows instead of saving them, for work done in helper threads; the caller saves the
    list (``AICall.objects.bulk_create``) from its own thread and database connection."""
    sink: list[AICall] = []
    token = _deferred.set(sink)
    try:
        yield sink
    finally:
        _deferred.reset(token)


def chain_for(capability: str, override: list[str] | None = None) -> list[str]:
    return list(override if override is not None else settings.AI_CHAINS[capability])


def _skip_reason(name: str, capability: str) -> str | None:
    """Why the provider would not be tried for this capability right now, or None."""
    provider = PROVIDERS.get(name)
    if provider is None or not provider.supports(capability):
        return "skipped:unsupported"
    if not provider.configured():
        return "skipped:not_configured"
    if breaker.is_open(name, capability):
        return "skipped:breaker_open"
    return None


def usable_providers(capability: str, chain: list[str] | None = None) -> list[str]:
    """Providers of the chain that would be tried right now."""
    return [name for name in chain_for(capability, chain) if _skip_reason(name, capability) is None]


def _backoff(attempt: int) -> float:
    delay = min(settings.AI_RETRY_MAX_DELAY, settings.AI_RETRY_BASE_DELAY * 2**attempt)
    return delay * random.uniform(0.5, 1.0)


def _record(
    capability, provider, model, *, ok, error_code="", latency_ms, usage=_NO_USAGE, cost=Decimal(0), user=None
):
    row = AICall(
        capability=capability,
        provider=provider,
        model=model,
        ok=ok,
        error_code=error_code[:64],
        latency_ms=latency_ms,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        images=usage.images,
        cost=cost,
        user=user if getattr(user, "is_authenticated", False) else None,
    )
    sink = _deferred.get()
    if sink is None:
        row.save()
    else:
        sink.append(row)
    if not ok:
        cache.set(
            f"ai:last_error:{provider}",
            {"capability": capability, "code": error_code, "at": time.time()},
            None,
        )


def run(
    capability: str,
    request,
    *,
    user=None,
    chain: list[str] | None = None,
    validate: Callable[[object], object] | None = None,
) -> tuple[object, CallInfo]:
    attempts_log: list[tuple[str, str]] = []
    for name in chain_for(capability, chain):
        if skipped := _skip_reason(name, capability):
            attempts_log.append((name, skipped))
            continue
        provider = PROVIDERS[name]
        model = provider.model_for(capability)
        for attempt in range(settings.AI_MAX_RETRIES + 1):
            started = time.perf_counter()
            try:
                output: ProviderOutput = getattr(provider, capability)(request)
                value = validate(output.value) if validate else output.value
            except ProviderError as exc:
                latency = int((time.perf_counter() - started) * 1000)
                _record(capability, name, model, ok=False, error_code=exc.code, latency_ms=latency, user=user)
                logger.warning(
                    "AI %s via %s failed (attempt %d): %s %s", capability, name, attempt + 1, exc.code, exc
                )
                if exc.transient and attempt < settings.AI_MAX_RETRIES:
                    time.sleep(_backoff(attempt))
                    continue
                (breaker.record_success if exc.healthy else breaker.record_failure)(name, capability)
                attempts_log.append((name, exc.code))
                break
            latency = int((time.perf_counter() - started) * 1000)
            cost = cost_of(name, output.model, output.usage)
            _record(
                capability,
                name,
                output.model,
                ok=True,
                latency_ms=latency,
                usage=output.usage,
                cost=cost,
                user=user,
            )
            breaker.record_success(name, capability)
            return value, CallInfo(name, output.model, latency, output.usage, cost, attempt + 1)
    raise AIUnavailable(capability, attempts_log)
