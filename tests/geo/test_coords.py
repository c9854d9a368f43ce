"""WGS-84 -> GCJ-02 against published reference values, and no shift outside the mainland."""

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational as R

from geo.coords import gcj02_offset
from geo.services import locate_image, wgs84_to_gcj02
from tests.geo.test_exif import jpeg_with_gps

# (wgs lat, wgs lon, gcj lat, gcj lon): the eviltransform project's test vectors (Shanghai, Shenzhen,
# Beijing) and gcoord's WGS84 -> GCJ02 case (45N 123E, Heilongjiang/Jilin border region).
REFERENCE = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
    (45.0, 123.0, 45.00197815, 123.00607541),
]


@pytest.mark.parametrize(("lat", "lon", "gcj_lat", "gcj_lon"), REFERENCE)
def test_offset_matches_reference_values(lat, lon, gcj_lat, gcj_lon):
    got_lat, got_lon = gcj02_offset(lat, lon)
    assert got_lat == pytest.approx(gcj_lat, abs=1e-5)
    assert got_lon == pytest.approx(gcj_lon, abs=1e-5)


@pytest.mark.parametrize(("lat", "lon", "gcj_lat", "gcj_lon"), REFERENCE)
def test_guarded_conversion_applies_in_the_mainland(lat, lon, gcj_lat, gcj_lon):
    assert wgs84_to_gcj02(lat, lon) == pytest.approx((gcj_lat, gcj_lon), abs=1e-5)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (22.2800, 114.1600),  # Hong Kong
        (22.1900, 113.5400),  # Macau
        (25.0400, 121.5600),  # Taipei
        (48.8584, 2.2945),  # Paris
        (37.5665, 126.9780),  # Seoul: inside any rectangular "China box", outside China
        (30.0, 123.5),  # East China Sea
    ],
)
def test_no_shift_outside_mainland(lat, lon):
    assert wgs84_to_gcj02(lat, lon) is None


def test_locate_image_bundles_point_place_and_gcj02():
    image = jpeg_with_gps(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (R(30, 1), R(15, 1), R(3240, 100)),  # 30.2590
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (R(120, 1), R(7, 1), R(4800, 100)),  # 120.1300
        }
    )
    result = locate_image(image)
    assert (result.place.city, result.place.district) == ("杭州市", "西湖区")
    assert result.gcj02 == pytest.approx(gcj02_offset(result.point.latitude, result.point.longitude))
    assert result.gcj02 != pytest.approx((result.point.latitude, result.point.longitude), abs=1e-4)


def test_locate_image_without_gps_is_none():
    assert locate_image(Image.new("RGB", (4, 4))) is None
