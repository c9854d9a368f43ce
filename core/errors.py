"""The one error envelope: ``{"error": {"code": "snake_case", "message": "...", "details": {...}}}``.

Services raise ``ApiError`` (or a DRF exception); ``api_exception_handler`` renders every DRF-level error and
the ``handler*`` views below render Django-level ones (unknown URLs, CSRF, crashes outside DRF).
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
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class ApiError(exceptions.APIException):
    """An error with a stable machine code, raised from services and views alike."""

    def __init__(self, status_code: int, code: str, message: str, details: dict | None = None):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details or {}


_CODE_ALIASES = {"invalid": "validation_error", "error": "validation_error"}


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _describe(exc: exceptions.APIException) -> tuple[str, str, dict]:
    if isinstance(exc, ApiError):
        return exc.code, exc.message, exc.details
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return "validation_error", "请求参数无效 (invalid input)", fields
    if isinstance(exc, exceptions.Throttled):
        wait = exc.wait  # type: ignore[attr-defined]  # DRF sets it in __init__; the stubs omit it
        return "throttled", "请求过于频繁，请稍后再试 (too many requests)", {"wait_seconds": wait}
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


def database_unavailable() -> ApiError:
    return ApiError(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        "database_unavailable",
        "数据库暂不可用，请稍后重试 (database unavailable, retry later)",
    )


def api_exception_handler(exc, context):
    from .guards import api_error_for

    if isinstance(exc, DATABASE_ERRORS):
        logger.error("database unavailable in %s: %s", context.get("view").__class__.__name__, exc)
        response = api_exception_handler(database_unavailable(), context)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response
    exc = api_error_for(exc) or exc
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = ApiError(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "request_too_large", "请求体过大 (request too large)"
        )

    response = exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
        return Response(
            error_body("server_error", "服务器内部错误 (internal server error)"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    code, message, details = _describe(exc)
    response.data = error_body(code, message, details)
    return response


def _json_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        error_body(code, message), status=status_code, json_dumps_params={"ensure_ascii": False}
    )


def handler400(request, exception=None):
    return _json_error(400, "bad_request", "请求无效 (bad request)")


def handler403(request, exception=None):
    return _json_error(403, "permission_denied", "没有权限 (permission denied)")


def handler404(request, exception=None):
    return _json_error(404, "not_found", "资源不存在 (not found)")


def database_unavailable_response() -> JsonResponse:
    error = database_unavailable()
    response = _json_error(error.status_code, error.code, error.message)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def handler500(request):
    # Django calls this while handling the exception, so it is still at hand.
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable_response()
    return _json_error(500, "server_error", "服务器内部错误 (internal server error)")


def csrf_failure(request, reason=""):
    """CSRF applies to session forms (the admin); under /api/ the answer is the envelope, never Django's page."""
    if not request.path.startswith("/api/"):
        return default_csrf_failure(request, reason)
    return _json_error(403, "csrf_failed", "CSRF 校验失败 (CSRF check failed)")


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
    return JsonResponse(
        error_body("not_found", message, details), status=404, json_dumps_params={"ensure_ascii": False}
    )
