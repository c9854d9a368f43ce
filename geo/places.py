"""Offline reverse geocoding from the polygon and city files in geo/data/ (see docs/geo.md).

Mainland China resolves to province / city / district by point-in-polygon over county boundaries;
Hong Kong, Macau and Taiwan, and every other country, by Natural Earth country polygons plus the
nearest sizeable GeoNames city of that same country. Data loads lazily, once per process.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from geo.polycodec import decode

DATA_DIR = Path(__file__).resolve().parent / "data"
SPECIAL_REGIONS = {"HK": "香港特别行政区", "MO": "澳门特别行政区", "TW": "台湾省"}
# A point in China's land polygon but in a gap of the simplified county mosaic (coastline, shared
# borders) snaps to the nearest county within this distance (degrees, ~3 km).
COUNTY_SNAP = 0.03
CITY_RADIUS_KM = 50.0  # beyond this no city is named: better nothing than a wrong one
_EARTH_KM = 6371.0


@dataclass(frozen=True)
class Place:
    country_code: str | None = None
    country: str | None = None  # Chinese
    country_en: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    display_name: str | None = None

    @property
    def in_mainland(self) -> bool:
        return self.country_code == "CN"


NOWHERE = Place()


class Gazetteer:
    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        with np.load(data_dir / "cn_districts.npz") as z:
            self.counties = decode(z)
            self.county_names = [
                tuple(v or None for v in row)
                for row in zip(
                    z["province"].tolist(), z["city"].tolist(), z["district"].tolist(), strict=True
                )
            ]
        with np.load(data_dir / "countries.npz") as z:
            self.countries = decode(z)
            self.country_codes = z["code"].tolist()
            self.country_zh = z["name_zh"].tolist()
            self.country_en = z["name_en"].tolist()
        with np.load(data_dir / "cities.npz") as z:
            self.city_lat = z["lat"].astype(np.float64)
            self.city_lon = z["lon"].astype(np.float64)
            self.city_pop = z["population"].astype(np.float64)
            self.city_country = z["country"]
            self.city_name = z["name"].tolist()
        self.country_index = {code: i for i, code in enumerate(self.country_codes)}
        shapely.prepare(self.counties)
        shapely.prepare(self.countries)
        self.county_tree = shapely.STRtree(self.counties)
        self.country_tree = shapely.STRtree(self.countries)
        self.city_tree = shapely.STRtree(shapely.points(self.city_lon, self.city_lat))

    # ------------------------------------------------------------------ polygon hits

    def _county_at(self, point, lon: float, lat: float) -> int | None:
        candidates = self.county_tree.query(point)
        if len(candidates):
            hits = candidates[shapely.contains_xy(self.counties[candidates], lon, lat)]
            if len(hits):
                return int(hits[0])
        return None

    def _country_at(self, point, lon: float, lat: float) -> int | None:
        candidates = self.country_tree.query(point)
        if len(candidates):
            hits = candidates[shapely.contains_xy(self.countries[candidates], lon, lat)]
            if len(hits):
                return int(hits[0])
        return None

    def _snap_county(self, point) -> int | None:
        nearest = self.county_tree.query_nearest(point, max_distance=COUNTY_SNAP)
        return int(nearest[0]) if len(nearest) else None

    # ------------------------------------------------------------------ cities

    def nearest_city(self, lat: float, lon: float, country_code: str) -> str | None:
        """The sizeable city of ``country_code`` that best "owns" the point, within CITY_RADIUS_KM.

        Distance is discounted by sqrt(population) so a metropolis 4 km away beats a city ward 2 km
        away, while a town next door still beats a metropolis across the region.
        """
        d_lat = CITY_RADIUS_KM / 111.0
        d_lon = d_lat / max(math.cos(math.radians(lat)), 0.01)
        box = shapely.box(lon - d_lon, lat - d_lat, lon + d_lon, lat + d_lat)
        idx = self.city_tree.query(box)
        if not len(idx):
            return None
        idx = idx[self.city_country[idx] == country_code]
        if not len(idx):
            return None
        km = _haversine_km(lat, lon, self.city_lat[idx], self.city_lon[idx])
        close = km <= CITY_RADIUS_KM
        if not close.any():
            return None
        idx, km = idx[close], km[close]
        best = np.argmin((km + 1.0) / np.sqrt(self.city_pop[idx]))
        return self.city_name[int(idx[best])]

    # ------------------------------------------------------------------ public

    def is_mainland(self, lat: float, lon: float) -> bool:
        return self.lookup(lat, lon).in_mainland

    def lookup(self, lat: float, lon: float) -> Place:
        point = shapely.Point(lon, lat)
        county = self._county_at(point, lon, lat)
        if county is not None:
            return self._mainland_place(county)
        country = self._country_at(point, lon, lat)
        code = self.country_codes[country] if country is not None else None
        if code in (None, "CN"):
            snapped = self._snap_county(point)
            if snapped is not None:
                return self._mainland_place(snapped)
        if code is None:
            return NOWHERE
        return self._country_place(code, lat, lon)

    def _mainland_place(self, county: int) -> Place:
        province, city, district = self.county_names[county]
        parts = [p for p in (province, city, district) if p]
        display = "".join(dict.fromkeys(parts))  # 北京市北京市东城区 -> 北京市东城区
        i = self.country_index["CN"]
        return Place(
            country_code="CN",
            country=self.country_zh[i],
            country_en=self.country_en[i],
            province=province,
            city=city,
            district=district,
            display_name=display,
        )

    def _country_place(self, code: str, lat: float, lon: float) -> Place:
        i = self.country_index[code]
        zh, en = self.country_zh[i] or None, self.country_en[i] or None
        city = self.nearest_city(lat, lon, code)
        province = SPECIAL_REGIONS.get(code)
        if code == "CN":  # Chinese territory outside the county mosaic (remote islands)
            city = None
        label = zh or en
        # The SAR name already says where it is; elsewhere "国家 · City".
        show_city = city and label and code not in ("HK", "MO")
        display = f"{label} · {city}" if show_city else label
        return Place(
            country_code=code,
            country=zh,
            country_en=en,
            province=province,
            city=city,
            district=None,
            display_name=display,
        )


def _haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(a))


_lock = threading.Lock()
_instance: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, loaded on first use."""
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = Gazetteer()
    return _instance


def loaded() -> bool:
    return _instance is not None
