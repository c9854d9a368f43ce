"""Lanes: the few threads per web process that run synchronous code (the ORM, Pillow) for the ASGI server.

Under ``config.asgi`` every synchronous view runs whole in a lane (as a gthread worker's thread would): a ``web``
lane, or an ``upload`` lane for a multipart body (``for_body``),
and asynchronous views send their synchronous steps to a lane and await remote models on the event loop with no
lane held. Each lane thread keeps its own persistent database connection, so a web process never holds more
than ``WEB_LANES + UPLOAD_LANES`` connections however many requests wait on a model. Uploads' CPU work (decode,
downscale, the offline model) has lanes of its own, at a lower CPU priority (``UPLOAD_LANE_NICE``), so cheap
requests never queue behind it.

Outside that server (the test client, ``runserver``) ``run`` is Django's ``sync_to_async``: the code then runs
on the request's own thread and connection, as the rest of the request does.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections

_pools: dict[str, ThreadPoolExecutor] = {}
_enabled = False


def enable() -> None:
    """Called once per process by the ASGI entry point."""
    global _enabled
    _enabled = True


def enabled() -> bool:
    return _enabled


def _lower_priority() -> None:
    # Linux schedules threads one by one: when the CPU is short, cheap requests' lanes and the event loop go first.
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: same priority then
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), settings.UPLOAD_LANE_NICE)


def pool(lane: str) -> ThreadPoolExecutor:
    if lane not in _pools:
        if lane == "web":
            _pools[lane] = ThreadPoolExecutor(settings.WEB_LANES, thread_name_prefix="lane-web")
        else:
            _pools[lane] = ThreadPoolExecutor(
                settings.UPLOAD_LANES, thread_name_prefix="lane-upload", initializer=_lower_priority
            )
    return _pools[lane]


def for_body(content_type: str) -> str:
    """The lane of a request with this body: an upload (multipart) is parsed, hashed and decoded in an
    ``upload`` lane, so a burst of them never queues ahead of cheap requests in the ``web`` lanes (measured:
    200 uploads' multipart parsing, 40-170 ms each on a loaded host, held check-cache up to 0.9 s)."""
    return "upload" if content_type.startswith("multipart/") else "web"


def _step(function, args, kwargs):
    # As at the start of a request: a connection past CONN_MAX_AGE or broken is replaced before use.
    close_old_connections()
    return function(*args, **kwargs)


async def run(function, *args, lane: str = "web", **kwargs):
    """Await ``function(*args, **kwargs)`` run in a lane (with the caller's context: request id, log sinks).
    Cancelling the await does not stop the function: it finishes in its lane."""
    if not _enabled:
        return await sync_to_async(function)(*args, **kwargs)
    context = contextvars.copy_context()
    call = functools.partial(context.run, _step, function, args, kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool(lane), call)


def submit(function, *args, lane: str = "web") -> None:
    """Run ``function(*args)`` in a lane without waiting (clean-up after a cancelled request); outside the
    ASGI server, in a thread of its own (the caller may be on an event loop, where the ORM may not run)."""
    call = functools.partial(contextvars.copy_context().run, _step, function, args, {})
    if _enabled:
        pool(lane).submit(call)
    else:
        threading.Thread(target=_closing(call), daemon=True).start()


def _closing(call):
    def run():
        try:
            call()
        finally:
            connections.close_all()

    return run
