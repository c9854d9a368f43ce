"""EXIF GPS extraction: round trip through a real JPEG, and malformed GPS never raising."""

from datetime import UTC, datetime
from io import BytesIO

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational as R

from geo.exif import GpsPoint, gps_from_ifd
from geo.services import extract_gps

G = ExifTags.GPS


def jpeg_with_gps(gps: dict) -> Image.Image:
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = gps
    buffer = BytesIO()
    Image.new("RGB", (16, 12), (10, 120, 200)).save(buffer, "JPEG", exif=exif.tobytes())
    return Image.open(BytesIO(buffer.getvalue()))


def dms(degrees: int, minutes: int, seconds_x100: int) -> tuple:
    return (R(degrees, 1), R(minutes, 1), R(seconds_x100, 100))


TIANANMEN = {
    G.GPSLatitudeRef: "N",
    G.GPSLatitude: dms(39, 54, 3132),  # 39.9087
    G.GPSLongitudeRef: "E",
    G.GPSLongitude: dms(116, 23, 5100),  # 116.3975
}


def test_round_trip_position_altitude_and_time():
    image = jpeg_with_gps(
        {
            **TIANANMEN,
            G.GPSAltitudeRef: 0,
            G.GPSAltitude: R(4425, 100),
            G.GPSTimeStamp: (R(8, 1), R(30, 1), R(155, 10)),
            G.GPSDateStamp: "2024:05:01",
        }
    )
    point = extract_gps(image)
    assert point is not None
    assert point.latitude == pytest.approx(39.9087, abs=1e-6)
    assert point.longitude == pytest.approx(116.3975, abs=1e-6)
    assert point.altitude == pytest.approx(44.25)
    assert point.timestamp == datetime(2024, 5, 1, 8, 30, 15, 500000, tzinfo=UTC)


def test_southern_western_hemispheres_and_below_sea_level():
    image = jpeg_with_gps(
        {
            G.GPSLatitudeRef: "S",
            G.GPSLatitude: dms(33, 51, 3500),
            G.GPSLongitudeRef: "W",
            G.GPSLongitude: dms(70, 30, 0),
            G.GPSAltitudeRef: b"\x01",
            G.GPSAltitude: R(12, 1),
        }
    )
    point = extract_gps(image)
    assert point.latitude == pytest.approx(-(33 + 51 / 60 + 35 / 3600))
    assert point.longitude == pytest.approx(-70.5)
    assert point.altitude == -12.0
    assert point.timestamp is None


def test_zero_denominator_written_to_a_real_file_means_no_location():
    bad = {**TIANANMEN, G.GPSLatitude: (R(39, 0), R(54, 1), R(3132, 100))}
    assert extract_gps(jpeg_with_gps(bad)) is None


def test_photo_without_exif_has_no_location():
    buffer = BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG")
    assert extract_gps(Image.open(BytesIO(buffer.getvalue()))) is None


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_garbage_exif_segment_does_not_raise():
    buffer = BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff\x00")
    assert extract_gps(Image.open(BytesIO(buffer.getvalue()))) is None


@pytest.mark.parametrize(
    "change",
    [
        {G.GPSLatitudeRef: None},  # missing hemisphere
        {G.GPSLongitudeRef: "X"},  # nonsense hemisphere
        {G.GPSLatitude: (R(95, 1), R(0, 1), R(0, 1))},  # latitude > 90
        {G.GPSLongitude: (R(181, 1), R(0, 1), R(0, 1))},  # longitude > 180
        {G.GPSLatitude: (R(39, 1), R(75, 1), R(0, 1))},  # 75 minutes
        {G.GPSLatitude: (R(-39, 1), R(0, 1), R(0, 1))},  # negative degrees with a ref
        {G.GPSLatitude: "39.9"},  # wrong type
        {G.GPSLatitude: ()},  # empty
        {G.GPSLongitude: ((116, 0), (23, 1), (51, 1))},  # raw (num, den) pairs with zero denominator
        {G.GPSStatus: "V"},  # receiver says the fix is void
        {G.GPSLatitude: None},
    ],
)
def test_malformed_gps_is_no_location(change):
    gps = {**TIANANMEN, **change}
    gps = {k: v for k, v in gps.items() if v is not None}
    assert gps_from_ifd(gps) is None


def test_null_island_is_treated_as_no_fix():
    zero = (R(0, 1), R(0, 1), R(0, 1))
    assert (
        gps_from_ifd(
            {G.GPSLatitudeRef: "N", G.GPSLatitude: zero, G.GPSLongitudeRef: "E", G.GPSLongitude: zero}
        )
        is None
    )


def test_bad_time_keeps_the_position():
    point = gps_from_ifd(
        {**TIANANMEN, G.GPSDateStamp: "2024:13:45", G.GPSTimeStamp: (R(8, 1), R(0, 1), R(0, 1))}
    )
    assert isinstance(point, GpsPoint)
    assert point.timestamp is None
    assert point.latitude == pytest.approx(39.9087, abs=1e-6)


def test_bytes_refs_and_tuple_rationals_are_accepted():
    point = gps_from_ifd(
        {
            G.GPSLatitudeRef: b"N\x00",
            G.GPSLatitude: ((39, 1), (54, 1), (3132, 100)),
            G.GPSLongitudeRef: b"E\x00",
            G.GPSLongitude: ((116, 1), (23, 1), (5100, 100)),
        }
    )
    assert point.latitude == pytest.approx(39.9087, abs=1e-6)
    assert point.longitude == pytest.approx(116.3975, abs=1e-6)
