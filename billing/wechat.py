"""Mini-program login (code2session) through wechatpy, pointed at ``WECHAT_API_BASE_URL`` with timeouts.

The login itself is ``accounts.services.wechat_login``; this client stays beside the WeChat Pay one (one vendor,
one set of settings, and the identity it yields is the payer's).

wechatpy adds an access token to every call, fetching one first when it has none; the token is shared through
the Django cache so the processes do not keep re-issuing (and thereby invalidating) each other's tokens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from core.exceptions import ApplicationError, Invalid, Unavailable

logger = logging.getLogger(__name__)

# errcodes that mean WeChat is busy or we are rate limited: try again later
_BUSY = {-1, 45009, 45011}
# errcodes that mean our own appid/secret are wrong: the user cannot fix it with another code
_MISCONFIGURED = {40002, 40013, 40125, 41002, 41004}


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    session_key: str
    unionid: str


class CacheStorage(SessionStorage):
    """wechatpy session storage on the Django cache; entries expire a little before WeChat's own expiry."""

    prefix = "wechat:"

    def get(self, key, default=None):
        return cache.get(self.prefix + key, default)

    def set(self, key, value, ttl=None):
        cache.set(self.prefix + key, value, None if ttl is None else max(int(ttl) - 300, 60))

    def delete(self, key):
        cache.delete(self.prefix + key)


class TimeoutSession(requests.Session):
    """wechatpy's token fetch passes no timeout; this session supplies one wherever none was given."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):  # type: ignore[override]  # forwards requests' own arguments
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, **kwargs)


class MiniProgramClient(WeChatClient):
    """``WeChatClient`` with every hard-coded https://api.weixin.qq.com replaced by ``base_url``."""

    def __init__(self, appid: str, secret: str, *, base_url: str, timeout: float) -> None:
        super().__init__(appid, secret, session=CacheStorage(), timeout=timeout)
        base = base_url.rstrip("/")
        self.API_BASE_URL = f"{base}/cgi-bin/"
        self.wxa.API_BASE_URL = f"{base}/"
        self._token_url = f"{base}/cgi-bin/token"
        self._http = TimeoutSession(timeout)

    def fetch_access_token(self):
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        return self._fetch_access_token(self._token_url, params)


def _unavailable(reason: str) -> ApplicationError:
    return Unavailable(
        "wechat_unavailable", "微信服务暂不可用，请稍后再试 (WeChat unavailable)", {"reason": reason}
    )


def code_to_session(code: str) -> WeChatSession:
    if not (settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET):
        raise Unavailable("wechat_not_configured", "未配置微信登录 (WeChat login not configured)")
    client = MiniProgramClient(
        settings.WECHAT_APP_ID,
        settings.WECHAT_APP_SECRET,
        base_url=settings.WECHAT_API_BASE_URL,
        timeout=settings.WECHAT_TIMEOUT_SECONDS,
    )
    try:
        result = client.wxa.code_to_session(code)
    except requests.RequestException as exc:
        logger.warning("WeChat code2session failed: %s", type(exc).__name__)
        raise _unavailable(type(exc).__name__) from exc
    except WeChatClientException as exc:
        if exc.errcode is None:  # HTTP error status
            raise _unavailable(f"http {getattr(exc.response, 'status_code', '?')}") from exc
        if exc.errcode in _BUSY:
            raise _unavailable(f"errcode {exc.errcode}") from exc
        if exc.errcode in _MISCONFIGURED:
            logger.error("WeChat rejected our app credentials: errcode %s %s", exc.errcode, exc.errmsg)
            raise _unavailable(f"errcode {exc.errcode}") from exc
        raise Invalid(
            "wechat_code_invalid",
            "微信登录凭证无效或已使用 (invalid WeChat login code)",
            {"errcode": exc.errcode},
        ) from exc
    if not isinstance(result, dict) or not result.get("openid") or not result.get("session_key"):
        raise _unavailable("unexpected response")
    return WeChatSession(
        openid=result["openid"], session_key=result["session_key"], unionid=result.get("unionid") or ""
    )
