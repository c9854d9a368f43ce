"""A tiny threaded HTTP server on 127.0.0.1 that vendor fakes build on.

Each fake subclasses ``FakeServer`` and implements ``handle(request) -> Reply``. Tests script failures with
``server.script(...)`` (e.g. a 429, a delay, garbage, ``server.slow(s)``) and inspect ``server.requests`` afterwards.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    target: str = ""  # the raw request-target (path and query as sent), which signature schemes cover

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    passthrough: bool = False  # scripted only: let the fake answer as usual, after `delay`

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, dict | list):
            headers.setdefault("Content-Type", "application/json")
            return json.dumps(self.body, ensure_ascii=False).encode(), headers
        if isinstance(self.body, str):
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            return self.body.encode(), headers
        return self.body, headers


class FakeServer:
    """Start with ``with FakeX() as fake:``; ``fake.url`` is the base URL."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._scripted: deque[Reply] = deque()
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    body = self._read_chunked()
                else:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    target=self.path,
                )
                reply = owner._dispatch(request)
                if reply.delay:
                    time.sleep(reply.delay)
                payload, headers = reply.encoded()
                try:
                    self.send_response(reply.status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test); nothing to tell it

            def _read_chunked(self) -> bytes:
                # httpx/requests stream bodies of unknown length (file-like uploads) this way
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        # a short poll interval keeps stop() (which waits for the next poll) from adding 0.5 s to every test
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *replies: Reply) -> None:
        """Queue replies that pre-empt the fake's normal behaviour, one per request, in order."""
        with self._lock:
            self._scripted.extend(replies)

    def slow(self, seconds: float) -> Reply:
        """A reply to script that answers as usual but only after ``seconds`` (provokes client timeouts)."""
        return Reply(delay=seconds, passthrough=True)

    def reset(self) -> None:
        """Forget recorded requests and scripted replies (for fakes shared across tests)."""
        with self._lock:
            self.requests.clear()
            self._scripted.clear()

    def _dispatch(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            scripted = self._scripted.popleft() if self._scripted else None
        if scripted is None:
            reply = self.handle(request)
        elif scripted.passthrough:
            reply = self.handle(request)
            reply = replace(reply, delay=reply.delay + scripted.delay)
        else:
            reply = scripted
        return self.finish(request, reply)

    def handle(self, request: Request) -> Reply:
        return Reply(404, {"error": "not found"})

    def finish(self, request: Request, reply: Reply) -> Reply:
        """Last look at every reply, scripted or not; a vendor that signs its responses signs here."""
        return reply

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def answer_for(texts: list[str], answers_by_text: dict[str, object], default: object) -> object:
    """The chat answer of the first ``answers_by_text`` key found in one of the texts, else ``default``."""
    return next((a for key, a in answers_by_text.items() if any(key in text for text in texts)), default)
