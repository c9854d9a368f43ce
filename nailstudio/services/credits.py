"""What a design costs the artist: the one place nail studio talks to billing.

A generation that may reach a paid remote model holds NAIL_DESIGN_CREDITS when it is requested (402
``insufficient_credits`` when short), keeps them when a remote model drew the design, and gives them back when
the offline renderer drew it (offline is free) or the generation failed. Each step happens at most once.
"""

from __future__ import annotations

from django.conf import settings

from ai import services as ai
from billing import services as billing

from ..models import DesignPlan


def _reference(plan: DesignPlan) -> str:
    return f"nailstudio:design:{plan.pk}"


def hold_for_generation(plan: DesignPlan) -> int:
    """Reserve the credits of one generation; returns how many were held (0 when only offline can run)."""
    amount = settings.NAIL_DESIGN_CREDITS
    if amount <= 0 or not ai.remote_available("generate_image"):
        return 0
    billing.reserve_credits(user=plan.owner, amount=amount, reference=_reference(plan))
    return amount


def settle_generation(plan: DesignPlan, *, charged: bool) -> None:
    """Keep the held credits (``charged``) or give them back."""
    if not plan.credits_charged:
        return
    if charged:
        billing.capture_reservation(reference=_reference(plan))
    else:
        billing.release_reservation(reference=_reference(plan))
