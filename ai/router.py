"""The router: the only retry loop of the AI layer.

For each provider of the capability's chain (AI_CHAINS): skip it when unconfigured or its breaker is open;
try it, retrying transient errors (timeouts, 429, 5xx) with exponential backoff and jitter, all within the
provider's total deadline (AI_REQUEST_DEADLINE_SECONDS; AI_TASK_TIMEOUT for image capabilities); validate its
answer; record every attempt as an AICall. Permanent errors, invalid answers and a passed deadline go straight to
the next provider. When the chain is exhausted, raise AIUnavailable.

One implementation, asynchronous (``arun``): remote providers are awaited on asyncio clients, so waiting on a
model holds no thread. ``run`` is the same loop for synchronous callers (Celery tasks, commands), on an event
loop kept per thread. Offline providers are plain functions: ``run`` calls them inline, ``arun`` in a thread.
AICall rows are never saved from the event loop: ``arun`` needs ``deferred_call_log()`` around it and the caller
hands the rows to ``save_calls`` from synchronous code; ``run`` saves its own rows (or defers them likewise).
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from core import metrics

from . import breaker
from .errors import AIUnavailable, ProviderError
from .models import AICall
from .pricing import cost_of
from .providers import PROVIDERS
from .types import CallInfo, ProviderOutput, Usage

logger = logging.getLogger(__name__)
_NO_USAGE = Usage()
_IMAGE_CAPABILITIES = ("generate_image", "edit_image")
_deferred: ContextVar[list[AICall] | None] = ContextVar("ai_deferred_calls", default=None)
_loops = threading.local()


@contextmanager
def deferred_call_log() -> Iterator[list[AICall]]:
    """Collect AICall rows instead of saving them (async callers, helper threads); hand the list to
    ``save_calls`` from synchronous code on the caller's own database connection."""
    sink: list[AICall] = []
    token = _deferred.set(sink)
    try:
        yield sink
    finally:
        _deferred.reset(token)


def save_calls(calls: list[AICall]) -> None:
    if calls:
        AICall.objects.bulk_create(calls)


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


def deadline_for(capability: str) -> float:
    """Total seconds one provider gets for one call, retries and backoff included."""
    if capability in _IMAGE_CAPABILITIES:
        return float(settings.AI_TASK_TIMEOUT)
    return float(settings.AI_REQUEST_DEADLINE_SECONDS)


def _backoff(attempt: int) -> float:
    delay = min(settings.AI_RETRY_MAX_DELAY, settings.AI_RETRY_BASE_DELAY * 2**attempt)
    return delay * random.uniform(0.5, 1.0)


def _record(
    sink,
    capability,
    provider,
    model,
    *,
    ok,
    error_code="",
    latency_ms,
    usage=_NO_USAGE,
    cost=Decimal(0),
    user=None,
):
    sink.append(
        AICall(
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
    )
    metrics.ai_call(
        provider=provider,
        capability=capability,
        ok=ok,
        error_code=error_code,
        latency_ms=latency_ms,
        cost=cost,
    )
    if not ok:
        cache.set(
            f"ai:last_error:{provider}",
            {"capability": capability, "code": error_code, "at": time.time()},
            None,
        )


def _inline(function, *args):
    """Run synchronous code (an offline engine, a validator; either may use the ORM) from a coroutine on this
    thread's private loop, as the plain call it is: the loop is blocked meanwhile anyway, and the caller's
    database connection (and open transaction) stays the one used."""
    loop = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        return function(*args)
    finally:
        asyncio.events._set_running_loop(loop)


async def _call(method, request, *, inline: bool) -> ProviderOutput:
    if inspect.iscoroutinefunction(method):
        return await method(request)
    if inline:
        return _inline(method, request)
    return await asyncio.to_thread(method, request)


async def _attempts(name, capability, request, validate, user, sink, inline, scope=None):
    """All attempts at one provider: (value, CallInfo), or the ProviderError that ended them."""
    provider = PROVIDERS[name]
    model = provider.model_for(capability)
    method = getattr(provider, capability)
    for attempt in range(settings.AI_MAX_RETRIES + 1):
        started = time.perf_counter()
        try:
            output: ProviderOutput = await _call(method, request, inline=inline)
            if validate is None:
                value = output.value
            else:
                value = _inline(validate, output.value) if inline else validate(output.value)
        except ProviderError as exc:
            latency = int((time.perf_counter() - started) * 1000)
            _record(
                sink, capability, name, model, ok=False, error_code=exc.code, latency_ms=latency, user=user
            )
            logger.warning(
                "AI %s via %s failed (attempt %d): %s %s", capability, name, attempt + 1, exc.code, exc
            )
            if exc.transient and attempt < settings.AI_MAX_RETRIES:
                await asyncio.sleep(_backoff(attempt))
                continue
            return exc
        except asyncio.CancelledError:
            # The deadline passed, or the caller went away (a client disconnect): a failed attempt either way.
            code = "deadline_exceeded" if scope is not None and scope.expired() else "canceled"
            latency = int((time.perf_counter() - started) * 1000)
            _record(sink, capability, name, model, ok=False, error_code=code, latency_ms=latency, user=user)
            raise
        latency = int((time.perf_counter() - started) * 1000)
        cost = cost_of(name, output.model, output.usage)
        _record(
            sink,
            capability,
            name,
            output.model,
            ok=True,
            latency_ms=latency,
            usage=output.usage,
            cost=cost,
            user=user,
        )
        return value, CallInfo(name, output.model, latency, output.usage, cost, attempt + 1)
    raise AssertionError("unreachable")


async def _run(capability, request, *, user, chain, validate, sink, inline) -> tuple[Any, CallInfo]:
    attempts_log: list[tuple[str, str]] = []
    for name in chain_for(capability, chain):
        if skipped := _skip_reason(name, capability):
            attempts_log.append((name, skipped))
            continue
        args = (name, capability, request, validate, user, sink, inline)
        if name == "local":
            result = await _attempts(*args)  # offline engines cannot be interrupted: the chain's last resort
        else:
            try:
                async with asyncio.timeout(deadline_for(capability)) as scope:
                    result = await _attempts(*args, scope)
            except TimeoutError:
                logger.warning(
                    "AI %s via %s passed its %g s deadline", capability, name, deadline_for(capability)
                )
                result = ProviderError("deadline_exceeded")
        if isinstance(result, ProviderError):
            # A withheld answer (refusal, moderation, truncation) came from a healthy provider.
            (breaker.record_success if result.healthy else breaker.record_failure)(name, capability)
            attempts_log.append((name, result.code))
            continue
        breaker.record_success(name, capability)
        return result
    raise AIUnavailable(capability, attempts_log)


async def arun(
    capability: str,
    request,
    *,
    user=None,
    chain: list[str] | None = None,
    validate: Callable[[Any], Any] | None = None,
) -> tuple[Any, CallInfo]:
    """The chain on the running event loop. Offline providers run in a thread, so the loop never blocks."""
    sink = _deferred.get()
    if sink is None:
        raise RuntimeError("ai: asynchronous calls need ai.deferred_call_log() around them")
    return await _run(capability, request, user=user, chain=chain, validate=validate, sink=sink, inline=False)


def _loop_runner() -> asyncio.Runner:
    runner = getattr(_loops, "runner", None)
    if runner is None:
        runner = _loops.runner = asyncio.Runner()
    return runner


def wait_on(coroutine):
    """Run a coroutine of remote calls from synchronous code, on this thread's event loop. Meanwhile the thread
    holds no database connection (outside a transaction): a worker thread would otherwise keep one open for
    every call in flight."""
    if not connection.in_atomic_block:
        connection.close()
    return _loop_runner().run(coroutine, context=contextvars.copy_context())  # the caller's request id


def run(
    capability: str,
    request,
    *,
    user=None,
    chain: list[str] | None = None,
    validate: Callable[[Any], Any] | None = None,
) -> tuple[Any, CallInfo]:
    """The chain for synchronous code (see ``wait_on``; an offline-only chain keeps the connection)."""
    outer = _deferred.get()
    sink: list[AICall] = []
    work = _run(capability, request, user=user, chain=chain, validate=validate, sink=sink, inline=True)
    try:
        if any(name != "local" for name in usable_providers(capability, chain)):
            return wait_on(work)
        return _loop_runner().run(work, context=contextvars.copy_context())
    finally:
        if outer is not None:
            outer.extend(sink)
        else:
            save_calls(sink)
