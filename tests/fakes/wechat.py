"""Fake of the WeChat server API that mini-program login uses (api.weixin.qq.com), on 127.0.0.1.

Serves, in the real wire format:

- ``GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`` ->
  ``{"session_key", "openid"[, "unionid"]}`` or ``{"errcode", "errmsg"}`` (HTTP 200 either way, as WeChat does;
  unknown code -> 40029, reused code -> 40163, wrong appid/secret -> 40013/40125).
- ``GET /cgi-bin/token?grant_type=client_credential&appid&secret`` -> ``{"access_token", "expires_in": 7200}``.
  wechatpy fetches this before *every first* call of a client, including ``wxa.code_to_session``, because it
  adds ``access_token`` to all query strings.

Pointing wechatpy 1.8.18 at the fake (or at any base URL). Three places hard-code https://api.weixin.qq.com and
client code must override all of them, e.g. in a ``WeChatClient`` subclass::

    class MiniProgramClient(WeChatClient):
        def __init__(self, appid, secret, *, base_url="https://api.weixin.qq.com", timeout=5.0):
            super().__init__(appid, secret, timeout=timeout)
            base = base_url.rstrip("/")
            self.API_BASE_URL = f"{base}/cgi-bin/"  # generic client.get("...") calls
            self.wxa.API_BASE_URL = f"{base}/"  # wxa.* endpoints, incl. sns/jscode2session
            self._token_url = f"{base}/cgi-bin/token"
            self._http = TimeoutSession(timeout)  # requests.Session that fills in timeout when None

        def fetch_access_token(self):  # the stock one calls the real host, without a timeout
            return self._fetch_access_token(self._token_url, {
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})

``timeout`` only reaches ``code_to_session``'s own request; ``_fetch_access_token`` calls ``self._http.get``
without one, hence the session that supplies a default. Keep one client per process: the access token is cached
in the client's ``MemoryStorage``. Errors surface as ``wechatpy.exceptions.WeChatClientException`` (``errcode``
set for WeChat errors, ``None`` for HTTP 5xx) and ``requests.Timeout`` / ``requests.ConnectionError``.

Failures are scripted with ``fake.script(...)``: ``errcode_reply(-1)`` (system busy), ``errcode_reply(45011)``
(rate limit), ``Reply(503, "...")``, ``fake.slow(3)`` (the normal answer, late) for a timeout.
"""

from __future__ import annotations

import secrets
import string
import threading
from base64 import b64encode
from dataclasses import dataclass

from tests.fakes.server import FakeServer, Reply, Request

DEFAULT_APPID = "wx5f0c1a2b3c4d5e6f"
DEFAULT_SECRET = "0123456789abcdef0123456789abcdef"

ERRMSG = {
    -1: "system error",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40029: "invalid code",
    40125: "invalid appsecret",
    40163: "code been used",
    40226: "high risk user",
    41008: "missing code",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
}


def errcode_reply(errcode: int) -> Reply:
    """WeChat's error shape: HTTP 200 with errcode/errmsg; errmsg carries a request id suffix."""
    errmsg = f"{ERRMSG.get(errcode, 'error')}, rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}"
    # WeChat labels these JSON bodies oddly; wechatpy parses the bytes regardless.
    return Reply(
        200, {"errcode": errcode, "errmsg": errmsg}, {"Content-Type": "application/json; encoding=utf-8"}
    )


def new_openid() -> str:
    """28 characters, "o" + base64url-ish, like real mini-program openids."""
    return "o" + "".join(secrets.choice(string.ascii_letters + string.digits + "-_") for _ in range(27))


@dataclass(frozen=True)
class MiniProgramUser:
    openid: str
    unionid: str | None = None


class FakeWeChat(FakeServer):
    """``fake.login_code(openid)`` is what ``wx.login()`` would hand the mini-program for that user."""

    def __init__(self, appid: str = DEFAULT_APPID, secret: str = DEFAULT_SECRET) -> None:
        super().__init__()
        self.appid = appid
        self.secret = secret
        self.codes: dict[str, MiniProgramUser] = {}
        self.used_codes: set[str] = set()
        self.access_tokens: list[str] = []  # every token issued, newest last
        self._state = threading.Lock()

    def login_code(self, openid: str | None = None, *, unionid: str | None = None) -> str:
        """A fresh single-use code bound to ``openid`` (a new random user when omitted)."""
        code = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.add_code(code, openid or new_openid(), unionid=unionid)
        return code

    def add_code(self, code: str, openid: str, *, unionid: str | None = None) -> None:
        with self._state:
            self.codes[code] = MiniProgramUser(openid, unionid)
            self.used_codes.discard(code)

    def handle(self, request: Request) -> Reply:
        if request.method != "GET":
            return Reply(404, "")
        params = {key: values[-1] for key, values in request.query.items()}
        if request.path == "/sns/jscode2session":
            return self._code_to_session(params)
        if request.path == "/cgi-bin/token":
            return self._token(params)
        return Reply(404, "")

    def _check_app(self, params: dict[str, str]) -> Reply | None:
        if params.get("appid") != self.appid:
            return errcode_reply(40013)
        if params.get("secret") != self.secret:
            return errcode_reply(40125)
        return None

    def _code_to_session(self, params: dict[str, str]) -> Reply:
        if error := self._check_app(params):
            return error
        if params.get("grant_type") != "authorization_code":
            return errcode_reply(40002)
        code = params.get("js_code")
        if not code:
            return errcode_reply(41008)
        with self._state:
            user = self.codes.get(code)
            if user is None:
                return errcode_reply(40029)
            if code in self.used_codes:
                return errcode_reply(40163)
            self.used_codes.add(code)
        session = {"session_key": b64encode(secrets.token_bytes(16)).decode(), "openid": user.openid}
        if user.unionid:
            session["unionid"] = user.unionid
        # jscode2session answers JSON labelled text/plain.
        return Reply(200, session, {"Content-Type": "text/plain"})

    def _token(self, params: dict[str, str]) -> Reply:
        if params.get("grant_type") != "client_credential":
            return errcode_reply(40002)
        if error := self._check_app(params):
            return error
        token = secrets.token_urlsafe(96)
        with self._state:
            self.access_tokens.append(token)
        return Reply(
            200,
            {"access_token": token, "expires_in": 7200},
            {"Content-Type": "application/json; encoding=utf-8"},
        )
