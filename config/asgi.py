"""The production entry point (gunicorn.conf.py serves it with an asyncio worker; see docs/async.md).

Two Django handlers behind one ASGI callable:
- asynchronous views (the endpoints that wait on remote models) go to Django's ASGI handler: they await the
  model on the event loop and send their synchronous steps to lanes (``core.lanes``);
- every other request (check-cache, auth, reads, the admin) runs whole in a ``web`` lane (an upload: in an
  ``upload`` lane) through Django's WSGI handler, as on a gthread worker: one hop to a persistent thread with a persistent database connection,
  instead of Django's ASGI path for sync views (a new thread, and so a new database connection, per request,
  and a thread hop for every middleware).
"""

import os
import sys
import tempfile
from functools import lru_cache

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

import asyncio  # noqa: E402
import contextvars  # noqa: E402

from asgiref.sync import iscoroutinefunction  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.urls import Resolver404, get_resolver  # noqa: E402

from core import lanes  # noqa: E402

# A cheap request's lane waits at most 1 ms (not 5) for the GIL while uploads' lanes run Python code beside it.
sys.setswitchinterval(0.001)


@lru_cache(maxsize=4096)
def _is_async(path: str) -> bool:
    try:
        match = get_resolver().resolve(path)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


def _environ(scope: dict, body) -> dict:
    script_name = scope.get("root_path", "").encode("utf8").decode("latin1")
    path_info = scope["path"].encode("utf8").decode("latin1")
    if path_info.startswith(script_name):
        path_info = path_info[len(script_name) :]
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": scope.get("query_string", b"").decode("ascii"),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 0),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"] = scope["client"][0]
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin1").upper().replace("-", "_")
        if name not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            name = f"HTTP_{name}"
        value = raw_value.decode("latin1")
        if name in environ:
            value = f"{environ[name]}{'; ' if name == 'HTTP_COOKIE' else ','}{value}"
        environ[name] = value
    return environ


class Application:
    def __init__(self) -> None:
        self.asgi = ASGIHandler()
        self.wsgi = WSGIHandler()
        lanes.enable()
        get_resolver().url_patterns  # noqa: B018 - import every view now (the master does it under preload_app)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        if scope["type"] == "http" and not _is_async(scope["path"]):
            return await self._in_lane(scope, receive, send)
        return await self.asgi(scope, receive, send)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _in_lane(self, scope, receive, send) -> None:
        with tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, mode="w+b") as body:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return  # gone before the body arrived: nothing to answer
                body.write(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            body.seek(0)
            call = contextvars.copy_context().run
            loop = asyncio.get_running_loop()
            environ = _environ(scope, body)
            status, headers, content = await loop.run_in_executor(
                lanes.pool(lanes.for_body(environ.get("CONTENT_TYPE", ""))), call, self._wsgi, environ
            )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    def _wsgi(self, environ: dict) -> tuple[int, list, bytes]:
        started: list = []

        def start_response(status, headers, exc_info=None):
            started[:] = [int(status.split(" ", 1)[0]), headers]

        result = self.wsgi(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # request_finished: this lane's connection is checked as after any request
        status, headers = started
        return status, [(k.lower().encode("latin1"), v.encode("latin1")) for k, v in headers], content


application = Application()
