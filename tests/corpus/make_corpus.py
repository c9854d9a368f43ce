"""Rebuilds the regression corpus (``python tests/corpus/make_corpus.py``); the files are committed.

uploads/: hostile or odd image files, each with the status class the API must answer (see ``EXPECTED``).
bodies/: whole JSON request bodies. values/: JSON fragments put into every documented field of a body.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_with(before_idat: bytes) -> bytes:
    """A valid 8×8 PNG with ``before_idat`` chunks inserted after IHDR."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 90)).save(buffer, "PNG")
    png = buffer.getvalue()
    ihdr_end = 8 + 8 + 13 + 4
    return png[:ihdr_end] + before_idat + png[ihdr_end:]


def _jpeg(size, **kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 160, 200)).save(buffer, "JPEG", **kwargs)
    return buffer.getvalue()


def _mpo() -> bytes:
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (64, 48), (250, 0, 0)), Image.new("RGB", (64, 48), (0, 0, 250))
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    return buffer.getvalue()


def _pixel_bomb_png() -> bytes:
    # A header claiming 60000 × 60000 with almost no data: the pixel guard must refuse it before decoding.
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


UPLOADS = {
    "ztxt_2mb.png": lambda: _png_with(_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * 2_000_000))),
    "iccp_2mb.png": lambda: _png_with(_chunk(b"iCCP", b"icc\x00\x00" + zlib.compress(b"\x00" * 2_000_000))),
    "claims_7000px.jpg": lambda: _jpeg((7000, 7000), quality=10)[:13_000],
    "truncated.jpg": lambda: _jpeg((400, 300))[:600],
    "empty.jpg": lambda: b"",
    "text.jpg": lambda: b"hello, I am not a photo\n" * 20,
    "image.svg": lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    "image.gif": lambda: b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    "pixel_bomb.png": _pixel_bomb_png,
    "camera.mpo": _mpo,
    "tiny.png": lambda: _png_with(b""),
}
# A status class per upload: 2 = accepted, 4 = refused with a 4xx error (never 5xx).
EXPECTED = {name: 4 for name in UPLOADS} | {"camera.mpo": 2, "tiny.png": 2}

BODIES = {
    "deep_list.json": "[" * 10_000 + "]" * 10_000,
    "deep_object.json": '{"a":' * 10_000 + "1" + "}" * 10_000,
    "list.json": "[]",
    "string.json": '"x"',
    "number.json": "1",
    "null.json": "null",
    "lone_surrogate_key.json": '{"\\ud800": 1}',
}
VALUES = {
    "lone_surrogate.json": '"\\ud800"',
    "huge_integer.json": "9" * 400,
    "huge_float.json": "1e400",
    "deep.json": "[" * 5_000 + "]" * 5_000,
    "null.json": "null",
    "object.json": '{"x": {"y": []}}',
    "long_text.json": '"' + "长" * 100_000 + '"',
}


def main() -> None:
    for folder, files in (
        ("uploads", {k: v() for k, v in UPLOADS.items()}),
        ("bodies", BODIES),
        ("values", VALUES),
    ):
        (HERE / folder).mkdir(exist_ok=True)
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            (HERE / folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
