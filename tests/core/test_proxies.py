"""TRUSTED_PROXY_COUNT: X-Forwarded-For counts only as far as our own proxies wrote it."""

import pytest
from django.test import RequestFactory
from rest_framework.throttling import SimpleRateThrottle

from classifier.models import RequestLog
from classifier.services import flush_cache_hits
from core.request import client_ip
from tests.core.test_errors import envelope

pytestmark = pytest.mark.django_db


@pytest.fixture
def proxies(settings):
    def trust(count: int) -> None:
        settings.TRUSTED_PROXY_COUNT = count
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}

    return trust


@pytest.fixture
def login_rate(monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "login": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def _ip(forwarded: str | None, remote: str = "10.0.0.9") -> str | None:
    meta = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {})
    return client_ip(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.9"),  # no proxy of ours: the header is anyone's
        (0, None, "10.0.0.9"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # nginx appended what it saw; the rest is the client's
        (1, None, "10.0.0.9"),
        (2, "6.6.6.6, 1.2.3.4, 10.1.1.1", "1.2.3.4"),
        (3, "1.2.3.4", "1.2.3.4"),  # fewer entries than proxies: the leftmost
    ],
)
def test_it_takes_the_client_ip_our_proxies_saw(proxies, trusted, forwarded, expected):
    proxies(trusted)
    assert _ip(forwarded) == expected


def _wrong_login(client, forwarded: str):
    return client.post(
        "/api/v1/auth/token", {"username": "owner", "password": "wrong"}, HTTP_X_FORWARDED_FOR=forwarded
    )


def test_it_throttles_logins_whatever_x_forwarded_for_says_without_a_trusted_proxy(
    api_client, owner, proxies, login_rate
):
    proxies(0)
    codes = [_wrong_login(api_client, f"203.0.113.{n}").status_code for n in range(5)]
    assert codes == [401, 401, 401, 429, 429]


def test_it_throttles_by_the_address_the_trusted_proxy_saw(api_client, owner, proxies, login_rate):
    proxies(1)
    # A client forging the left part of the header is still one client.
    forged = [_wrong_login(api_client, f"198.51.100.{n}, 203.0.113.7").status_code for n in range(4)]
    assert forged == [401, 401, 401, 429]
    envelope(_wrong_login(api_client, "203.0.113.7"), 429, "throttled")
    assert _wrong_login(api_client, "203.0.113.8").status_code == 401  # another client


def test_it_logs_the_address_the_proxy_saw(owner_client, proxies):
    proxies(0)
    owner_client.post(
        "/api/v1/classify/check-cache", {"image_hash": "0" * 64}, HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    proxies(1)
    owner_client.post(
        "/api/v1/classify/check-cache", {"image_hash": "1" * 64}, HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    flush_cache_hits()
    assert sorted(RequestLog.objects.values_list("ip_address", flat=True)) == ["1.2.3.4", "127.0.0.1"]
