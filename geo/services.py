"""Public API of the geo app: EXIF GPS, offline reverse geocoding and GCJ-02 display coordinates."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from geo.coords import gcj02_offset, valid_coordinates
from geo.exif import GpsPoint, extract_gps, gps_from_exif
from geo.places import Place, gazetteer

__all__ = [
    "GpsPoint",
    "LocateResult",
    "Place",
    "extract_gps",
    "gps_from_exif",
    "locate",
    "locate_image",
    "reverse_geocode",
    "wgs84_to_gcj02",
]


@dataclass(frozen=True)
class LocateResult:
    point: GpsPoint
    place: Place
    gcj02: tuple[float, float] | None  # (lat, lon) for Chinese map SDKs; None outside the mainland


def _check(lat: float, lon: float) -> None:
    if not valid_coordinates(lat, lon):
        raise ValueError(f"coordinates out of range: {lat!r}, {lon!r}")


def reverse_geocode(lat: float, lon: float) -> Place:
    """Name the place at a WGS-84 point; an empty ``Place`` at sea. Raises ValueError when out of range."""
    _check(lat, lon)
    return gazetteer().lookup(lat, lon)


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float] | None:
    """GCJ-02 (lat, lon) inside mainland China; ``None`` elsewhere (Hong Kong, Macau, Taiwan, abroad)."""
    _check(lat, lon)
    return gcj02_offset(lat, lon) if gazetteer().is_mainland(lat, lon) else None


def locate(point: GpsPoint) -> LocateResult:
    place = reverse_geocode(point.latitude, point.longitude)
    gcj = gcj02_offset(point.latitude, point.longitude) if place.in_mainland else None
    return LocateResult(point=point, place=place, gcj02=gcj)


def locate_image(image: Image.Image) -> LocateResult | None:
    """GPS from the image's EXIF, named and converted; ``None`` when the photo carries no usable GPS."""
    point = extract_gps(image)
    return locate(point) if point is not None else None
