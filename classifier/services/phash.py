"""64-bit DCT perceptual hash, bit-compatible with ``imagehash.phash`` (hash_size 8, highfreq_factor 4) of the
image's centre (``INSET`` in from each side).

Our own few lines of numpy rather than the library: ``imagehash`` pulls scipy and PyWavelets into the web
image for one 32x32 DCT. tests/classifier/test_phash.py checks every bit against ``imagehash`` (dev only).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from PIL import Image

SIDE = 32  # imagehash: hash_size 8 x highfreq_factor 4
BITS = 8
# Large photos are first reduced (integer box filter, cheap) to at most this side: the LANCZOS pass to 32 px
# then costs the same for a 12 MP camera shot as for a chat copy, and the hash is unchanged in practice.
PRE_REDUCE_SIDE = 256
# The stored hash covers the centre of the image, 4% in from each side, so that a copy cropped by a few percent
# still holds that region: its hash is taken again over the regions that match the stored one when the copy was
# cropped by about 0, 1.5 or 3% per side ((1 - 2 crop)(1 - 2 inset) = 0.92). A 3% crop moved the whole-image
# hash by 4-16 bits, these probes by 0-2 (docs/neardup.md).
INSET = 0.04
PROBE_INSETS = (INSET, 0.025, 0.01)
_N = np.arange(SIDE)
# Unnormalised DCT-II (scipy.fftpack.dct's default), low 8 frequencies only: row k is 2 cos(pi k (2n+1) / 2N).
_DCT = 2 * np.cos(np.pi * np.arange(BITS)[:, None] * (2 * _N[None, :] + 1) / (2 * SIDE))
_WEIGHTS = 1 << np.arange(63, -1, -1, dtype=np.uint64)


class Fingerprint(NamedTuple):
    phash: int  # unsigned 64-bit, imagehash's bit order (row-major, first bit most significant)
    # How far the 64 low-frequency coefficients lie from their median (the median distance, in grey levels): the
    # bits are signs against that median, so near it they flip with any recompression. Near-uniform images
    # (walls, dark frames, blank pages) measure about 0.1-0.2, photos 5 and more (bench/near_duplicates.py).
    texture: float
    # The hashes to look up with: this one, then the image's regions at the other PROBE_INSETS.
    probes: tuple[int, ...] = ()


def of_pixels(grey: np.ndarray) -> Fingerprint:
    low = _DCT @ grey.astype(np.float64) @ _DCT.T
    median = np.median(low)
    bits = (low > median).flatten()
    margin = float(np.median(np.abs(low - median))) / (4 * SIDE)  # the DCT's scale: 2 x 2 x 32
    value = int(np.sum(_WEIGHTS[bits], dtype=np.uint64))
    return Fingerprint(value, margin, (value,))


def _region(size: tuple[int, int], inset: float) -> tuple[float, float, float, float]:
    width, height = size
    return (width * inset, height * inset, width * (1 - inset), height * (1 - inset))


def thumbnail(grey: Image.Image, inset: float = INSET) -> np.ndarray:
    """The 32x32 grey pixels of the region ``inset`` in from each side (a fractional box: no rounding)."""
    return np.asarray(grey.resize((SIDE, SIDE), Image.Resampling.LANCZOS, box=_region(grey.size, inset)))


def fingerprint(image: Image.Image) -> Fingerprint:
    factor = max(image.size) // PRE_REDUCE_SIDE
    grey = (image.reduce(factor) if factor >= 2 else image).convert("L")
    stored = of_pixels(thumbnail(grey))
    others = tuple(of_pixels(thumbnail(grey, inset)).phash for inset in PROBE_INSETS[1:])
    return stored._replace(probes=(stored.phash, *others))


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def to_signed(value: int) -> int:
    """The database column is a signed BIGINT."""
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value & ((1 << 64) - 1)


def bands(value: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of the multi-index (most significant first)."""
    return (value >> 48) & 0xFFFF, (value >> 32) & 0xFFFF, (value >> 16) & 0xFFFF, value & 0xFFFF
