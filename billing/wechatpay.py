"""WeChat Pay API v3 through ``wechatpayv3``: JSAPI prepay, order query and close, refunds, the trade bill, the
``wx.requestPayment`` parameters, and verification of notifications.

Two ways WeChat signs (a merchant migrating receives both): the "WeChat Pay public key" (``Wechatpay-Serial`` is
its ``PUB_KEY_ID_...``) and the older platform certificates (the serial is the certificate's). Each message is
checked with the key its serial names; a serial we were not configured with is refused. Notifications are
verified here rather than with the SDK's ``callback``: the SDK cannot reject stale timestamps, and for an unknown
serial it goes off downloading certificates on a stranger's behalf (we switch that off for replies too).
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import json
import logging
import secrets
import time
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from wechatpayv3 import WeChatPay, WeChatPayType

from core.exceptions import Unavailable

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
    public_key: str  # "" without the public-key mode
    public_key_id: str
    platform_certs: tuple[str, ...]  # PEM of each platform certificate still valid
    platform_cert_dir: str
    notify_url: str
    refund_notify_url: str
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
    event_type: str  # TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED, ...
    resource: dict  # the decrypted transaction or refund


def _public_key_mode() -> bool:
    return bool(settings.WECHATPAY_PUBLIC_KEY_PATH and settings.WECHATPAY_PUBLIC_KEY_ID)


def is_configured() -> bool:
    return all(
        (
            settings.WECHAT_APP_ID,
            settings.WECHATPAY_MCH_ID,
            settings.WECHATPAY_PRIVATE_KEY_PATH,
            settings.WECHATPAY_CERT_SERIAL_NO,
            settings.WECHATPAY_APIV3_KEY,
            _public_key_mode() or settings.WECHATPAY_PLATFORM_CERT_DIR,
            settings.WECHATPAY_NOTIFY_URL,
        )
    )


@functools.lru_cache(maxsize=8)
def _certificate(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def _valid_certificates(directory: str) -> tuple[str, ...]:
    """The PEM texts of the platform certificates in ``directory`` that are valid now (others are ignored)."""
    if not directory:
        return ()
    now = dt.datetime.now(dt.UTC)
    found = []
    for path in sorted(Path(directory).glob("*.pem")):
        pem = path.read_text()
        try:
            cert = _certificate(pem)
        except ValueError:
            continue  # a key or other file next to the certificates
        if cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            found.append(pem)
        else:  # rotated-out certificates stay in the directory; they just no longer count
            logger.debug("Ignoring WeChat Pay platform certificate %s: not valid now", path.name)
    return tuple(found)


def pay_config() -> PayConfig:
    if not is_configured():
        raise Unavailable("wechatpay_not_configured", "未配置微信支付 (WeChat Pay not configured)")
    public_key_mode = _public_key_mode()
    certs = _valid_certificates(settings.WECHATPAY_PLATFORM_CERT_DIR)
    if not public_key_mode and not certs:
        logger.error("WECHATPAY_PLATFORM_CERT_DIR holds no valid platform certificate")
        raise Unavailable("wechatpay_not_configured", "未配置微信支付 (WeChat Pay not configured)")
    return PayConfig(
        mchid=settings.WECHATPAY_MCH_ID,
        appid=settings.WECHAT_APP_ID,
        private_key=Path(settings.WECHATPAY_PRIVATE_KEY_PATH).read_text(),
        cert_serial_no=settings.WECHATPAY_CERT_SERIAL_NO,
        apiv3_key=settings.WECHATPAY_APIV3_KEY,
        public_key=Path(settings.WECHATPAY_PUBLIC_KEY_PATH).read_text() if public_key_mode else "",
        public_key_id=settings.WECHATPAY_PUBLIC_KEY_ID if public_key_mode else "",
        platform_certs=certs,
        platform_cert_dir=settings.WECHATPAY_PLATFORM_CERT_DIR,
        notify_url=settings.WECHATPAY_NOTIFY_URL,
        refund_notify_url=settings.WECHATPAY_REFUND_NOTIFY_URL or settings.WECHATPAY_NOTIFY_URL,
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
        public_key=config.public_key or None,
        public_key_id=config.public_key_id or None,
        # certificate-only: the constructor reads the certificates from here instead of downloading them
        cert_dir=None if config.public_key else config.platform_cert_dir,
        timeout=(config.timeout, config.timeout),
    )
    core = client._core  # wechatpayv3 2.0.4 has no options for what follows
    core._gate_way = config.base_url
    # Replies may be signed in either mode: verify certificate-signed ones with our certificates, and never
    # fetch /v3/certificates because a reply named a serial we do not know (it is refused instead).
    core._certificates = [_certificate(pem) for pem in config.platform_certs]
    core._update_certificates = lambda: None
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


def create_refund(
    *, out_refund_no: str, out_trade_no: str, amount_fen: int, total_fen: int, reason: str
) -> dict:
    """Ask for a refund; the reply is the refund (``status`` PROCESSING, or already SUCCESS/CLOSED/ABNORMAL).

    Safe to repeat: WeChat treats the same ``out_refund_no`` as the same refund.
    """
    config = pay_config()
    return _call(
        "refund",
        _client(config).refund,
        out_refund_no=out_refund_no,
        out_trade_no=out_trade_no,
        amount={"refund": amount_fen, "total": total_fen, "currency": "CNY"},
        reason=reason or None,
        notify_url=config.refund_notify_url,
    )[1]


def query_refund(out_refund_no: str) -> dict | None:
    """The refund as WeChat Pay knows it, or None when it never received it."""
    client = _client(pay_config())
    try:
        return _call("query refund", client.query_refund, out_refund_no)[1]
    except WeChatPayRejected as exc:
        if exc.code == "RESOURCE_NOT_EXISTS":
            return None
        raise


def trade_bill(bill_date: dt.date) -> str | None:
    """The ALL trade bill of ``bill_date`` as CSV text, its SHA1 checked; None when WeChat has no bill for a day
    without trade. WeChatPayUnavailable while the bill is being made (before 10:00 the next day) or corrupt."""
    config = pay_config()
    client = _client(config)
    try:
        _, meta = _call("trade bill", client.trade_bill, bill_date.isoformat(), "ALL", "GZIP")
    except WeChatPayRejected as exc:
        if exc.code == "NO_STATEMENT_EXIST":
            return None
        raise WeChatPayUnavailable(f"trade bill: {exc.code} {exc.message}") from exc
    url = str(meta.get("download_url") or "")
    if not url.startswith(config.base_url + "/"):  # we sign requests for WeChat Pay only
        raise WeChatPayUnavailable("the bill's download_url is not on the WeChat Pay host")
    if str(meta.get("hash_type", "")).upper() != "SHA1":
        raise WeChatPayUnavailable(f"unsupported bill hash_type {meta.get('hash_type')!r}")
    try:
        status, content = client.download_bill(url)
    except requests.RequestException as exc:
        raise WeChatPayUnavailable(type(exc).__name__) from exc
    if status != 200:
        raise WeChatPayUnavailable(f"bill download answered {status}")
    raw = content.encode() if isinstance(content, str) else content
    if raw[:2] == b"\x1f\x8b":  # gzip magic: the hash covers the uncompressed bill
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise WeChatPayUnavailable("the bill is not valid gzip") from exc
    if hashlib.sha1(raw).hexdigest() != str(meta.get("hash_value", "")).lower():
        raise WeChatPayUnavailable("the bill does not match its hash_value")
    return raw.decode("utf-8-sig")


@functools.lru_cache(maxsize=4)
def _public_key(pem: str):
    return load_pem_public_key(pem.encode())


def _verification_key(config: PayConfig, serial: str):
    """The public key ``Wechatpay-Serial`` names: the WeChat Pay public key or a platform certificate's."""
    if config.public_key_id and serial == config.public_key_id:
        return _public_key(config.public_key)
    try:
        number = int(serial, 16)
    except ValueError:
        return None
    for pem in config.platform_certs:
        certificate = _certificate(pem)
        if certificate.serial_number == number:
            return certificate.public_key()
    return None


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
    key = _verification_key(config, serial)
    if key is None:
        raise NotificationRejected(401, "unknown Wechatpay-Serial")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > MAX_NOTIFICATION_AGE:
        raise NotificationRejected(401, "stale timestamp")
    message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
    try:
        key.verify(b64decode(signature, validate=True), message, padding.PKCS1v15(), hashes.SHA256())
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
        data = json.loads(plaintext)
    except (ValueError, KeyError, TypeError, AttributeError, InvalidTag) as exc:
        raise NotificationRejected(400, "undecryptable resource") from exc
    if not isinstance(data, dict):
        raise NotificationRejected(400, "unexpected resource")
    return Notification(event_type=str(event.get("event_type", "")), resource=data)
