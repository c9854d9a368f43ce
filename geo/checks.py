"""Health check: the offline geodata files are present (loading them stays lazy)."""

from core.health import register

from .places import DATA_DIR, loaded

FILES = ("cn_districts.npz", "countries.npz", "cities.npz")


@register("geo")
def geodata() -> dict:
    missing = [name for name in FILES if not (DATA_DIR / name).is_file()]
    return {"ok": not missing, "missing": missing, "loaded": loaded()}
