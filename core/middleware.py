import re
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware as _WhiteNoise

from .logging import request_id_var

# Accept a client's id only if it is short and plain, so it cannot forge log lines.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Both sync and async: under ASGI a sync-only middleware would hold a thread for the whole request."""

    header = "X-Request-ID"
    sync_capable = async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _enter(self, request):
        incoming = request.headers.get(self.header, "")
        request.request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        return request_id_var.set(request.request_id)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
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
