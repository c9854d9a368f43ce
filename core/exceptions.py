"""Errors the business layer raises: a stable machine ``code``, a message and a ``kind``, never a status.

Services, selectors, tasks and engines raise these; ``core.errors`` renders them as the JSON envelope with the
kind's status from ``STATUS`` (for DRF views, middleware and Django's error views alike), and a management
command or the admin just shows ``message``. Nothing here imports Django or Django REST framework.
"""

from __future__ import annotations

import math

# The one table from kind to HTTP status. The business layer names kinds; only the renderers in core.errors
# (and reports such as a test's) read the number.
STATUS = {
    "invalid": 400,
    "unauthenticated": 401,
    "payment_required": 402,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "too_large": 413,
    "unsupported_media": 415,
    "throttled": 429,
    "client_closed": 499,
    "failed": 500,
    "bad_gateway": 502,
    "unavailable": 503,
}


class ApplicationError(Exception):
    """``kind`` says what went wrong for the caller (``STATUS`` maps it to HTTP)."""

    kind = "invalid"

    def __init__(
        self,
        code: str,
        message: str,
        details: dict | None = None,
        *,
        kind: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        if kind is not None:
            self.kind = kind
        self.retry_after = retry_after  # seconds, for errors worth retrying later

    @property
    def status_code(self) -> int:
        return STATUS[self.kind]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.kind}, {self.code!r})"


class Invalid(ApplicationError):
    """The request is wrong as sent (400)."""


class Unauthenticated(ApplicationError):
    kind = "unauthenticated"


class PaymentRequired(ApplicationError):
    kind = "payment_required"


class Forbidden(ApplicationError):
    kind = "forbidden"


class NotFound(ApplicationError):
    """Missing, or somebody else's: another user's data is not found, never forbidden."""

    kind = "not_found"

    def __init__(
        self, message: str = "资源不存在 (not found)", details: dict | None = None, *, code: str = "not_found"
    ) -> None:
        super().__init__(code, message, details)


class Conflict(ApplicationError):
    """Valid, but not in the current state of the resource (409)."""

    kind = "conflict"


class TooLarge(ApplicationError):
    kind = "too_large"


class UnsupportedMedia(ApplicationError):
    kind = "unsupported_media"


class Throttled(ApplicationError):
    """Over a rate limit: the same envelope and Retry-After as DRF's own throttles give."""

    kind = "throttled"
    default_message = "请求过于频繁，请稍后再试 (too many requests)"

    def __init__(self, *, wait: float) -> None:
        seconds = math.ceil(wait)
        super().__init__("throttled", self.default_message, {"wait_seconds": seconds}, retry_after=seconds)


class ClientClosed(ApplicationError):
    """The client went away before the answer (nginx's 499): only ever logged, never sent."""

    kind = "client_closed"


class Failed(ApplicationError):
    """Something broke on our side for this one item (500); the message names what, never a traceback."""

    kind = "failed"


class BadGateway(ApplicationError):
    """A vendor refused what we sent it (502): not the client's fault, and retrying the same will not help."""

    kind = "bad_gateway"


class Unavailable(ApplicationError):
    """A dependency (a vendor, a model, the database) cannot answer now; retrying later may work (503)."""

    kind = "unavailable"
