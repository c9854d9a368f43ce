"""DRF views whose handlers are ``async def``: for endpoints that wait on remote models (see docs/async.md).

DRF's request cycle (authentication, permissions, throttles, body parsing) is synchronous and may use the ORM:
it runs in a lane (``core.lanes``; an upload's in an ``upload`` lane) before the handler, so the event loop never
blocks on it and the handler starts with ``request.data`` and ``request.FILES`` parsed. The handler then awaits
the model with no thread held.
"""

from __future__ import annotations

import inspect

from rest_framework.views import APIView

from . import lanes


class AsyncAPIView(APIView):
    async def dispatch(self, request, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.headers = self.default_response_headers
        try:
            lane = lanes.for_body(request.content_type or "")
            request = await lanes.run(self._enter, request, *args, lane=lane, **kwargs)
            method = request.method.lower()
            handler = getattr(self, method, None) if method in self.http_method_names else None
            response = (handler or self.http_method_not_allowed)(request, *args, **kwargs)
            if inspect.isawaitable(response):
                response = await response
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(self.request, response, *args, **kwargs)
        return self.response

    def _enter(self, request, *args, **kwargs):
        request = self.request = self.initialize_request(request, *args, **kwargs)
        self.initial(request, *args, **kwargs)
        request.data  # noqa: B018 - parse the body here rather than on the event loop
        return request
