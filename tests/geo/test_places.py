"""Reverse geocoding against the shipped boundary data: mainland counties, SARs, Taiwan, abroad, at sea."""

import math

import pytest

from geo.places import CITY_RADIUS_KM, gazetteer
from geo.services import reverse_geocode


@pytest.mark.parametrize(
    ("lat", "lon", "province", "city", "district"),
    [
        (39.9087, 116.3975, "北京市", "北京市", "东城区"),  # Tiananmen
        (30.2590, 120.1300, "浙江省", "杭州市", "西湖区"),  # West Lake
        (22.5400, 114.0600, "广东省", "深圳市", "福田区"),  # next to the Hong Kong border
        (29.6500, 91.1000, "西藏自治区", "拉萨市", "城关区"),
    ],
)
def test_mainland_province_city_district(lat, lon, province, city, district):
    place = reverse_geocode(lat, lon)
    assert (place.country_code, place.country, place.country_en) == ("CN", "中国", "China")
    assert (place.province, place.city, place.district) == (province, city, district)
    assert place.display_name == "".join(dict.fromkeys([province, city, district]))


def test_bund_is_shanghai():
    place = reverse_geocode(31.2400, 121.4900)
    assert place.province == "上海市"
    assert place.city == "上海市"
    assert place.display_name.startswith("上海市")


def test_chengdu():
    place = reverse_geocode(30.6570, 104.0660)
    assert (place.province, place.city) == ("四川省", "成都市")
    assert place.district
    assert place.district.endswith("区")


def test_prefecture_city_without_counties():
    place = reverse_geocode(23.0200, 113.7500)  # 东莞市 has no county level
    assert (place.province, place.city, place.district) == ("广东省", "东莞市", None)


@pytest.mark.parametrize(
    ("lat", "lon", "code", "country", "province"),
    [
        (22.2800, 114.1600, "HK", "中国香港", "香港特别行政区"),
        (22.1900, 113.5400, "MO", "中国澳门", "澳门特别行政区"),
        (25.0400, 121.5600, "TW", "中国台湾", "台湾省"),
    ],
)
def test_hong_kong_macau_taiwan_are_named_as_themselves(lat, lon, code, country, province):
    place = reverse_geocode(lat, lon)
    assert (place.country_code, place.country, place.province) == (code, country, province)
    assert place.district is None
    assert not place.in_mainland
    assert country[2:] in place.display_name  # 香港 / 澳门 / 台湾


def test_paris_is_france_and_paris():
    place = reverse_geocode(48.8584, 2.2945)
    assert (place.country_code, place.country, place.country_en) == ("FR", "法国", "France")
    assert place.city == "Paris"
    assert place.province is None
    assert place.district is None
    assert place.display_name == "法国 · Paris"


def test_tokyo_names_the_city_not_a_ward():
    assert reverse_geocode(35.6800, 139.7600).city == "Tokyo"


def test_east_china_sea_is_nowhere():
    place = reverse_geocode(30.0, 123.5)
    assert place.country_code is None
    assert place.city is None
    assert place.display_name is None


def test_empty_land_names_the_country_but_no_city():
    place = reverse_geocode(23.0, 12.0)  # Sahara, Niger
    assert (place.country_code, place.country) == ("NE", "尼日尔")
    assert place.city is None
    assert place.display_name == "尼日尔"


def test_named_cities_are_never_far_away():
    g = gazetteer()
    for lat, lon in [
        (48.8584, 2.2945),
        (40.7128, -74.006),
        (-33.87, 151.21),
        (64.15, -21.94),
        (-1.29, 36.82),
    ]:
        place = g.lookup(lat, lon)
        assert place.city, (lat, lon)
        idx = g.city_name.index(place.city)
        d_lat = math.radians(g.city_lat[idx] - lat)
        d_lon = math.radians(g.city_lon[idx] - lon) * math.cos(math.radians(lat))
        assert 6371 * math.hypot(d_lat, d_lon) <= CITY_RADIUS_KM


@pytest.mark.parametrize(
    ("lat", "lon"), [(91, 0), (-91, 0), (0, 181), (0, -180.5), (math.nan, 0), (0, math.inf)]
)
def test_out_of_range_is_rejected(lat, lon):
    with pytest.raises(ValueError, match="coordinates out of range"):
        reverse_geocode(lat, lon)
