"""Compact array encoding of MultiPolygons, shared by the data build tool and the runtime loader.

Coordinates are quantised to 1e-5 degrees (about 1 m) and delta-coded as int32, which compresses
well inside an ``.npz`` file and rebuilds into shapely geometries in one vectorised call.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely import GeometryType

SCALE = 100_000  # quantum 1e-5 degree


def encode(geoms: list) -> dict[str, np.ndarray]:
    """Encode polygonal geometries (Polygon or MultiPolygon) into plain integer arrays."""
    multis = [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in geoms]
    geom_type, coords, (ring_off, poly_off, multi_off) = shapely.to_ragged_array(multis)
    assert geom_type == GeometryType.MULTIPOLYGON
    q = np.round(coords * SCALE).astype(np.int64)
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).astype(np.int32)
    return {
        "coords": delta,
        "ring_offsets": ring_off.astype(np.int32),
        "poly_offsets": poly_off.astype(np.int32),
        "multi_offsets": multi_off.astype(np.int32),
    }


def decode(arrays, prefix: str = "") -> np.ndarray:
    """Rebuild the geometries written by :func:`encode` (keys may carry ``prefix``)."""
    coords = np.cumsum(arrays[prefix + "coords"].astype(np.int64), axis=0) / SCALE
    offsets = (
        arrays[prefix + "ring_offsets"].astype(np.int64),
        arrays[prefix + "poly_offsets"].astype(np.int64),
        arrays[prefix + "multi_offsets"].astype(np.int64),
    )
    return shapely.from_ragged_array(GeometryType.MULTIPOLYGON, coords, offsets)


def pack_strings(values: list[str]) -> np.ndarray:
    """Store strings as a fixed-width unicode array (no pickling needed to load)."""
    return np.array(values, dtype=str) if values else np.zeros(0, dtype="<U1")
