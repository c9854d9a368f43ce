"""The pHash is imagehash's, bit for bit, and the band index finds what the distance says."""

from pathlib import Path

import imagehash
import numpy as np
import pytest
from django.db import connection
from PIL import Image, ImageOps

from ai.prompts import PROMPT_VERSION
from classifier.models import ImageClassification
from classifier.services import neardup, phash

PHOTOS = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "photos").glob("*/*"))


@pytest.mark.parametrize("path", PHOTOS, ids=lambda p: p.name)
def test_it_matches_imagehash_bit_for_bit(path):
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened)
        thumbnail = np.asarray(image.convert("L").resize((32, 32), Image.Resampling.LANCZOS))
        assert phash.of_pixels(thumbnail).phash == int(str(imagehash.phash(image)), 16)
        # The stored hash is the library's of the image's centre; the pre-reduction of large photos leaves it
        # within a bit or two.
        width, height = image.size
        inset = round(width * phash.INSET), round(height * phash.INSET)
        centre = image.crop((*inset, width - inset[0], height - inset[1]))
        assert phash.distance(phash.fingerprint(image).phash, int(str(imagehash.phash(centre)), 16)) <= 2


@pytest.mark.parametrize("path", PHOTOS, ids=lambda p: p.name)
def test_it_reaches_copies_cropped_by_up_to_3_percent_per_side(path, settings):
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    stored = phash.fingerprint(image).phash
    width, height = image.size
    for share in (0.01, 0.02, 0.03):
        dx, dy = round(width * share), round(height * share)
        probes = phash.fingerprint(image.crop((dx, dy, width - dx, height - dy))).probes
        assert min(phash.distance(stored, probe) for probe in probes) <= settings.CLASSIFIER_NEAR_DUP_BITS


def test_it_splits_a_hash_into_four_bands_and_back():
    value = 0xFEDC_BA98_7654_3210
    assert phash.bands(value) == (0xFEDC, 0xBA98, 0x7654, 0x3210)
    assert phash.to_unsigned(phash.to_signed(value)) == value
    assert phash.to_signed(value) < 0


def entry(value: int, n: int) -> ImageClassification:
    fp = phash.Fingerprint(value, 50.0)
    return ImageClassification.objects.create(
        image_hash=f"{n:064x}",
        category="pets",
        confidence=0.9,
        inference_method="remote",
        prompt_version=PROMPT_VERSION,
        **neardup.columns(fp),
    )


@pytest.mark.django_db
def test_it_finds_every_entry_within_the_distance_through_the_band_index():
    base = 0x8F3A_5C21_9D0E_7B64
    # Spread flips over all four bands (the hardest case for the index: no band is unchanged).
    within = [base ^ mask for mask in (0, 1 << 63, (1 << 63) | (1 << 40) | (1 << 20) | 1, 0b11 | (1 << 50))]
    beyond = [
        base ^ 0b111_1111,
        base ^ ((1 << 64) - 1),
        base ^ (0b11 << 60) ^ (0b11 << 44) ^ (0b11 << 28) ^ 0b1,
    ]
    ids = {entry(v, n).pk: phash.distance(base, v) for n, v in enumerate(within + beyond)}
    found = neardup.near(base, bits=6, exhaustive=True)
    assert found == sorted((d, pk) for pk, d in ids.items() if d <= 6)
    assert [d for d, _ in found] == [0, 1, 3, 4]
    assert [d for d, _ in neardup.near(base, bits=3, exhaustive=True)] == [0, 1, 3]
    # Exact bands only: the 4-bit neighbour with a flip in every band is out of reach, the rest are found.
    assert [d for d, _ in neardup.near(base, bits=6)] == [0, 1, 3]


@pytest.mark.django_db
def test_it_probes_each_band_through_its_own_index():
    table = ImageClassification._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        for i in range(4):
            assert constraints[f"cls_phash_b{i}"]["columns"] == [f"phash_b{i}", "phash"]
        if connection.vendor != "mysql":
            return
        cursor.execute("EXPLAIN " + neardup._probe_sql([3] * 4, 3), [1, 2, 3, 1, 2, 3, 6] * 4)
        plan = cursor.fetchall()
    # Each branch a range read of its band's index, verified from the index entries alone (no row reads).
    branches = [(row[5], row[9]) for row in plan if row[2] == table]
    assert sorted(key for key, _ in branches) == [f"cls_phash_b{i}" for i in range(4)], plan
    assert all("Using index" in extra for _, extra in branches), plan
