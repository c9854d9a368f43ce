"""The shared image-upload validator: every image the API accepts passes through ``validate_image`` once.

It never trusts the file name or Content-Type: the bytes are decoded with Pillow. It returns the raw bytes, the
decoded image (EXIF orientation applied) and the SHA-256 of the bytes, so callers decode and hash exactly once.
With ``decode=False`` only the header is checked (format, dimensions, bomb guard) and the pixels are decoded later
by ``.decode()``: a cache lookup by hash then costs no decode of a 12 MP photo.
"""

from __future__ import annotations

import hashlib
import struct
import warnings
from dataclasses import dataclass, replace
from io import BytesIO

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from .exceptions import ApplicationError, Invalid, TooLarge, UnsupportedMedia

# Pillow format name -> MIME type of what we accept.
# MPO: the multi-picture JPEG many phone cameras write; Pillow reads its first frame, a plain JPEG.
ACCEPTED_FORMATS = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}
_UNSUPPORTED_SIGNATURES = (b"<svg", b"<?xml", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"%PDF")


@dataclass(frozen=True)
class ValidatedImage:
    raw: bytes
    image: Image.Image
    sha256: str
    format: str
    content_type: str
    exif: Image.Exif
    decoded: bool = True

    @property
    def size(self) -> int:
        return len(self.raw)

    def decode(self, *, max_side: int | None = None) -> ValidatedImage:
        """Decode the pixels (400 image_invalid when the data is broken or truncated) and apply EXIF orientation.

        ``max_side``: the caller needs no more than this, so a JPEG may be decoded at 1/2, 1/4 or 1/8 scale
        (libjpeg's draft mode), never below ``max_side``: a 7000 × 7000 photo then costs a quarter of the memory."""
        if self.decoded:
            return self
        try:
            if max_side and self.format == "JPEG":
                self.image.draft("RGB", (max_side, max_side))
            self.image.load()
            ImageOps.exif_transpose(self.image, in_place=True)
        except (OSError, SyntaxError, ValueError) as exc:
            raise _invalid(str(exc)) from exc
        return replace(self, decoded=True)


def _read_capped(upload, cap: int) -> bytes:
    if getattr(upload, "size", None) is not None and upload.size > cap:
        raise _too_large(cap)
    upload.seek(0)
    raw = upload.read(cap + 1)
    if len(raw) > cap:
        raise _too_large(cap)
    return raw


def _too_large(cap: int) -> ApplicationError:
    return TooLarge(
        "image_too_large",
        f"图片不能超过 {cap // (1024 * 1024)} MB (image too large)",
        {"max_bytes": cap},
    )


def _unsupported(kind: str) -> ApplicationError:
    return UnsupportedMedia(
        "image_format_unsupported",
        "仅支持 JPEG、PNG、WebP、HEIC 图片 (unsupported image format)",
        {"format": kind, "accepted": sorted(ACCEPTED_FORMATS)},
    )


def _invalid(reason: str) -> ApplicationError:
    return Invalid("image_invalid", "图片无法解码或已损坏 (image invalid)", {"reason": reason})


def validate_image(
    upload, *, max_bytes: int | None = None, max_pixels: int | None = None, decode: bool = True
) -> ValidatedImage:
    if upload is None:
        raise Invalid("image_required", "请上传图片 (image required)", {"field": "image"})
    cap = max_bytes or settings.MAX_UPLOAD_MB * 1024 * 1024
    pixel_cap = max_pixels or settings.MAX_IMAGE_PIXELS
    raw = _read_capped(upload, cap)
    if not raw:
        raise _invalid("empty file")

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(raw))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLarge(
            "image_too_large", "图片像素过多 (too many pixels)", {"max_pixels": pixel_cap}
        ) from exc
    except UnidentifiedImageError as exc:
        head = raw[:256].lstrip().lower()
        if any(head.startswith(sig.lower()) for sig in _UNSUPPORTED_SIGNATURES):
            raise _unsupported("svg" if b"svg" in raw[:1024].lower() else "unknown") from exc
        raise _invalid("not an image") from exc
    except (OSError, SyntaxError, ValueError, struct.error, IndexError, TypeError, ZeroDivisionError) as exc:
        # What Pillow's decoders raise on hostile headers, e.g. ValueError for a > 1 MB zTXt/iCCP chunk.
        raise _invalid(str(exc)) from exc

    if image.format not in ACCEPTED_FORMATS:
        raise _unsupported(str(image.format).lower())
    width, height = image.size
    if width * height > pixel_cap:
        raise TooLarge(
            "image_too_large",
            "图片像素过多 (too many pixels)",
            {"width": width, "height": height, "max_pixels": pixel_cap},
        )
    try:
        exif = image.getexif()
    except (OSError, SyntaxError, ValueError) as exc:
        raise _invalid(str(exc)) from exc
    validated = ValidatedImage(
        raw=raw,
        image=image,
        sha256=hashlib.sha256(raw).hexdigest(),
        format="JPEG" if image.format == "MPO" else image.format,
        content_type=ACCEPTED_FORMATS[image.format],
        exif=exif,
        decoded=False,
    )
    return validated.decode() if decode else validated


def bounded_for_storage(image: Image.Image, *, max_side: int | None = None) -> Image.Image:
    """The image no larger than ``max_side`` (default MAX_STORED_IMAGE_SIDE: a 7000 × 7000 upload is not kept
    at that size)."""
    limit = max_side or settings.MAX_STORED_IMAGE_SIDE
    if max(image.size) <= limit:
        return image
    copy = image.copy()
    copy.thumbnail((limit, limit), Image.Resampling.LANCZOS)
    return copy


# Segments a JPEG keeps when stored as uploaded: JFIF (APP0), the ICC colour profile (APP2) and Adobe's colour
# transform (APP14) change how the pixels look; every other APPn (EXIF with GPS, XMP, IPTC, MPF) and comments go.
_KEPT_APP_SEGMENTS = {0xE0: b"", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RSTn: markers without a length


def jpeg_without_metadata(raw: bytes) -> bytes | None:
    """The JPEG's first image with its metadata segments dropped, byte for byte otherwise (no re-encoding:
    the same pixels, no quality lost, no CPU spent); None when the stream is not a well-formed JPEG."""
    if raw[:2] != b"\xff\xd8":
        return None
    out, i, end = [raw[:2]], 2, len(raw)
    while i + 2 <= end:
        if raw[i] != 0xFF:
            return None
        marker = raw[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == 0xD9:  # end of the first image: trailing data (an MPO's other frames) is not kept
            out.append(raw[i : i + 2])
            return b"".join(out)
        if marker in _STANDALONE:
            out.append(raw[i : i + 2])
            i += 2
            continue
        if i + 4 > end:
            return None
        segment_end = i + 2 + int.from_bytes(raw[i + 2 : i + 4], "big")
        if segment_end > end:
            return None
        if marker == 0xDA:  # start of scan: its entropy-coded data runs to the next marker other than RSTn
            segment_end = _scan_end(raw, segment_end)
            out.append(raw[i:segment_end])
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE) or _kept(marker, raw[i + 4 : segment_end]):
            out.append(raw[i:segment_end])
        i = segment_end
    return None


def _scan_end(raw: bytes, i: int) -> int:
    while (i := raw.find(b"\xff", i)) >= 0 and i + 1 < len(raw):
        following = raw[i + 1]
        if following != 0x00 and not 0xD0 <= following <= 0xD7:
            return i
        i += 2
    return len(raw)


def _kept(marker: int, payload: bytes) -> bool:
    prefix = _KEPT_APP_SEGMENTS.get(marker)
    return prefix is not None and payload.startswith(prefix)
