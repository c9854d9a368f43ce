"""tools/eval/rcc.py: reading pictures out of a Qt resource bundle (as GCompris ships them)."""

from __future__ import annotations

import importlib.util
import struct
import zlib
from pathlib import Path

import pytest

RCC = Path(__file__).resolve().parents[2] / "tools" / "eval" / "rcc.py"


@pytest.fixture(scope="module")
def rcc():
    spec = importlib.util.spec_from_file_location("eval_rcc", RCC)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bundle(files: dict[str, tuple[bytes, bool]]) -> bytes:
    """A version-3 bundle: root → "res" → the files (each stored plain or qCompress'ed), as Qt's rcc lays it."""
    names, name_offsets = b"", {}
    for name in ["res", *files]:
        name_offsets[name] = len(names)
        names += struct.pack(">HI", len(name), 0) + name.encode("utf-16-be")
    data, data_offsets = b"", {}
    for name, (blob, compressed) in files.items():
        stored = struct.pack(">I", len(blob)) + zlib.compress(blob) if compressed else blob
        data_offsets[name] = len(data)
        data += struct.pack(">I", len(stored)) + stored
    stamp = b"\0" * 8
    tree = struct.pack(">IHII", 0, 2, 1, 1) + stamp  # root: one child, node 1
    tree += struct.pack(">IHII", name_offsets["res"], 2, len(files), 2) + stamp
    for name, (_, compressed) in files.items():
        tree += struct.pack(">IHHHI", name_offsets[name], int(compressed), 0, 1, data_offsets[name]) + stamp
    header_size = 24
    tree_at, data_at = header_size, header_size + len(tree)
    names_at = data_at + len(data)
    return b"qres" + struct.pack(">IIIII", 3, tree_at, data_at, names_at, 0) + tree + data + names


def test_it_reads_plain_and_compressed_files_and_extracts_below_a_folder(rcc, tmp_path: Path):
    bundle = _bundle({"cat.webp": (b"RIFF-cat" * 40, True), "README": (b"License: CC-BY-SA 4.0", False)})
    assert dict(rcc.entries(bundle)) == {
        "/res/cat.webp": b"RIFF-cat" * 40,
        "/res/README": b"License: CC-BY-SA 4.0",
    }
    path = tmp_path / "a.rcc"
    path.write_bytes(bundle)
    rcc.extract(path, tmp_path / "out", "/res/")
    assert (tmp_path / "out" / "cat.webp").read_bytes() == b"RIFF-cat" * 40


def test_it_refuses_what_is_not_a_bundle(rcc):
    with pytest.raises(ValueError, match="not a Qt resource bundle"):
        list(rcc.entries(b"PK\x03\x04 not a bundle"))
