"""Pytest fixtures for the WeChat fakes. Loaded for the whole suite by tests/conftest.py.

- ``wechatpay_test_keys`` (session): the generated key files, see ``tests.fakes.keys``
- ``fake_wechat`` / ``fake_wechatpay``: started fakes, stopped after the test
- ``no_internet``: fails the test if anything resolves or connects to a host that is not loopback (opt in; it
  records the attempt and fails at teardown even if the code under test swallowed the error)
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest

from tests.fakes.keys import WeChatPayKeys, wechatpay_keys
from tests.fakes.wechat import FakeWeChat
from tests.fakes.wechatpay import FakeWeChatPay


class InternetBlocked(OSError):
    pass


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    attempts: list[str] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):
        if not _is_loopback(host):
            attempts.append(f"resolve {host}")
            raise InternetBlocked(f"test tried to resolve {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(sock, address):
        if isinstance(address, tuple) and not _is_loopback(address[0]):  # non-tuples are Unix sockets
            attempts.append(f"connect {address}")
            raise InternetBlocked(f"test tried to connect to {address}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    yield attempts
    assert not attempts, f"the test tried to reach beyond 127.0.0.1: {attempts}"


@pytest.fixture(scope="session")
def wechatpay_test_keys() -> WeChatPayKeys:
    return wechatpay_keys()


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChat]:
    with FakeWeChat() as fake:
        assert fake.url.startswith("http://127.0.0.1:")
        yield fake


@pytest.fixture
def fake_wechatpay(wechatpay_test_keys: WeChatPayKeys) -> Iterator[FakeWeChatPay]:
    with FakeWeChatPay(wechatpay_test_keys) as fake:
        assert fake.url.startswith("http://127.0.0.1:")
        yield fake
