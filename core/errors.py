"""The one error envelope: ``{"error": {"code": "snake_case", "message": "...", "details": {...}}}``.

Services, views and serializers alike raise ``core.exceptions.ApplicationError`` or one of its kinds (a code, a
message and a kind, no HTTP); the kind's status comes from ``core.exceptions.STATUS``, the one table.
``api_exception_handler`` renders it and every DRF-level error, ``error_response`` renders it where DRF is not
involved (``ApiGuardMiddleware`` and the ``handler*`` views for unknown URLs, CSRF and crashes outside DRF).
"""

from __future__ import annotations

import logging
import sys

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.views.csrf import csrf_failure as default_csrf_failure
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from .exceptions import (
    ApplicationError,
    Failed,
    Forbidden,
    Invalid,
    NotFound,
    Throttled,
    TooLarge,
    Unavailable,
)

logger = logging.getLogger(__name__)


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _retry_after(response, error: ApplicationError):
    if error.retry_after:  # as DRF does for its own throttles: no header for a zero wait
        response["Retry-After"] = str(int(error.retry_after))
    return response


def error_response(error: ApplicationError) -> JsonResponse:
    """The envelope outside DRF (middleware, Django's error views)."""
    response = JsonResponse(
        error_body(error.code, error.message, error.details),
        status=error.status_code,
        json_dumps_params={"ensure_ascii": False},
    )
    return _retry_after(response, error)


_CODE_ALIASES = {"invalid": "validation_error", "error": "validation_error"}


def _describe(exc: exceptions.APIException) -> tuple[str, str, dict]:
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return "validation_error", "请求参数无效 (invalid input)", fields
    if isinstance(exc, exceptions.Throttled):
        return "throttled", Throttled.default_message, {"wait_seconds": exc.wait}  # type: ignore[attr-defined]  # DRF sets it in __init__; the stubs omit it
    detail = exc.detail
    if isinstance(detail, dict):
        # simplejwt puts its own message and code into a dict detail.
        message = str(detail.get("detail", exc.default_detail))
        code = str(detail.get("code", exc.default_code))
        return code, message, {k: v for k, v in detail.items() if k not in {"detail", "code"}}
    code = getattr(detail, "code", None) or exc.default_code
    return _CODE_ALIASES.get(code, code), str(detail), {}


# The database cannot be reached (down, failing over, connection lost): a retryable 503, never a 500.
DATABASE_ERRORS = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER = 5


def database_unavailable() -> Unavailable:
    return Unavailable(
        "database_unavailable",
        "数据库暂不可用，请稍后重试 (database unavailable, retry later)",
        retry_after=DATABASE_RETRY_AFTER,
    )


def api_exception_handler(exc, context):
    from .guards import api_error_for

    if isinstance(exc, DATABASE_ERRORS):
        logger.error("database unavailable in %s: %s", context.get("view").__class__.__name__, exc)
        exc = database_unavailable()
    exc = api_error_for(exc) or exc
    if isinstance(exc, RequestDataTooBig):
        exc = TooLarge("request_too_large", "请求体过大 (request too large)")
    if isinstance(exc, ApplicationError):
        set_rollback()
        response = Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
        return _retry_after(response, exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    handled = exception_handler(exc, context)
    if handled is None:
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
        return Response(
            error_body("server_error", "服务器内部错误 (internal server error)"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    code, message, details = _describe(exc)
    handled.data = error_body(code, message, details)
    return handled


def handler400(request, exception=None):
    return error_response(Invalid("bad_request", "请求无效 (bad request)"))


def handler403(request, exception=None):
    return error_response(Forbidden("permission_denied", "没有权限 (permission denied)"))


def handler404(request, exception=None):
    return error_response(NotFound())


def server_error_response() -> JsonResponse:
    return error_response(Failed("server_error", "服务器内部错误 (internal server error)"))


def handler500(request):
    # Django calls this while handling the exception, so it is still at hand.
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return error_response(database_unavailable())
    return server_error_response()


def csrf_failure(request, reason=""):
    """CSRF applies to session forms (the admin); under /api/ the answer is the envelope, never Django's page."""
    if not request.path.startswith("/api/"):
        return default_csrf_failure(request, reason)
    return error_response(Forbidden("csrf_failed", "CSRF 校验失败 (CSRF check failed)"))


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Catch-all for unknown /api/ paths, so clients get JSON (every method, DEBUG or not).

    Routes have no trailing slash; a path that only differs by one is named in ``details.path``."""
    stripped = request.path.rstrip("/")
    details = {}
    if stripped != request.path and stripped:
        try:
            resolved = resolve(stripped)
        except Resolver404:
            resolved = None
        if resolved is not None and resolved.func is not api_not_found:
            details["path"] = stripped
    message = "资源不存在 (not found)" + (f"; did you mean {stripped}?" if details else "")
    return error_response(NotFound(message, details))
