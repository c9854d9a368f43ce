"""Near-duplicate reuse of paid results (docs/neardup.md).

A photo forwarded through a chat app comes back in other bytes: the exact-hash cache misses it. On such a miss
the pipeline fingerprints the decoded image (a 64-bit pHash) and looks for cache entries within
CLASSIFIER_NEAR_DUP_BITS bits. A candidate's answer is reused only when it is safe:
- the candidate is a paid (remote) or staff answer of the current prompt version;
- the new image has texture (near-uniform images have unstable hashes);
- ``idcard`` / ``single_person`` answers stay with the user who asked;
- the local engine, run on the new image, names the same category (engineered or unlucky collisions).

The hash covers the image's centre and is looked up with the hashes of a few slightly larger regions too
(``phash.PROBE_INSETS``), so that copies cropped by 1-3% per side are found.

Lookup is multi-index hashing: four indexed 16-bit bands, candidates verified by their full Hamming distance.
Two hashes within r bits share a band within r // 4 bits (pigeonhole), so probing each band's values within
r // 4 bits finds every candidate (``exhaustive``). The pipeline probes exact bands only: one value per band
and probe instead of 17 for r = 4..7 (at 10 M entries 5-30x faster, bench/README.md); it finds every candidate
within 3 bits and those within r that kept one band intact (most re-shared copies: their flips cluster,
docs/neardup.md).
"""

from __future__ import annotations

import itertools
from functools import cache as memoised
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from PIL import Image

from ai import services as ai

from ..models import ImageClassification, InferenceMethod
from . import cache, phash
from .checkcache import copies

# "staff": answers set by staff through accepted user corrections (issue 19).
REUSABLE_METHODS = (InferenceMethod.REMOTE.value, "staff")
PERSONAL = frozenset({"idcard", "single_person"})


class Source(NamedTuple):
    """The columns of a candidate entry that the guards and the reused answer need."""

    id: int
    image_hash: str
    category: str
    confidence: float
    description: str
    inference_method: str
    provider: str
    model: str
    prompt_version: str
    user_id: int | None
    phash: int


class Reuse(NamedTuple):
    source: Source
    distance: int


def fingerprint(image: Image.Image) -> phash.Fingerprint:
    return phash.fingerprint(image)


def columns(fp: phash.Fingerprint | None) -> dict:
    """The cache entry's fingerprint columns (all NULL without one)."""
    if fp is None:
        return {"phash": None, **{f"phash_b{i}": None for i in range(4)}}
    return {
        "phash": phash.to_signed(fp.phash),
        **{f"phash_b{i}": band for i, band in enumerate(phash.bands(fp.phash))},
    }


@memoised
def _flips(width: int, count: int) -> tuple[int, ...]:
    """XOR masks of ``width`` bits with at most ``count`` bits set."""
    return tuple(
        sum(1 << bit for bit in chosen)
        for n in range(count + 1)
        for chosen in itertools.combinations(range(width), n)
    )


def _probe_sql(per_band: list[int], probes: int) -> str:
    meta = ImageClassification._meta
    quote = connection.ops.quote_name
    table, pk, value = quote(meta.db_table), quote(meta.pk.column), quote("phash")
    verify = ""
    if connection.vendor == "mysql":
        # At 10 M entries a band value holds about 150 of them: the server keeps only those within reach, read
        # from the same index entries (BIT_COUNT over the 64-bit two's complement), instead of sending them all.
        counts = ", ".join([f"BIT_COUNT({value} ^ %s)"] * probes)
        verify = f" AND {'LEAST(' + counts + ')' if probes > 1 else counts} <= %s"
    # One index range read per band; UNION ALL (not OR) so that each branch uses its own band index.
    return " UNION ALL ".join(
        f"SELECT {pk}, {value} FROM {table} WHERE {quote(f'phash_b{i}')} IN ({', '.join(['%s'] * n)}){verify}"
        for i, n in enumerate(per_band)
    )


def near(
    values: int | tuple[int, ...], *, bits: int | None = None, exhaustive: bool = False
) -> list[tuple[int, int]]:
    """``(distance, id)`` of the entries whose pHash is within ``bits`` of one of ``values`` (a fingerprint's
    probes; all of them when ``exhaustive``, else those sharing a band with one), nearest first."""
    bits = settings.CLASSIFIER_NEAR_DUP_BITS if bits is None else bits
    values = (values,) if isinstance(values, int) else values
    masks = _flips(16, bits // 4 if exhaustive else 0)
    by_band = zip(*map(phash.bands, values), strict=True)  # each band's value in every probe
    per_band = [sorted({band ^ mask for band in bands for mask in masks}) for bands in by_band]
    verify = [*map(phash.to_signed, values), bits] if connection.vendor == "mysql" else []
    with connection.cursor() as cursor:
        cursor.execute(
            _probe_sql([len(b) for b in per_band], len(values)), [v for b in per_band for v in [*b, *verify]]
        )
        rows = cursor.fetchall()
    found = {pk: min(phash.distance(v, phash.to_unsigned(other)) for v in values) for pk, other in rows}
    return sorted((d, pk) for pk, d in found.items() if d <= bits)


def _sources(ids: list[int]) -> dict[int, Source]:
    rows = ImageClassification.objects.filter(pk__in=ids).values_list(*Source._fields)
    return {row[0]: Source(*row) for row in rows}


def eligible(source: Source, *, user) -> bool:
    if source.inference_method not in REUSABLE_METHODS or source.prompt_version != ai.PROMPT_VERSION:
        return False
    if source.category in PERSONAL:
        return user is not None and source.user_id == user.pk
    return True


def textured(fp: phash.Fingerprint) -> bool:
    return fp.texture >= settings.CLASSIFIER_NEAR_DUP_MIN_TEXTURE


def find(fp: phash.Fingerprint, *, user) -> Reuse | None:
    """The nearest entry whose answer may be reused for this image, before the local engine's say."""
    if settings.CLASSIFIER_NEAR_DUP_BITS < 0 or not textured(fp):
        return None
    matches = near(fp.probes or fp.phash)
    sources = _sources([pk for _, pk in matches])
    for distance, pk in matches:
        source = sources.get(pk)
        if source is not None and eligible(source, user=user):
            return Reuse(source, distance)
    return None


def agrees(reuse: Reuse, image: Image.Image, *, user, source_format: str | None, exif: dict) -> bool:
    """Whether the local engine puts the new image in the candidate's category (logged as a local call)."""
    try:
        result = ai.classify_photo(image, chain=["local"], user=user, source_format=source_format, exif=exif)
    except ai.AIUnavailable:
        return False
    return result.category == reuse.source.category


@transaction.atomic
def propagate_from(entry: ImageClassification) -> int:
    """Make the entries reused from ``entry`` follow it, after a correction changed it (issue 19 calls this
    when a correction is accepted) or it was invalidated: while it is a reusable answer they take its answer
    (a personal one stays with its user); otherwise they go, and are classified again when next asked.
    Returns how many entries changed."""
    reuses = ImageClassification.objects.select_for_update().filter(reused_from_id=entry.pk)
    current = ImageClassification.objects.filter(pk=entry.pk).first()
    hashes = list(reuses.values_list("image_hash", flat=True))
    if current is None or current.inference_method not in REUSABLE_METHODS:
        reuses.delete()
    else:
        if current.category in PERSONAL:
            others = reuses.exclude(user_id=current.user_id) if current.user_id else reuses
            others.delete()
        reuses.update(
            category=current.category,
            confidence=current.confidence,
            description=cache.GENERIC_DESCRIPTIONS.get(current.category, current.description),
            prompt_version=current.prompt_version,
        )
    transaction.on_commit(lambda: copies.forget(hashes))
    return len(hashes)
