import logging
import re
import uuid

from django.http import JsonResponse

from .errors import error_body
from .guards import api_error_for
from .logging import request_id_var

logger = logging.getLogger(__name__)

# Accept a client's id only if it is short and plain, so it cannot forge log lines.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    header = "X-Request-ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(self.header, "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[self.header] = request_id
        return response


class ApiGuardMiddleware:
    """Under /api/, an exception outside a DRF view's own handling (rendering, middleware, plain views) is the
    JSON envelope too: 4xx for what the input provoked (``core.guards``), else 500 without a traceback, even
    with DEBUG on (Django's debug page would be HTML or text/plain)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        error = api_error_for(exception)
        if error is None:
            logger.exception("Unhandled error in %s", request.path, exc_info=exception)
            return JsonResponse(
                error_body("server_error", "服务器内部错误 (internal server error)"), status=500
            )
        return JsonResponse(
            error_body(error.code, error.message, error.details),
            status=error.status_code,
            json_dumps_params={"ensure_ascii": False},
        )
