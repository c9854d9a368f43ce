"""Read the files out of a Qt resource bundle (.rcc), as GCompris ships its activities' pictures.

Format (Qt's rcc, versions 1-3): a "qres" header with the offsets of the tree, the data and the names;
tree nodes of 14 bytes (+8 for the modification time from version 2); names as length, hash and UTF-16;
data as a 4-byte size and the bytes, zlib-compressed (after qCompress's 4-byte length) when flagged.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

COMPRESSED, DIRECTORY = 1, 2


def entries(data: bytes) -> Iterator[tuple[str, bytes]]:
    if data[:4] != b"qres":
        raise ValueError("not a Qt resource bundle")
    version, tree, blobs, names = struct.unpack(">IIII", data[4:20])
    node_size = 14 + (8 if version >= 2 else 0)

    def name(offset: int) -> str:
        (length,) = struct.unpack(">H", data[names + offset : names + offset + 2])
        return data[names + offset + 6 : names + offset + 6 + 2 * length].decode("utf-16-be")

    def walk(index: int, prefix: str) -> Iterator[tuple[str, bytes]]:
        base = tree + index * node_size
        name_offset, flags = struct.unpack(">IH", data[base : base + 6])
        path = prefix + (name(name_offset) if index else "")
        if flags & DIRECTORY:
            count, first = struct.unpack(">II", data[base + 6 : base + 14])
            for child in range(first, first + count):
                yield from walk(child, path + "/")
            return
        (offset,) = struct.unpack(">I", data[base + 10 : base + 14])
        (size,) = struct.unpack(">I", data[blobs + offset : blobs + offset + 4])
        blob = data[blobs + offset + 4 : blobs + offset + 4 + size]
        yield path, zlib.decompress(blob[4:]) if flags & COMPRESSED else blob

    yield from walk(0, "")


def extract(bundle: Path, out: Path, under: str) -> None:
    """Write the bundle's files whose path contains ``under`` below ``out`` (paths relative to ``under``)."""
    for path, blob in entries(bundle.read_bytes()):
        _head, sep, rest = path.partition(under)
        if sep:
            target = out / rest.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob)
