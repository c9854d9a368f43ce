import uuid

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address; X-Forwarded-For only when a trusted proxy sets it (USE_X_FORWARDED_FOR)."""
    if settings.USE_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def request_uuid(request) -> uuid.UUID:
    """The request id as a UUID (the middleware's own ids are UUID hex; a client's may not be)."""
    try:
        return uuid.UUID(getattr(request, "request_id", ""))
    except ValueError:
        return uuid.uuid4()
