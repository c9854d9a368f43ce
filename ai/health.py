from django.core.cache import cache

from core.health import register

from . import breaker
from .providers import PROVIDERS
from .router import usable_providers
from .types import CAPABILITIES


@register("providers")
def providers() -> dict:
    """Configured providers, open breakers and the last error. Degraded only when nothing can classify."""
    report = {}
    for name, provider in PROVIDERS.items():
        capabilities = [c for c in CAPABILITIES if provider.supports(c)]
        report[name] = {
            "configured": provider.configured(),
            "breakers_open": [c for c in capabilities if breaker.state(name, c)["open"]],
            "last_error": cache.get(f"ai:last_error:{name}"),
        }
    return {"ok": bool(usable_providers("classify_photo")), "providers": report}


@register("local_models")
def local_models() -> dict:
    """The offline classifier's model files against their manifest checksums, and which are loaded."""
    from .local import photo

    return photo.models_health()
