"""The one place the AI layer itself makes HTTP requests (task polls, result downloads), on an asyncio client;
the vendor SDKs get their timeouts from the same settings."""

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import httpx
from django.conf import settings

from .errors import ProviderError

MAX_DOWNLOAD_BYTES = 30 * 1024 * 1024


def timeouts() -> tuple[float, float]:
    return settings.AI_CONNECT_TIMEOUT, settings.AI_READ_TIMEOUT


@cache
def ssl_context() -> ssl.SSLContext:
    """One per process, shared by every client (an SSLContext is safe to share between threads): building one
    loads the CA bundle, ~80 ms of CPU, and an image task made three clients (its polls and the download)."""
    return httpx.create_ssl_context()


def _client() -> httpx.AsyncClient:
    connect, read = timeouts()
    return httpx.AsyncClient(timeout=httpx.Timeout(read, connect=connect), verify=ssl_context())


@contextmanager
def _transport_errors() -> Iterator[None]:
    try:
        yield
    except httpx.TimeoutException as exc:
        raise ProviderError("timeout", str(exc), transient=True) from exc
    except httpx.TransportError as exc:
        raise ProviderError("connection_error", str(exc), transient=True) from exc


async def get_json(url: str, headers: dict[str, str]) -> tuple[int, dict]:
    """GET a JSON document: (status, body; {} when the body is not a JSON object)."""
    with _transport_errors():
        async with _client() as client:
            response = await client.get(url, headers=headers)
    try:
        body = response.json()
    except ValueError:
        body = {}
    return response.status_code, body if isinstance(body, dict) else {}


async def download(url: str) -> bytes:
    with _transport_errors():
        async with _client() as client, client.stream("GET", url) as response:
            if response.status_code >= 500 or response.status_code == 429:
                raise ProviderError("download_failed", f"HTTP {response.status_code}", transient=True)
            if response.status_code != 200:
                raise ProviderError("download_failed", f"HTTP {response.status_code}")
            data = bytearray()
            async for chunk in response.aiter_bytes(64 * 1024):
                data.extend(chunk)
                if len(data) > MAX_DOWNLOAD_BYTES:
                    raise ProviderError("download_too_large", url)
            return bytes(data)
