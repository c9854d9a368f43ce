import logging
import re
import uuid
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware as _WhiteNoise

from .errors import DATABASE_ERRORS, database_unavailable, error_response, server_error_response
from .exceptions import ApplicationError
from .guards import api_error_for
from .logging import request_id_var

logger = logging.getLogger(__name__)

# Accept a client's id only if it is short and plain, so it cannot forge log lines.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class HybridMiddleware:
    """Both sync and async: under ASGI a sync-only middleware would hold a thread for the whole request. A
    subclass answers in ``_call`` and ``_acall`` (the coroutine, under ASGI)."""

    sync_capable = async_capable = True
    _call: Callable
    _acall: Callable[..., Awaitable]

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        return self._call(request)


class RequestIdMiddleware(HybridMiddleware):
    header = "X-Request-ID"

    def _enter(self, request):
        incoming = request.headers.get(self.header, "")
        request.request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        return request_id_var.set(request.request_id)

    def _call(self, request):
        token = self._enter(request)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[self.header] = request.request_id
        return response

    async def _acall(self, request):
        token = self._enter(request)
        try:
            response = await self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[self.header] = request.request_id
        return response


class ApiGuardMiddleware(HybridMiddleware):
    """Under /api/, an exception outside a DRF view's own handling (rendering, middleware, plain views) is the
    JSON envelope too: 4xx for what the input provoked (``core.guards``), else 500 without a traceback, even
    with DEBUG on (Django's debug page would be HTML or text/plain)."""

    def __call__(self, request):
        return self.get_response(request)  # a coroutine under ASGI: awaited by the caller

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        if isinstance(exception, DATABASE_ERRORS):
            logger.error("database unavailable in %s: %s", request.path, exception)
            return error_response(database_unavailable())
        error = exception if isinstance(exception, ApplicationError) else api_error_for(exception)
        if error is None:
            logger.exception("Unhandled error in %s", request.path, exc_info=exception)
            return server_error_response()
        return error_response(error)


class WhiteNoiseMiddleware(_WhiteNoise):
    """WhiteNoise, also async-capable (6.x is sync only): static files are answered in a thread, every other
    request goes on without one."""

    sync_capable = async_capable = True

    def __init__(self, get_response=None, **kwargs):
        super().__init__(get_response, **kwargs)
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        return super().__call__(request)

    async def _acall(self, request):
        path = request.path_info
        static_file = (
            self.files.get(path) if not self.autorefresh else await sync_to_async(self.find_file)(path)
        )
        if static_file is not None:
            return await sync_to_async(self.serve)(static_file, request)
        return await self.get_response(request)
