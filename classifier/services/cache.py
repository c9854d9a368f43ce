"""The global result cache. Keyed only by the SHA-256 the server computed over the uploaded bytes."""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple, cast

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Field

from ai import services as ai

from ..models import ImageClassification, InferenceMethod
from .checkcache import copies

HASH_RE = re.compile(r"^[0-9a-f]{64}$")
# Faces and documents are personal: the shared cache keeps a fixed text for them, never the model's words.
GENERIC_DESCRIPTIONS = {"idcard": "证件照片", "single_person": "单人照片"}


def normalise_hash(value: str) -> str | None:
    value = (value or "").strip().lower()
    return value if HASH_RE.match(value) else None


class CachedEntry(NamedTuple):
    """The columns of a cache entry that lookups need (tuples are far cheaper than models for 500 hashes)."""

    image_hash: str
    category: str
    confidence: float
    description: str
    inference_method: str
    provider: str
    prompt_version: str
    image_size: int
    created_at: dt.datetime


def is_fresh(entry: CachedEntry, *, remote_usable) -> bool:
    """Stale prompt versions are misses; a local answer counts only while no remote provider is usable. A staff
    decision outlives prompt versions."""
    if entry.inference_method == InferenceMethod.STAFF:
        return True
    if entry.prompt_version != ai.PROMPT_VERSION:
        return False
    if entry.inference_method == InferenceMethod.LOCAL:
        return not remote_usable()
    return True


def usable_for_mode(entry: CachedEntry, mode: str) -> bool:
    return mode != "remote" or entry.inference_method in (InferenceMethod.REMOTE, InferenceMethod.STAFF)


def remote_usable_probe():
    """A memoised 'is any remote provider usable right now?' (computed at most once per request)."""
    answer: list[bool] = []

    def probe() -> bool:
        if not answer:
            answer.append(ai.remote_available("classify_photo", remote_chain()))
        return answer[0]

    return probe


def remote_chain() -> list[str]:
    return [name for name in settings.AI_CHAINS["classify_photo"] if name != "local"]


def _lookup_sql(count: int) -> str:
    meta = ImageClassification._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(cast("Field", meta.get_field(name)).column) for name in CachedEntry._fields)
    where = f"{quote(meta.get_field('image_hash').column)} IN ({', '.join(['%s'] * count)})"
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {where}"


def lookup(hashes: list[str]) -> list[CachedEntry]:
    """The cache entries of ``hashes``. Plain SQL: building this query through the ORM took longer than the
    database took to answer it, on the hottest path of the album app."""
    if not hashes:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_lookup_sql(len(hashes)), hashes)
        rows = cursor.fetchall()
    # Both backends hand back naive UTC datetimes (the ORM would make them aware with the same rule).
    return [CachedEntry._make((*row[:-1], row[-1].replace(tzinfo=dt.UTC))) for row in rows]


def fresh_entries(hashes: list[str], *, mode: str = "auto", probe=None) -> dict[str, CachedEntry]:
    probe = probe or remote_usable_probe()
    entries = lookup(hashes)
    return {e.image_hash: e for e in entries if is_fresh(e, remote_usable=probe) and usable_for_mode(e, mode)}


def store(
    *,
    image_hash: str,
    category: str,
    confidence: float,
    description: str,
    method: str,
    provider: str,
    model: str,
    image_size: int,
    user=None,
    reused_from: int | None = None,
    **fingerprint,
) -> None:
    """``fingerprint``: the pHash columns (neardup.columns)."""
    values = {
        "category": category,
        "confidence": confidence,
        "description": GENERIC_DESCRIPTIONS.get(category, description),
        "inference_method": method,
        "provider": provider,
        "model": model,
        "prompt_version": ai.PROMPT_VERSION,
        "image_size": image_size,
        "user": user,
        "reused_from_id": reused_from,
        **fingerprint,
    }
    try:
        with transaction.atomic():
            ImageClassification.objects.update_or_create(image_hash=image_hash, defaults=values)
    except IntegrityError:  # another request created it between our lookup and insert
        ImageClassification.objects.filter(image_hash=image_hash).update(**values)
    copies.stored(image_hash)
