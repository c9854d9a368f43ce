"""GPS position from a photo's EXIF GPS IFD. Anything malformed means "no location", never an error."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import ExifTags, Image

from geo.coords import valid_coordinates

_GPS = ExifTags.GPS


@dataclass(frozen=True)
class GpsPoint:
    latitude: float
    longitude: float
    altitude: float | None = None  # metres above sea level (negative below)
    timestamp: datetime | None = None  # UTC, from GPSDateStamp + GPSTimeStamp


def _number(value) -> float | None:
    """An EXIF rational (IFDRational, int, float or a (num, den) pair) as a finite float."""
    try:
        if isinstance(value, tuple) and len(value) == 2:
            num, den = value
            result = float(num) / float(den)
        else:
            result = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return result if math.isfinite(result) else None


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    return value.strip("\x00 ").upper() if isinstance(value, str) else ""


def _degrees(value, ref, positive: str, negative: str) -> float | None:
    """Degrees/minutes/seconds plus hemisphere reference -> signed decimal degrees."""
    hemisphere = _text(ref)
    if hemisphere not in (positive, negative):
        return None  # a missing reference would silently put the point in the wrong hemisphere
    if not isinstance(value, tuple | list) or not 1 <= len(value) <= 3:
        return None
    parts = [_number(v) for v in value]
    if any(p is None or p < 0 for p in parts):
        return None
    d, m, s = (*parts, 0.0, 0.0)[:3]
    if m >= 60 or s >= 60:
        return None
    decimal = d + m / 60.0 + s / 3600.0
    return -decimal if hemisphere == negative else decimal


def _altitude(gps: dict) -> float | None:
    altitude = _number(gps.get(_GPS.GPSAltitude))
    if altitude is None:
        return None
    ref = gps.get(_GPS.GPSAltitudeRef, 0)
    if isinstance(ref, bytes):
        ref = ref[:1] == b"\x01"
    return -altitude if ref in (1, True) else altitude


def _timestamp(gps: dict) -> datetime | None:
    date, time = _text(gps.get(_GPS.GPSDateStamp)), gps.get(_GPS.GPSTimeStamp)
    if not date or not isinstance(time, tuple | list) or len(time) != 3:
        return None
    hms = [_number(v) for v in time]
    if any(v is None or v < 0 for v in hms):
        return None
    h, m, s = hms
    try:
        day = datetime.strptime(date, "%Y:%m:%d")
        whole = int(s)
        return day.replace(
            hour=int(h), minute=int(m), second=whole, microsecond=int((s - whole) * 1e6), tzinfo=UTC
        )
    except ValueError:
        return None


def gps_from_ifd(gps: dict) -> GpsPoint | None:
    if _text(gps.get(_GPS.GPSStatus)) == "V":
        return None  # receiver flagged the fix as void
    lat = _degrees(gps.get(_GPS.GPSLatitude), gps.get(_GPS.GPSLatitudeRef), "N", "S")
    lon = _degrees(gps.get(_GPS.GPSLongitude), gps.get(_GPS.GPSLongitudeRef), "E", "W")
    if lat is None or lon is None or not valid_coordinates(lat, lon):
        return None
    if lat == 0.0 and lon == 0.0:
        return None  # cameras without a fix write zeros ("Null Island")
    return GpsPoint(lat, lon, _altitude(gps), _timestamp(gps))


def gps_from_exif(exif: Image.Exif) -> GpsPoint | None:
    """GPS from an already parsed EXIF block (e.g. ``core.uploads.ValidatedImage.exif``)."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        return gps_from_ifd(dict(gps)) if gps else None
    except Exception:  # corrupt EXIF blocks raise all sorts of errors inside Pillow
        return None


def extract_gps(image: Image.Image) -> GpsPoint | None:
    """Read the GPS IFD of ``image``; ``None`` when absent or unusable."""
    try:
        exif = image.getexif()
    except Exception:  # same: a broken APP1 segment must not break the upload
        return None
    return gps_from_exif(exif)
