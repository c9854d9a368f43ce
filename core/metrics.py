"""Prometheus metrics (``GET /metrics``, see docs/operations.md).

Counters and histograms live in this module; under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` (an empty
directory per start) and prometheus-client keeps each worker's values in files there, which the view adds up.
Gauges that describe shared state (breakers, queue depth, the hit buffer) are read when scraped.
"""

from __future__ import annotations

import ipaddress
import json
import os
import time

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from . import redis as core_redis
from .errors import handler403
from .middleware import HybridMiddleware
from .request import client_ip

REQUESTS = Counter("xintu_http_requests_total", "HTTP requests", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "xintu_http_request_duration_seconds",
    "HTTP request latency",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
CHECK_CACHE = Counter("xintu_check_cache_hashes_total", "check-cache hashes answered", ["result"])
AI_CALLS = Counter("xintu_ai_calls_total", "Remote model calls", ["provider", "capability", "outcome"])
AI_LATENCY = Histogram(
    "xintu_ai_call_duration_seconds",
    "Provider latency",
    ["provider", "capability"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 60, 120),
)
AI_COST = Counter("xintu_ai_cost_cny_total", "Provider cost (CNY)", ["provider", "capability"])
CREDITS = Counter("xintu_credits_total", "Credits moved, by ledger reason", ["reason"])


def request_done(request, response, seconds: float) -> None:
    match = getattr(request, "resolver_match", None)
    endpoint = (match.view_name if match else "") or "unmatched"
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(seconds)


def ai_call(*, provider: str, capability: str, ok: bool, error_code: str, latency_ms: int, cost) -> None:
    AI_CALLS.labels(provider, capability, "ok" if ok else (error_code or "error")).inc()
    AI_LATENCY.labels(provider, capability).observe(latency_ms / 1000)
    if cost:
        AI_COST.labels(provider, capability).inc(float(cost))


class MetricsMiddleware(HybridMiddleware):
    def _call(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        request_done(request, response, time.perf_counter() - started)
        return response

    async def _acall(self, request):
        started = time.perf_counter()
        response = await self.get_response(request)
        request_done(request, response, time.perf_counter() - started)
        return response


class SharedState:
    """Gauges read at scrape time from Redis and the cache (one process answers for all)."""

    def collect(self):
        from ai import breaker
        from ai.providers import PROVIDERS
        from ai.types import CAPABILITIES

        open_ = GaugeMetricFamily(
            "xintu_ai_breaker_open", "1 while a breaker is open", labels=["provider", "capability"]
        )
        for name, provider in PROVIDERS.items():
            for capability in CAPABILITIES:
                if provider.supports(capability):
                    open_.add_metric(
                        [name, capability], 1.0 if breaker.state(name, capability)["open"] else 0.0
                    )
        yield open_
        yield from _redis_gauges()


def _redis_gauges():
    from classifier.services.checkcache import fastpath

    up = GaugeMetricFamily("xintu_redis_up", "1 when this process reaches Redis")
    if not settings.REDIS_URL or not core_redis.available():
        up.add_metric([], 0.0 if settings.REDIS_URL else 1.0)
        yield up
        return
    try:
        client = core_redis.client(settings.REDIS_URL)
        buffered = client.llen(fastpath.buffer_key()) + client.llen(fastpath.processing_key())
        oldest = client.lindex(fastpath.processing_key(), 0) or client.lindex(fastpath.buffer_key(), 0)
        depth = None
        if settings.CELERY_BROKER_URL.startswith("redis"):
            depth = core_redis.client(settings.CELERY_BROKER_URL).llen(settings.CELERY_TASK_DEFAULT_QUEUE)
    except core_redis.ERRORS as exc:
        core_redis.mark_down(exc)
        up.add_metric([], 0.0)
        yield up
        return
    up.add_metric([], 1.0)
    yield up
    yield GaugeMetricFamily(
        "xintu_hit_buffer_length", "check-cache records waiting to be written", value=buffered
    )
    lag = time.time() - json.loads(oldest)["t"] if oldest else 0.0
    yield GaugeMetricFamily(
        "xintu_hit_buffer_flush_lag_seconds", "Age of the oldest unwritten record", value=lag
    )
    if depth is not None:
        queue = GaugeMetricFamily("xintu_celery_queue_depth", "Messages waiting", labels=["queue"])
        queue.add_metric([settings.CELERY_TASK_DEFAULT_QUEUE], depth)
        yield queue


def _allowed(request) -> bool:
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        address = None
    if address is not None and any(
        address in ipaddress.ip_network(n) for n in settings.METRICS_ALLOWED_NETWORKS
    ):
        return True
    try:
        found = JWTAuthentication().authenticate(request)
    except (InvalidToken, TokenError):
        return False
    return bool(found and getattr(found[0], "is_staff", False))


def metrics_view(request):
    if not _allowed(request):
        return handler403(request)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    body = generate_latest(registry)
    own = CollectorRegistry()
    own.register(SharedState())
    return HttpResponse(body + generate_latest(own), content_type=CONTENT_TYPE_LATEST)


def count_credit_movement(sender, instance, created, **kwargs) -> None:
    """A ledger row (billing) counted once its transaction commits: spend, refund, purchase, grant, adjust."""
    if created:
        from django.db import transaction

        reason, amount = instance.reason, abs(instance.delta)
        transaction.on_commit(lambda: CREDITS.labels(reason).inc(amount))
