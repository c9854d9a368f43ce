"""WeChat Pay API v3: JSAPI prepay, order query and close through ``wechatpayv3`` (public-key mode), the
``wx.requestPayment`` parameters, and verification of payment notifications.

Notifications are verified here rather than with the SDK's ``callback``: the SDK cannot reject stale
timestamps, and for an unknown ``Wechatpay-Serial`` it goes off downloading certificates on a stranger's behalf.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import secrets
import time
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from wechatpayv3 import WeChatPay, WeChatPayType

from core.errors import ApiError

logger = logging.getLogger(__name__)

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
MAX_NOTIFICATION_AGE = 300  # seconds; older (replayed) notifications are refused


@dataclass(frozen=True)
class PayConfig:
    mchid: str
    appid: str
    private_key: str
    cert_serial_no: str
    apiv3_key: str
    public_key: str
    public_key_id: str
    notify_url: str
    base_url: str
    timeout: float


class WeChatPayUnavailable(Exception):
    """No trustworthy answer: network error, timeout, 5xx, or a reply whose signature did not verify."""


class WeChatPayRejected(Exception):
    """WeChat Pay answered with a business error (4xx ``{"code", "message"}``)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class NotificationRejected(Exception):
    """A notification we refuse; WeChat retries it later (the status and message go back to WeChat)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Notification:
    event_type: str
    transaction: dict


def is_configured() -> bool:
    return all(
        (
            settings.WECHAT_APP_ID,
            settings.WECHATPAY_MCH_ID,
            settings.WECHATPAY_PRIVATE_KEY_PATH,
            settings.WECHATPAY_CERT_SERIAL_NO,
            settings.WECHATPAY_APIV3_KEY,
            settings.WECHATPAY_PUBLIC_KEY_PATH,
            settings.WECHATPAY_PUBLIC_KEY_ID,
            settings.WECHATPAY_NOTIFY_URL,
        )
    )


def pay_config() -> PayConfig:
    if not is_configured():
        raise ApiError(503, "wechatpay_not_configured", "未配置微信支付 (WeChat Pay not configured)")
    return PayConfig(
        mchid=settings.WECHATPAY_MCH_ID,
        appid=settings.WECHAT_APP_ID,
        private_key=Path(settings.WECHATPAY_PRIVATE_KEY_PATH).read_text(),
        cert_serial_no=settings.WECHATPAY_CERT_SERIAL_NO,
        apiv3_key=settings.WECHATPAY_APIV3_KEY,
        public_key=Path(settings.WECHATPAY_PUBLIC_KEY_PATH).read_text(),
        public_key_id=settings.WECHATPAY_PUBLIC_KEY_ID,
        notify_url=settings.WECHATPAY_NOTIFY_URL,
        base_url=settings.WECHATPAY_BASE_URL.rstrip("/"),
        timeout=settings.WECHAT_TIMEOUT_SECONDS,
    )


@functools.lru_cache(maxsize=4)
def _client(config: PayConfig) -> WeChatPay:
    client = WeChatPay(
        wechatpay_type=WeChatPayType.JSAPI,
        mchid=config.mchid,
        private_key=config.private_key,
        cert_serial_no=config.cert_serial_no,
        appid=config.appid,
        apiv3_key=config.apiv3_key,
        notify_url=config.notify_url,
        public_key=config.public_key,
        public_key_id=config.public_key_id,
        timeout=(config.timeout, config.timeout),
    )
    client._core._gate_way = config.base_url  # wechatpayv3 2.0.4 has no base-URL option
    return client


def _call(name: str, fn, *args, **kwargs) -> tuple[int, dict]:
    """Run one SDK call; 2xx → (status, body), business 4xx → WeChatPayRejected, anything else → unavailable."""
    try:
        status, message = fn(*args, **kwargs)
    except requests.RequestException as exc:
        logger.warning("WeChat Pay %s failed: %s", name, type(exc).__name__)
        raise WeChatPayUnavailable(type(exc).__name__) from exc
    except Exception as exc:  # the SDK raises bare Exception, e.g. when a reply's signature does not verify
        logger.error("WeChat Pay %s failed: %s", name, exc)
        raise WeChatPayUnavailable(str(exc)) from exc
    try:
        body = json.loads(message) if message else {}
    except (TypeError, ValueError):
        body = {}
    if 200 <= status < 300:
        return status, body
    if 400 <= status < 500 and isinstance(body, dict) and body.get("code"):
        raise WeChatPayRejected(status, str(body["code"]), str(body.get("message", "")))
    logger.warning("WeChat Pay %s answered %s", name, status)
    raise WeChatPayUnavailable(f"http {status}")


def jsapi_prepay(
    *, out_trade_no: str, description: str, amount_fen: int, openid: str, expires_at: dt.datetime
) -> str:
    config = pay_config()
    client = _client(config)
    _, body = _call(
        "prepay",
        client.pay,
        description=description,
        out_trade_no=out_trade_no,
        amount={"total": amount_fen, "currency": "CNY"},
        payer={"openid": openid},
        time_expire=expires_at.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat(timespec="seconds"),
        pay_type=WeChatPayType.JSAPI,
    )
    if not body.get("prepay_id"):
        raise WeChatPayUnavailable("no prepay_id in the reply")
    return str(body["prepay_id"])


def request_payment_params(prepay_id: str) -> dict[str, str]:
    """What the mini-program passes to ``wx.requestPayment``; paySign is RSA-SHA256 by the merchant key."""
    config = pay_config()
    timestamp, nonce, package = str(int(time.time())), secrets.token_hex(16), f"prepay_id={prepay_id}"
    return {
        "appId": config.appid,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": _client(config).sign([config.appid, timestamp, nonce, package]),
    }


def query_order(out_trade_no: str) -> dict | None:
    """The transaction as WeChat Pay knows it, or None when it never received the order."""
    client = _client(pay_config())
    try:
        return _call("query", client.query, out_trade_no=out_trade_no)[1]
    except WeChatPayRejected as exc:
        if exc.code == "ORDER_NOT_EXIST":
            return None
        raise


def close_order(out_trade_no: str) -> None:
    client = _client(pay_config())
    _call("close", client.close, out_trade_no)


@functools.lru_cache(maxsize=4)
def _public_key(pem: str):
    return load_pem_public_key(pem.encode())


def verify_notification(headers: Mapping[str, str], body: bytes, *, now: float | None = None) -> Notification:
    """Check signature, serial and age of a notification and decrypt its resource; NotificationRejected if not."""
    if not is_configured():
        raise NotificationRejected(503, "WeChat Pay not configured")
    config = pay_config()
    timestamp = headers.get("Wechatpay-Timestamp", "")
    nonce = headers.get("Wechatpay-Nonce", "")
    signature = headers.get("Wechatpay-Signature", "")
    serial = headers.get("Wechatpay-Serial", "")
    signature_type = headers.get("Wechatpay-Signature-Type", SIGNATURE_TYPE)
    if not (timestamp and nonce and signature and serial) or signature_type != SIGNATURE_TYPE:
        raise NotificationRejected(401, "missing or unsupported signature headers")
    if serial != config.public_key_id:
        raise NotificationRejected(401, "unknown Wechatpay-Serial")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > MAX_NOTIFICATION_AGE:
        raise NotificationRejected(401, "stale timestamp")
    message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
    try:
        _public_key(config.public_key).verify(
            b64decode(signature, validate=True), message, padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError) as exc:
        raise NotificationRejected(401, "bad signature") from exc
    try:
        event = json.loads(body)
        resource = event["resource"]
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise NotificationRejected(400, "unsupported resource algorithm")
        plaintext = AESGCM(config.apiv3_key.encode()).decrypt(
            resource["nonce"].encode(),
            b64decode(resource["ciphertext"]),
            (resource.get("associated_data") or "").encode(),
        )
        transaction = json.loads(plaintext)
    except (ValueError, KeyError, TypeError, AttributeError, InvalidTag) as exc:
        raise NotificationRejected(400, "undecryptable resource") from exc
    if not isinstance(transaction, dict):
        raise NotificationRejected(400, "unexpected resource")
    return Notification(event_type=str(event.get("event_type", "")), transaction=transaction)
