"""The one place the AI layer itself makes HTTP requests (result downloads); the vendor SDKs get their
timeouts from the same settings."""

import requests
from django.conf import settings

from .errors import ProviderError

MAX_DOWNLOAD_BYTES = 30 * 1024 * 1024


def timeouts() -> tuple[float, float]:
    return settings.AI_CONNECT_TIMEOUT, settings.AI_READ_TIMEOUT


def download(url: str) -> bytes:
    try:
        with requests.get(url, timeout=timeouts(), stream=True) as response:
            if response.status_code >= 500 or response.status_code == 429:
                raise ProviderError("download_failed", f"HTTP {response.status_code}", transient=True)
            if response.status_code != 200:
                raise ProviderError("download_failed", f"HTTP {response.status_code}")
            data = bytearray()
            for chunk in response.iter_content(64 * 1024):
                data.extend(chunk)
                if len(data) > MAX_DOWNLOAD_BYTES:
                    raise ProviderError("download_too_large", url)
            return bytes(data)
    except requests.Timeout as exc:
        raise ProviderError("timeout", str(exc), transient=True) from exc
    except requests.ConnectionError as exc:
        raise ProviderError("connection_error", str(exc), transient=True) from exc
