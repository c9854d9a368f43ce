"""Errors that untrusted input can provoke deep inside Python, Django or a library, as 4xx API errors.

A body nested 10,000 deep, a lone UTF-16 surrogate, an integer with 400 digits or a file name outside the
storage root is the client's mistake, not the server's: it must never be a 500. ``api_error_for`` is used by
the DRF exception handler and by ``ApiGuardMiddleware`` (for what happens outside a DRF view, e.g. rendering).
"""

from __future__ import annotations

from django.core.exceptions import SuspiciousFileOperation

from .exceptions import ApplicationError, Invalid, NotFound


def api_error_for(exc: BaseException) -> ApplicationError | None:
    if isinstance(exc, RecursionError):
        return Invalid("invalid_json", "请求嵌套过深 (body nested too deeply)")
    if isinstance(exc, UnicodeError):
        return Invalid(
            "invalid_text", "文本含有无效字符 (text holds invalid characters, e.g. a lone surrogate)"
        )
    if isinstance(exc, OverflowError):
        return Invalid("value_out_of_range", "数值超出范围 (a number is out of range)")
    if isinstance(exc, SuspiciousFileOperation):
        return NotFound()
    return None
