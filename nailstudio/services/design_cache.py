"""The design result cache, per artist: the same request within NAIL_DESIGN_CACHE_DAYS is answered with a copy
of the image already drawn for it (its own private file), with no provider call and no credits.

The key hashes everything that determines the image: the final prompt (refinement instructions normalised),
the design target, the SHA-256 of every reference image in the order they are sent (the refined version's
image first, then the inspirations), the configured provider/model chain and DESIGN_PROMPT_VERSION; for a
refinement also the normalised instruction. Customer photos and inspirations are private, so an artist's
results are never offered to another artist.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ai import services as ai
from core.private_media import content_type_of, read_private, save_private
from imageedit.services.cache import normalise

from ..models import DesignPlan
from ..prompts import DESIGN_PROMPT_VERSION, DesignBrief, design_prompt

FOLDER = "nailstudio/designs"


def _sha256(name: str) -> str:
    try:
        return hashlib.sha256(read_private(name)).hexdigest()
    except FileNotFoundError:
        return f"missing:{name}"  # no stored image can match; the generation then fails as it would have


def reference_names(plan: DesignPlan) -> list[str]:
    """Storage names of the images sent with the prompt, in order."""
    parent = plan.parent_design
    names = [parent.image] if parent is not None and parent.image else []
    return names + [i.image for i in plan.inspiration_images.all()]


def design_key(
    *,
    prompt: str,
    target: str,
    reference_hashes: list[str],
    chain: list[str],
    instruction: str = "",
    version: str = DESIGN_PROMPT_VERSION,
) -> str:
    payload = {
        "prompt": prompt,
        "target": target,
        "references": reference_hashes,
        "chain": chain,
        "instruction": normalise(instruction),
        "version": version,
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def key_for(plan: DesignPlan, brief: DesignBrief) -> str:
    normalised = replace(brief, refinements=tuple(normalise(r) for r in brief.refinements))
    return design_key(
        prompt=design_prompt(normalised),
        target=plan.design_target,
        reference_hashes=[_sha256(name) for name in reference_names(plan)],
        chain=ai.chain_models("generate_image"),
        instruction=plan.refinement_prompt,
    )


def originals(owner, key: str):
    """The artist's designs drawn (not copied) for this key."""
    return DesignPlan.objects.filter(owner=owner, cache_key=key, from_cache=False)


def lookup(owner, key: str) -> DesignPlan | None:
    """The newest design drawn for this key within NAIL_DESIGN_CACHE_DAYS. A drawing of the offline renderer made
    because the remote models failed does not count while one of them is usable again."""
    since = timezone.now() - timedelta(days=settings.NAIL_DESIGN_CACHE_DAYS)
    rows = (
        originals(owner, key)
        .filter(status=DesignPlan.Status.READY, generated_at__gte=since)
        .exclude(image="")
    )
    if ai.remote_available("generate_image"):
        rows = rows.exclude(provider="local")
    return rows.order_by("-generated_at", "-id").first()


def copy_image(name: str) -> str | None:
    """A private copy of a stored design image (deleting either never breaks the other); None when it is gone."""
    try:
        data = read_private(name)
    except FileNotFoundError:
        return None
    return save_private(data, content_type_of(name), FOLDER)
