"""Health check registry. Apps register checks (``@register("providers")``) instead of editing the view.

A check returns a dict with at least ``ok``; an exception counts as a failure. A failing *critical* check makes
the whole service ``down`` (503); any other failure makes it ``degraded`` (still 200).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    fn: Callable[[], dict]
    critical: bool


_checks: dict[str, Check] = {}


def register(name: str, *, critical: bool = False):
    def decorator(fn: Callable[[], dict]) -> Callable[[], dict]:
        _checks[name] = Check(fn, critical)
        return fn

    return decorator


def run_checks(*, critical_only: bool = False) -> tuple[str, dict[str, dict]]:
    """Run the checks (only the critical ones for readiness)."""
    results: dict[str, dict] = {}
    status = "ok"
    for name, check in _checks.items():
        if critical_only and not check.critical:
            continue
        started = time.perf_counter()
        try:
            result = dict(check.fn())
        except Exception as exc:  # a health check must report, never raise
            result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        result.setdefault("latency_ms", round((time.perf_counter() - started) * 1000, 2))
        results[name] = result
        if not result.get("ok"):
            status = "down" if check.critical else ("degraded" if status == "ok" else status)
    return status, results


def reasons(results: dict[str, dict]) -> list[str]:
    """What makes the service degraded or down, one line per failing check."""
    return [f"{name}: {r.get('error') or 'failed'}" for name, r in results.items() if not r.get("ok")]
