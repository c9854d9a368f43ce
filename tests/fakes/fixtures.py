"""pytest fixtures for the vendor AI fakes; loaded for the whole suite by tests/conftest.py.

Each fixture starts a fresh fake for one test and, as a safety net, points the SDK's own defaults at it with
dummy keys, so even a client that forgets to pass a base URL talks to 127.0.0.1 and never to the vendor.
"""

from __future__ import annotations

from collections.abc import Iterator

import dashscope
import pytest

from tests.fakes.dashscope import FakeDashScope
from tests.fakes.openai import FakeOpenAI

DUMMY_DASHSCOPE_KEY = "sk-fake-dashscope"
DUMMY_OPENAI_KEY = "sk-fake-openai"


@pytest.fixture
def fake_dashscope(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDashScope]:
    with FakeDashScope() as fake:
        monkeypatch.setenv("DASHSCOPE_API_KEY", DUMMY_DASHSCOPE_KEY)
        # dashscope reads its env vars once at import, so the module globals are what count
        monkeypatch.setattr(dashscope, "api_key", DUMMY_DASHSCOPE_KEY)
        monkeypatch.setattr(dashscope, "base_http_api_url", fake.base_http_api_url)
        yield fake


@pytest.fixture
def fake_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        # read by every OpenAI() constructed without explicit base_url/api_key
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", DUMMY_OPENAI_KEY)
        yield fake
