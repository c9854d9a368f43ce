"""The Redis copies of cache entries that check-cache answers from (see fastpath): what may be copied, what a copy
holds (the API's result), and keeping them in step with the database."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.db import DatabaseError, transaction
from django.db.models import Q

from ai import services as ai
from core import redis as core_redis

from ...models import ImageClassification, InferenceMethod, StaleCopy
from .. import cache  # the module, not its names: cache.store calls stored() while cache is being imported
from . import fastpath

if TYPE_CHECKING:
    from ..cache import CachedEntry

logger = logging.getLogger(__name__)


def copyable(entry: CachedEntry) -> bool:
    """Whether Redis may hold a copy: a local answer's freshness depends on the providers when asked."""
    if entry.inference_method == InferenceMethod.STAFF:
        return True
    return entry.prompt_version == ai.PROMPT_VERSION and entry.inference_method != InferenceMethod.LOCAL


def stored(image_hash: str) -> None:
    """A result was just stored (in the caller's transaction): once committed, copy it or drop its old copy."""
    if fastpath.usable():
        (entry,) = cache.lookup([image_hash])
        transaction.on_commit(lambda: _copy_or_drop(entry))


def _copy_or_drop(entry: CachedEntry) -> None:
    if not copyable(entry):
        forget([entry.image_hash])
        return
    try:
        fastpath.put({entry.image_hash: result_payload(entry)})
    except core_redis.ERRORS as exc:  # the copy is an optimisation: the database answers without it
        core_redis.mark_down(exc)


def copyable_since(since: dt.datetime) -> list[str]:
    """Hashes of the copyable entries stored or hit since ``since``."""
    recent = ImageClassification.objects.filter(
        Q(created_at__gte=since) | Q(last_hit_at__gte=since),
        Q(prompt_version=ai.PROMPT_VERSION) | Q(inference_method=InferenceMethod.STAFF),
    ).exclude(inference_method=InferenceMethod.LOCAL)
    return list(recent.values_list("image_hash", flat=True))


def copy(hashes: list[str]) -> None:
    """Copy these entries to Redis (after Redis lost its data, say): check-cache then reads them there."""
    fastpath.put({e.image_hash: result_payload(e) for e in cache.lookup(hashes) if copyable(e)})


def forget(hashes: list[str]) -> None:
    """Drop the Redis copies of deleted or replaced entries; with Redis down, note them for forget_stale."""
    if not fastpath.enabled():
        return
    if fastpath.usable():
        try:
            fastpath.drop(hashes)
            return
        except core_redis.ERRORS as exc:
            core_redis.mark_down(exc)
    logger.warning("could not drop the Redis copies of %s; beat drops them later", hashes)
    try:
        StaleCopy.objects.bulk_create([StaleCopy(image_hash=h) for h in hashes], ignore_conflicts=True)
    except DatabaseError:  # both down: the copies expire after CLASSIFIER_COPY_SECONDS
        logger.exception("could not note the Redis copies of %s either", hashes)


def forget_stale(batch: int = 500) -> int:
    """Beat: drop the copies noted while Redis was down, once it answers again. Returns how many."""
    if not fastpath.usable():
        return 0
    done = 0
    try:
        while hashes := list(StaleCopy.objects.order_by("id").values_list("image_hash", flat=True)[:batch]):
            fastpath.drop(hashes)
            StaleCopy.objects.filter(image_hash__in=hashes).delete()
            done += len(hashes)
    except core_redis.ERRORS as exc:  # down again: the rest wait for the next run
        core_redis.mark_down(exc)
    return done


def result_payload(entry: CachedEntry) -> dict:
    category = ai.BY_CODE[entry.category]
    return {
        "category": entry.category,
        "category_label": category.name_zh,
        "confidence": entry.confidence,
        "description": entry.description,
        "inference_method": entry.inference_method,
        "provider": entry.provider,
        "created_at": entry.created_at.isoformat(),
    }
