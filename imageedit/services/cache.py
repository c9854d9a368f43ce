"""The result cache: the same photo (SHA-256 of the uploaded bytes), the same normalised instruction, the same
preset and the same model give the stored result at once, with no provider call and no charge."""

from __future__ import annotations

import hashlib
import unicodedata

from django.conf import settings
from django.utils import timezone

from .. import presets
from ..models import ImageEditTask

_TRAILING = ".。!?~,，、;；"


def normalise(instruction: str) -> str:
    """Width, case, spacing and trailing punctuation do not make a different edit."""
    text = " ".join(unicodedata.normalize("NFKC", instruction).split()).casefold()
    return text.rstrip(_TRAILING).strip()


def edit_key(instruction: str, preset: str) -> str:
    engine = presets.ENGINE if preset else ""
    return hashlib.sha256(f"{normalise(instruction)}\n{preset}\n{engine}".encode()).hexdigest()


def models_for(instruction: str) -> list[str]:
    """Models whose results answer this edit: the remote edit models of AI_EDIT_CHAIN for a free-text
    instruction (so a changed model is a miss), the preset engine otherwise."""
    if not instruction:
        return [presets.ENGINE]
    chain = settings.AI_CHAINS["edit_image"]
    models = (settings.AI_MODELS.get(name, {}).get("edit_image") for name in chain if name != "local")
    return [model for model in models if model]


def lookup(source_hash: str, key: str, models: list[str]) -> ImageEditTask | None:
    return (
        ImageEditTask.objects.filter(
            status=ImageEditTask.Status.SUCCEEDED,
            source_hash=source_hash,
            edit_key=key,
            model__in=models,
            expires_at__gt=timezone.now(),
        )
        .exclude(result_name="")
        .order_by("-finished_at")
        .first()
    )
