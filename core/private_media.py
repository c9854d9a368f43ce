"""Private media: customer photos, designs and edited images live outside any public URL.

Files are stored under PRIVATE_MEDIA_ROOT (default: ``private_media`` next to MEDIA_ROOT, never inside it) with
random names. The API hands out short-lived signed links (``signed_url``) to ``GET /api/v1/media/<token>``, which
checks signature and expiry before serving the file itself or, behind nginx, through ``X-Accel-Redirect``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from .exceptions import Forbidden, NotFound

_SALT = "core.private_media"
# Extension chosen from the validated format, never from the client's file name.
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic"}
_TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}


def private_root() -> Path:
    # Resolved per call so a changed MEDIA_ROOT (tests, workers) is honoured.
    return Path(settings.PRIVATE_MEDIA_ROOT or Path(settings.MEDIA_ROOT).parent / "private_media")


class PrivateStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("private files have no public URL; use core.private_media.signed_url")


def storage() -> PrivateStorage:
    return PrivateStorage(location=private_root())


def save_private(data: bytes, content_type: str, folder: str) -> str:
    """Store ``data`` under a random name in ``folder``; returns the storage name."""
    extension = EXTENSIONS.get(content_type)
    if extension is None:
        raise ValueError(f"unsupported private media type {content_type!r}")
    name = f"{folder.strip('/')}/{uuid.uuid4().hex}{extension}"
    return storage().save(name, ContentFile(data))


def read_private(name: str) -> bytes:
    with storage().open(name, "rb") as handle:
        return handle.read()


def delete_private(name: str) -> None:
    """Delete a stored file; a missing or empty name is not an error."""
    if name:
        storage().delete(name)


def sign(name: str) -> str:
    return signing.TimestampSigner(salt=_SALT).sign_object(name)


def signed_url(request, name: str) -> str | None:
    """An absolute, short-lived (PRIVATE_MEDIA_URL_MAX_AGE seconds) link to a stored file, or None."""
    if not name:
        return None
    path = reverse("private-media", args=[sign(name)])
    return request.build_absolute_uri(path) if request is not None else path


def resolve(token: str) -> str:
    """The storage name behind a token; 403 for a tampered or expired link, 404 when the file is gone."""
    try:
        name = signing.TimestampSigner(salt=_SALT).unsign_object(
            token, max_age=settings.PRIVATE_MEDIA_URL_MAX_AGE
        )
    except signing.SignatureExpired as exc:
        raise Forbidden("media_link_expired", "链接已过期 (link expired)") from exc
    except signing.BadSignature as exc:
        raise Forbidden("media_link_invalid", "链接无效 (invalid link)") from exc
    if not isinstance(name, str) or not name or not _is_stored_file(name):
        raise NotFound()
    return name


def _is_stored_file(name: str) -> bool:
    """A file under the root: a name that leaves it (``../``) or names a folder is no stored file."""
    try:
        return Path(storage().path(name)).is_file()
    except (SuspiciousFileOperation, ValueError):  # ValueError: a NUL byte in the name
        return False


def content_type_of(name: str) -> str:
    return _TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


class PrivateMediaView(APIView):
    """The signed link is the credential (an <img> tag sends no bearer token), so no auth and no throttle."""

    permission_classes = [AllowAny]  # noqa: RUF012 - DRF reads it on the class; the stubs declare it a plain attribute
    authentication_classes: list = []  # noqa: RUF012
    throttle_classes: list = []  # noqa: RUF012

    @extend_schema(
        summary="Download a private file through a signed link",
        description=(
            "Links come from the API (`image_url`, `actual_image_url` ...) and expire after "
            "`PRIVATE_MEDIA_URL_MAX_AGE` seconds. 403 `media_link_expired` / `media_link_invalid`, "
            "404 when the file was deleted."
        ),
        auth=[],
        responses={
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file"),
            403: OpenApiResponse(description="Expired or tampered link"),
            404: OpenApiResponse(description="File deleted"),
        },
    )
    def get(self, request, token: str):
        name = resolve(token)
        content_type = content_type_of(name)
        headers = {"Cache-Control": f"private, max-age={settings.PRIVATE_MEDIA_URL_MAX_AGE}"}
        prefix = settings.PRIVATE_MEDIA_ACCEL_REDIRECT
        if prefix:
            # nginx serves the bytes from an `internal` location mapped onto PRIVATE_MEDIA_ROOT.
            headers["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{name}"
            return HttpResponse(content_type=content_type, headers=headers)
        return FileResponse(storage().open(name, "rb"), content_type=content_type, headers=headers)
