"""Cost of a call in CNY from the price table in settings (AI_PRICES, keyed "provider:model")."""

from decimal import Decimal

from django.conf import settings

from .types import Usage

_THOUSAND = Decimal(1000)


def cost_of(provider: str, model: str, usage: Usage) -> Decimal:
    prices = settings.AI_PRICES.get(f"{provider}:{model}")
    if not prices:
        return Decimal("0")
    cost = (
        Decimal(str(prices.get("input_per_1k", 0))) * usage.input_tokens / _THOUSAND
        + Decimal(str(prices.get("output_per_1k", 0))) * usage.output_tokens / _THOUSAND
        + Decimal(str(prices.get("per_image", 0))) * usage.images
    )
    return cost.quantize(Decimal("0.000001"))
