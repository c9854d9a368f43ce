"""Benchmark of the offline geocoder: load time, memory and per-lookup latency against the budgets.

Run from the repository root: ``.venv/bin/python bench/geo.py`` (exit status 1 if a budget is missed).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BUDGET_LOAD_S = 1.0
BUDGET_MEDIAN_US = 100.0
BUDGET_MEMORY_MB = 150.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sample_points(n: int) -> list[tuple[float, float]]:
    """Photo-like mix: 70% mainland China box, 20% world land-ish band, 10% anywhere (much of it sea)."""
    rng = random.Random(20240501)
    points = []
    for _ in range(n):
        r = rng.random()
        if r < 0.7:
            points.append((rng.uniform(20.0, 45.0), rng.uniform(100.0, 122.0)))
        elif r < 0.9:
            points.append((rng.uniform(-40.0, 60.0), rng.uniform(-120.0, 150.0)))
        else:
            points.append((rng.uniform(-80.0, 80.0), rng.uniform(-180.0, 180.0)))
    return points


def main() -> int:
    before = rss_mb()
    started = time.perf_counter()
    from geo.places import gazetteer  # includes importing numpy and shapely

    g = gazetteer()
    load_s = time.perf_counter() - started
    memory = rss_mb() - before

    points = sample_points(20_000)
    for lat, lon in points[:500]:  # warm-up: first-touch preparation of polygons
        g.lookup(lat, lon)
    timings = []
    for lat, lon in points:
        t0 = time.perf_counter_ns()
        g.lookup(lat, lon)
        timings.append((time.perf_counter_ns() - t0) / 1000)
    timings.sort()
    median = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95)]

    sizes = {
        p.name: p.stat().st_size / 1e6 for p in sorted((Path(__file__).parents[1] / "geo/data").glob("*.npz"))
    }
    checks = [
        ("load", f"{load_s:.3f} s", load_s <= BUDGET_LOAD_S, f"<= {BUDGET_LOAD_S} s"),
        ("memory (RSS growth)", f"{memory:.1f} MB", memory <= BUDGET_MEMORY_MB, f"<= {BUDGET_MEMORY_MB} MB"),
        ("lookup median", f"{median:.1f} us", median <= BUDGET_MEDIAN_US, f"<= {BUDGET_MEDIAN_US} us"),
        ("lookup p95", f"{p95:.1f} us", True, "(info)"),
    ]
    print(
        f"geo bench: {len(points)} lookups; data files "
        + ", ".join(f"{k} {v:.2f} MB" for k, v in sizes.items())
    )
    for name, value, ok, budget in checks:
        print(f"  {name:<22} {value:>12}  {budget:<12} {'ok' if ok else 'OVER BUDGET'}")
    return 0 if all(ok for _, _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
