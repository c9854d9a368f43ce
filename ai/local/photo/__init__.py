"""Local offline photo classifier (no network): see ``classifier`` for the rules and confidence meaning."""

from .classifier import CATEGORIES, PhotoResult, classify_image, screenshot_rule
from .runtime import ModelIntegrityError, get_store, reset_store


def models_health() -> dict:
    """{"ok": bool, "models": {name: {"loaded", "sha256", "ok", "error"}}}; checks every file, never raises."""
    return get_store().health()


__all__ = [
    "CATEGORIES",
    "ModelIntegrityError",
    "PhotoResult",
    "classify_image",
    "models_health",
    "reset_store",
    "screenshot_rule",
]
