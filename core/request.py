import uuid

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address, the one DRF's throttles see too (``NUM_PROXIES`` = ``TRUSTED_PROXY_COUNT``).

    With no trusted proxy (the default) X-Forwarded-For is ignored: anyone can send one. Behind N proxies each
    appends the address it saw, so the client is the N-th entry from the right; entries further left were
    written by the client and prove nothing."""
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if trusted else ""
    if forwarded:
        addresses = [a.strip() for a in forwarded.split(",")]
        return addresses[-min(trusted, len(addresses))] or None
    return request.META.get("REMOTE_ADDR") or None


def request_uuid(request) -> uuid.UUID:
    """The request id as a UUID (the middleware's own ids are UUID hex; a client's may not be)."""
    try:
        return uuid.UUID(getattr(request, "request_id", ""))
    except ValueError:
        return uuid.uuid4()
