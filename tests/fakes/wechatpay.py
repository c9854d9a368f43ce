"""Fake of the WeChat Pay API v3 merchant endpoints (api.mch.weixin.qq.com), on 127.0.0.1.

Serves, with WeChat's own wire format and signatures:

- ``POST /v3/pay/transactions/jsapi`` -> ``{"prepay_id"}`` (same prepay_id for an identical retry)
- ``GET /v3/pay/transactions/out-trade-no/{no}?mchid=`` and ``GET /v3/pay/transactions/id/{id}?mchid=`` ->
  the transaction, ``trade_state`` NOTPAY / SUCCESS / CLOSED
- ``POST /v3/pay/transactions/out-trade-no/{no}/close`` -> 204
- ``GET /v3/certificates`` (``mode="certificate"`` only) -> platform certificates encrypted with the APIv3 key
- ``POST /v3/refund/domestic/refunds`` -> the refund, ``status`` PROCESSING (same refund for an identical retry;
  WeChat's one-minute spacing between refunds of one order is not enforced: script a 429 to test it)
- ``GET /v3/refund/domestic/refunds/{out_refund_no}`` -> the refund, or 404 ``RESOURCE_NOT_EXISTS``
- ``GET /v3/bill/tradebill?bill_date=&bill_type=ALL&tar_type=GZIP`` -> ``{hash_type: SHA1, hash_value,
  download_url}``, the hash over the uncompressed CSV; 400 ``NO_STATEMENT_EXIST`` for a day without trade.
  Unlike WeChat (bills from 10:00 the next day) any day is served, today's too, so tests need not wait.
- ``GET /v3/billdownload/file?token=`` -> the bill, gzip when asked for; unsigned, as at WeChat (the signed
  ``hash_value`` vouches for it)

Every request must carry a valid ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..,nonce_str=..,signature=..,
timestamp=..,serial_no=..`` signed with the merchant key over ``METHOD\\nURL\\ntimestamp\\nnonce\\nbody\\n``;
otherwise 401 ``{"code": "SIGN_ERROR", ...}``. Every reply (scripted ones too, unless they already carry
``Wechatpay-Signature``) is signed with the platform key: ``Wechatpay-Timestamp``, ``Wechatpay-Nonce``,
``Wechatpay-Signature`` (RSA-SHA256 over ``timestamp\\nnonce\\nbody\\n``), ``Wechatpay-Serial`` (the public key
id, or the certificate serial in certificate mode, each with its own key) and ``Wechatpay-Signature-Type``.

Pointing wechatpayv3 2.0.4 at the fake. ``WeChatPay`` has no base-URL parameter; the gateway lives in
``wxpay._core._gate_way``. In public-key mode the constructor makes no request, so overriding it afterwards is
enough::

    wxpay = WeChatPay(
        wechatpay_type=WeChatPayType.JSAPI, mchid=MCHID, appid=APPID,
        private_key=Path(WECHATPAY_PRIVATE_KEY_PATH).read_text(), cert_serial_no=WECHATPAY_CERT_SERIAL,
        apiv3_key=WECHATPAY_APIV3_KEY, notify_url=NOTIFY_URL,
        public_key=Path(WECHATPAY_PUBLIC_KEY_PATH).read_text(), public_key_id=WECHATPAY_PUBLIC_KEY_ID,
        timeout=(3, 10),
    )
    wxpay._core._gate_way = WECHATPAY_API_BASE_URL  # no trailing slash; default https://api.mch.weixin.qq.com

Test helpers: ``mark_paid(no)`` (the user paid but the notification got lost), ``notification(no, ...)``
(what WeChat POSTs to notify_url, with tampering switches), ``request_payment_problems(params)`` (checks the
``wx.requestPayment`` parameters a backend hands the mini-program), ``settle_refund(no, status)`` (the refund
reached SUCCESS / CLOSED / ABNORMAL at WeChat) and ``refund_notification(no, ...)`` (REFUND.* to notify_url).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import re
import secrets
import string
import threading
import time
import uuid
from base64 import b64decode, b64encode
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.fakes.keys import WeChatPayKeys, wechatpay_keys
from tests.fakes.server import FakeServer, Reply, Request
from tests.fakes.wechat import DEFAULT_APPID, new_openid

DEFAULT_MCHID = "1900000109"
SCHEME = "WECHATPAY2-SHA256-RSA2048"
MAX_CLOCK_SKEW = 300  # seconds WeChat tolerates between a request's timestamp and its clock
CHINA = dt.timezone(dt.timedelta(hours=8))
JSON = "application/json; charset=utf-8"
OUT_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")
TRADE_STATE_DESC = {"NOTPAY": "订单未支付", "SUCCESS": "支付成功", "CLOSED": "订单已关闭"}
OUT_REFUND_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")
REFUND_SUMMARY = {"SUCCESS": "退款成功", "CLOSED": "退款关闭", "ABNORMAL": "退款异常"}
BILL_REFUND_STATUS = {"CLOSED": "REFUNDCLOSE", "ABNORMAL": "CHANGE"}  # the bill keeps the v2 spelling
# The ALL trade bill: its header, then one row per payment and per refund (every field behind a backtick), then
# the summary header and its row.
BILL_HEADER = [
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
]
BILL_SUMMARY_HEADER = [
    "总交易单数",
    "应结订单总金额",
    "退款总金额",
    "充值券退款总金额",
    "手续费总金额",
    "订单总金额",
    "申请退款总金额",
]


def rfc3339_now() -> str:
    return dt.datetime.now(CHINA).isoformat(timespec="seconds")


def random_string(length: int) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


def rsa_sign(key: RSAPrivateKey, message: str) -> str:
    return b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(key: RSAPublicKey, message: str, signature: str) -> bool:
    try:
        key.verify(b64decode(signature, validate=True), message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):  # ValueError: not base64
        return False
    return True


def new_transaction_id() -> str:
    return "4200" + "".join(secrets.choice(string.digits) for _ in range(24))


def new_refund_id() -> str:
    return "5030" + "".join(secrets.choice(string.digits) for _ in range(25))


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def aes_gcm_encrypt(apiv3_key: str, plaintext: str, associated_data: str) -> dict[str, str]:
    """WeChat's AEAD_AES_256_GCM envelope: a 12-character ASCII nonce, base64(ciphertext || tag)."""
    nonce = random_string(12)
    sealed = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), plaintext.encode(), associated_data.encode())
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": b64encode(sealed).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def signed_headers(
    key: RSAPrivateKey, serial: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """The headers WeChat Pay puts on responses and notifications."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = random_string(32)
    return {
        "Wechatpay-Timestamp": stamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": rsa_sign(key, f"{stamp}\n{nonce}\n{body.decode(errors='replace')}\n"),
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": SCHEME,
    }


def compact_json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def build_notification(
    resource: Mapping[str, object],
    *,
    signing_key: RSAPrivateKey,
    serial: str,
    apiv3_key: str,
    timestamp: int | None = None,
    alter_after_signing: bool = False,
    event_type: str = "TRANSACTION.SUCCESS",
    summary: str = "支付成功",
    original_type: str = "transaction",
) -> tuple[dict[str, str], bytes]:
    """A notification as WeChat POSTs it to notify_url: (headers, body). The resource's associated data is its
    original type (``transaction`` or ``refund``)."""
    event = {
        "id": str(uuid.uuid4()),
        "create_time": rfc3339_now(),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {
            "original_type": original_type,
            **aes_gcm_encrypt(apiv3_key, json.dumps(resource, ensure_ascii=False), original_type),
        },
    }
    body = compact_json(event)
    headers = {"Content-Type": "application/json", **signed_headers(signing_key, serial, body, timestamp)}
    if alter_after_signing:
        event["id"] = str(uuid.uuid4())
        body = compact_json(event)
    return headers, body


def error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"code": code, "message": message}, {"Content-Type": JSON})


@dataclass
class Order:
    out_trade_no: str
    appid: str
    mchid: str
    description: str
    notify_url: str
    total: int
    currency: str
    openid: str
    prepay_id: str
    attach: str | None = None
    trade_state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: str | None = None
    payer_total: int | None = None

    def transaction(self) -> dict[str, object]:
        """The query response / notification plaintext; only paid orders name the payer and transaction."""
        data: dict[str, object] = {
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": self.out_trade_no,
            "trade_state": self.trade_state,
            "trade_state_desc": TRADE_STATE_DESC[self.trade_state],
            "amount": {"total": self.total, "currency": self.currency},
        }
        if self.trade_state == "SUCCESS":
            data.update(
                transaction_id=self.transaction_id,
                trade_type="JSAPI",
                bank_type="OTHERS",
                success_time=self.success_time,
                payer={"openid": self.openid},
                amount={
                    "total": self.total,
                    "payer_total": self.payer_total,
                    "currency": self.currency,
                    "payer_currency": self.currency,
                },
            )
            if self.attach:
                data["attach"] = self.attach
        return data


@dataclass
class Refund:
    out_refund_no: str
    out_trade_no: str
    transaction_id: str
    refund: int
    total: int
    reason: str | None
    notify_url: str | None
    refund_id: str = field(default_factory=new_refund_id)
    status: str = "PROCESSING"
    create_time: str = field(default_factory=rfc3339_now)
    success_time: str | None = None

    def resource(self) -> dict[str, object]:
        """The refund as the create and query endpoints answer it."""
        data: dict[str, object] = {
            "refund_id": self.refund_id,
            "out_refund_no": self.out_refund_no,
            "transaction_id": self.transaction_id,
            "out_trade_no": self.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": self.create_time,
            "status": self.status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": self.total,
                "refund": self.refund,
                "payer_total": self.total,
                "payer_refund": self.refund,
                "settlement_total": self.total,
                "settlement_refund": self.refund,
                "discount_refund": 0,
                "currency": "CNY",
                "refund_fee": 0,
            },
            "promotion_detail": [],
        }
        if self.success_time:
            data["success_time"] = self.success_time
        return data

    def notification_resource(self, mchid: str) -> dict[str, object]:
        """The decrypted resource of a REFUND.* notification (a different shape from the query's)."""
        data: dict[str, object] = {
            "mchid": mchid,
            "out_trade_no": self.out_trade_no,
            "transaction_id": self.transaction_id,
            "out_refund_no": self.out_refund_no,
            "refund_id": self.refund_id,
            "refund_status": self.status,
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": self.total,
                "refund": self.refund,
                "payer_total": self.total,
                "payer_refund": self.refund,
            },
        }
        if self.success_time:
            data["success_time"] = self.success_time
        return data


def _refund_param_error(body: dict, amount: dict) -> Reply | None:
    """The field checks WeChat Pay makes before it looks at the order, with its messages."""
    out_refund_no, refund, total = body.get("out_refund_no"), amount.get("refund"), amount.get("total")
    for name, value in (
        ("out_refund_no", out_refund_no),
        ("amount.refund", refund),
        ("amount.total", total),
    ):
        if value in (None, ""):
            return error(
                400, "PARAM_ERROR", f"输入源“/body/{name}”映射到值字段必填性规则校验失败，此字段为必填项"
            )
    if not body.get("out_trade_no") and not body.get("transaction_id"):
        return error(400, "PARAM_ERROR", "transaction_id和out_trade_no必须二选一进行传参")
    if not OUT_REFUND_NO.fullmatch(str(out_refund_no)):
        return error(400, "PARAM_ERROR", "out_refund_no 须为1-64位数字、大小写字母或_-|*@")
    if not isinstance(refund, int) or not isinstance(total, int) or refund < 1:
        return error(400, "PARAM_ERROR", "amount.refund 须为大于0的整数（单位：分）")
    if amount.get("currency", "CNY") != "CNY":
        return error(400, "PARAM_ERROR", "currency 仅支持CNY")
    if body.get("notify_url") and not str(body["notify_url"]).startswith("https://"):
        return error(400, "PARAM_ERROR", "notify_url 须为https地址")
    return None


class FakeWeChatPay(FakeServer):
    """``mode`` picks what ``Wechatpay-Serial`` names and which key signs: the WeChat Pay public key (its id) or
    the platform certificate (its serial); it may change between messages, as during WeChat's migration.

    ``signing_key`` replaces that key when signing replies (pass ``keys.impostor_private_key`` to check that the
    client rejects responses WeChat did not sign).
    """

    def __init__(
        self,
        keys: WeChatPayKeys | None = None,
        *,
        mchid: str = DEFAULT_MCHID,
        appid: str = DEFAULT_APPID,
        mode: Literal["public_key", "certificate"] = "public_key",
        signing_key: RSAPrivateKey | None = None,
    ) -> None:
        super().__init__()
        self.keys = keys or wechatpay_keys()
        self.mchid = mchid
        self.appid = appid
        self.mode = mode
        self._signing_key = signing_key
        self.orders: dict[str, Order] = {}
        self.refunds: dict[str, Refund] = {}
        self.bill_files: dict[str, bytes] = {}  # download token -> file
        self.gzip_bills = (
            True  # False: serve the bill uncompressed even when asked for GZIP (a proxy unpacked it)
        )
        self._state = threading.Lock()

    @property
    def serial(self) -> str:
        return self.keys.public_key_id if self.mode == "public_key" else self.keys.platform_cert_serial

    @property
    def platform_key(self) -> RSAPrivateKey:
        """The key behind ``serial``."""
        if self.mode == "public_key":
            return self.keys.platform_private_key
        return self.keys.platform_cert_private_key

    @property
    def signing_key(self) -> RSAPrivateKey:
        return self._signing_key or self.platform_key

    # --- test controls -------------------------------------------------------------------------------------

    def mark_paid(self, out_trade_no: str, *, payer_total: int | None = None) -> Order:
        """The user paid (as if through wx.requestPayment); a later query reports SUCCESS."""
        with self._state:
            order = self.orders[out_trade_no]
            if order.trade_state == "CLOSED":
                raise ValueError(f"order {out_trade_no} is closed and cannot be paid")
            if order.trade_state == "NOTPAY":
                order.trade_state = "SUCCESS"
                order.transaction_id = new_transaction_id()
                order.success_time = rfc3339_now()
                order.payer_total = order.total if payer_total is None else payer_total
            return order

    def notification(
        self,
        out_trade_no: str,
        *,
        total: int | None = None,
        mchid: str | None = None,
        appid: str | None = None,
        timestamp: int | None = None,
        bad_signature: bool = False,
        alter_after_signing: bool = False,
        apiv3_key: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """The payment notification for ``out_trade_no``: (headers, body) to POST to the merchant's notify_url.

        A known unpaid order is marked paid first (WeChat notifies only paid orders); an unknown
        ``out_trade_no`` yields a notification for an order this merchant never placed. The keyword arguments
        tamper with the message only, never with the fake's state: ``total``/``mchid``/``appid`` override the
        transaction, ``timestamp`` the signed header (pass an old one for a replay), ``bad_signature`` signs
        with a key WeChat never published, ``alter_after_signing`` changes the body after signing,
        ``apiv3_key`` encrypts the resource with another key.
        """
        if out_trade_no in self.orders:
            transaction = self.mark_paid(out_trade_no).transaction()
        else:
            stranger = Order(
                out_trade_no=out_trade_no,
                appid=self.appid,
                mchid=self.mchid,
                description="",
                notify_url="",
                total=total or 1,
                currency="CNY",
                openid=new_openid(),
                prepay_id="",
                trade_state="SUCCESS",
                transaction_id=new_transaction_id(),
                success_time=rfc3339_now(),
                payer_total=total or 1,
            )
            transaction = stranger.transaction()
        if total is not None:
            transaction["amount"] = {**transaction["amount"], "total": total, "payer_total": total}
        if mchid is not None:
            transaction["mchid"] = mchid
        if appid is not None:
            transaction["appid"] = appid
        return build_notification(
            transaction,
            signing_key=self.keys.impostor_private_key if bad_signature else self.platform_key,
            serial=self.serial,
            apiv3_key=apiv3_key or self.keys.apiv3_key,
            timestamp=timestamp,
            alter_after_signing=alter_after_signing,
        )

    def settle_refund(self, out_refund_no: str, status: str = "SUCCESS") -> Refund:
        """The refund reached ``status`` (SUCCESS, CLOSED or ABNORMAL) at WeChat; a later query says so."""
        with self._state:
            refund = self.refunds[out_refund_no]
            refund.status = status
            if status == "SUCCESS" and not refund.success_time:
                refund.success_time = rfc3339_now()
            return refund

    def refund_notification(
        self,
        out_refund_no: str,
        *,
        status: str = "SUCCESS",
        refund: int | None = None,
        total: int | None = None,
        out_trade_no: str | None = None,
        mchid: str | None = None,
        timestamp: int | None = None,
        bad_signature: bool = False,
        alter_after_signing: bool = False,
        apiv3_key: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """The REFUND.<status> notification for a refund this fake holds, which is first settled to ``status``.

        As for ``notification``, the other keyword arguments tamper with the message only: ``refund``,
        ``total``, ``out_trade_no`` and ``mchid`` override the resource, the rest the envelope and signature.
        """
        resource = self.settle_refund(out_refund_no, status).notification_resource(self.mchid)
        amount = dict(resource["amount"])  # type: ignore[arg-type]
        if refund is not None:
            amount.update(refund=refund, payer_refund=refund)
        if total is not None:
            amount.update(total=total, payer_total=total)
        resource["amount"] = amount
        if out_trade_no is not None:
            resource["out_trade_no"] = out_trade_no
        if mchid is not None:
            resource["mchid"] = mchid
        return build_notification(
            resource,
            signing_key=self.keys.impostor_private_key if bad_signature else self.platform_key,
            serial=self.serial,
            apiv3_key=apiv3_key or self.keys.apiv3_key,
            timestamp=timestamp,
            alter_after_signing=alter_after_signing,
            event_type=f"REFUND.{status}",
            summary=REFUND_SUMMARY[status],
            original_type="refund",
        )

    def request_payment_problems(
        self, params: Mapping[str, str], *, max_age: int = MAX_CLOCK_SKEW
    ) -> list[str]:
        """What is wrong with the ``wx.requestPayment`` parameters a backend returned (empty: nothing).

        Expected: timeStamp (unix seconds, str), nonceStr, package ("prepay_id=<id of an unpaid order>"),
        signType "RSA", paySign = base64 RSA-SHA256 by the merchant key over
        "appid\\ntimeStamp\\nnonceStr\\npackage\\n".
        """
        missing = [
            k for k in ("timeStamp", "nonceStr", "package", "signType", "paySign") if not params.get(k)
        ]
        if missing:
            return [f"missing {', '.join(missing)}"]
        problems = []
        if not isinstance(params["timeStamp"], str) or not params["timeStamp"].isdigit():
            problems.append("timeStamp must be a string of unix seconds")
        elif abs(time.time() - int(params["timeStamp"])) > max_age:
            problems.append("timeStamp is stale")
        if params["signType"] != "RSA":
            problems.append("signType must be RSA")
        prepay_id = params["package"].removeprefix("prepay_id=")
        with self._state:
            unpaid = {o.prepay_id for o in self.orders.values() if o.trade_state == "NOTPAY"}
        if not params["package"].startswith("prepay_id=") or prepay_id not in unpaid:
            problems.append("package does not name the prepay_id of an unpaid order")
        message = f"{self.appid}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
        if not rsa_verify(self.keys.merchant_private_key.public_key(), message, params["paySign"]):
            problems.append("paySign does not verify with the merchant key")
        return problems

    # --- HTTP ----------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        if refusal := self._authenticate(request):
            return refusal
        path, method = request.path, request.method
        if method == "POST" and path == "/v3/pay/transactions/jsapi":
            return self._jsapi(request)
        if match := re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)/close", path):
            return self._close(request, match[1]) if method == "POST" else self._not_found()
        if method == "GET" and (
            match := re.fullmatch(r"/v3/pay/transactions/(out-trade-no|id)/([^/]+)", path)
        ):
            return self._query(request, match[1], match[2])
        if method == "GET" and path == "/v3/certificates":
            return self._certificates()
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            return self._refund(request)
        if method == "GET" and (match := re.fullmatch(r"/v3/refund/domestic/refunds/([^/]+)", path)):
            return self._query_refund(match[1])
        if method == "GET" and path == "/v3/bill/tradebill":
            return self._trade_bill(request)
        if method == "GET" and path == "/v3/billdownload/file":
            return self._download(request)
        return self._not_found()

    def finish(self, request: Request, reply: Reply) -> Reply:
        if any(key.lower() == "wechatpay-signature" for key in reply.headers):
            return reply
        if request.path == "/v3/billdownload/file" and reply.status == 200:
            return reply  # a file, not an API answer: WeChat does not sign it
        body, headers = reply.encoded()
        headers.update(signed_headers(self.signing_key, self.serial, body))
        headers["Request-ID"] = f"08{secrets.token_hex(16).upper()}"
        return Reply(reply.status, body, headers, reply.delay)

    @staticmethod
    def _not_found() -> Reply:
        return error(404, "NOT_FOUND", "请求的资源不存在")

    def _authenticate(self, request: Request) -> Reply | None:
        scheme, _, rest = request.headers.get("authorization", "").partition(" ")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if (
            scheme != SCHEME
            or not {"mchid", "nonce_str", "signature", "timestamp", "serial_no"} <= fields.keys()
        ):
            return error(401, "SIGN_ERROR", "Authorization不合法，请检查认证类型及参数")
        if fields["mchid"] != self.mchid:
            return error(401, "SIGN_ERROR", "商户号mchid与签名信息不匹配")
        if fields["serial_no"] != self.keys.merchant_cert_serial:
            return error(401, "SIGN_ERROR", "商户证书序列号有误，请核实后再试")
        if not fields["timestamp"].isdigit() or abs(time.time() - int(fields["timestamp"])) > MAX_CLOCK_SKEW:
            return error(401, "SIGN_ERROR", "签名时间戳已过期，请检查服务器时间")
        message = (
            f"{request.method}\n{request.target}\n{fields['timestamp']}\n{fields['nonce_str']}\n"
            f"{request.body.decode('utf-8', 'replace')}\n"
        )
        if not rsa_verify(self.keys.merchant_private_key.public_key(), message, fields["signature"]):
            return error(401, "SIGN_ERROR", "签名错误，请检查后再试")
        serial = request.headers.get("wechatpay-serial")
        # either of WeChat's keys may be named, whichever mode the fake signs in (a merchant may be migrating)
        if serial is not None and serial not in (self.keys.public_key_id, self.keys.platform_cert_serial):
            return error(
                400, "PARAM_ERROR", "Wechatpay-Serial 无效，请使用微信支付公钥ID或有效的平台证书序列号"
            )
        return None

    def _jsapi(self, request: Request) -> Reply:
        try:
            body = request.json()
            amount, payer = body.get("amount") or {}, body.get("payer") or {}
            fields = {
                "appid": body.get("appid"),
                "mchid": body.get("mchid"),
                "description": body.get("description"),
                "out_trade_no": body.get("out_trade_no"),
                "notify_url": body.get("notify_url"),
                "amount.total": amount.get("total"),
                "payer.openid": payer.get("openid"),
            }
        except (ValueError, AttributeError):
            return error(400, "PARAM_ERROR", "请求体格式错误")
        if missing := [name for name, value in fields.items() if value in (None, "")]:
            return error(
                400,
                "PARAM_ERROR",
                f"输入源“/body/{missing[0]}”映射到值字段必填性规则校验失败，此字段为必填项",
            )
        if fields["mchid"] != self.mchid:
            return error(400, "PARAM_ERROR", "mchid与请求方商户号不一致")
        if fields["appid"] != self.appid:
            return error(400, "APPID_MCHID_NOT_MATCH", "AppID和mch_id不匹配")
        if not OUT_TRADE_NO.fullmatch(fields["out_trade_no"]):
            return error(400, "PARAM_ERROR", "out_trade_no 须为6-32位数字、大小写字母或_-|*")
        if not isinstance(fields["amount.total"], int) or fields["amount.total"] < 1:
            return error(400, "PARAM_ERROR", "amount.total 须为大于0的整数（单位：分）")
        if amount.get("currency", "CNY") != "CNY":
            return error(400, "PARAM_ERROR", "currency 仅支持CNY")
        if not fields["notify_url"].startswith("https://"):
            return error(400, "PARAM_ERROR", "notify_url 须为https地址")
        if len(fields["description"]) > 127:
            return error(400, "PARAM_ERROR", "description 超过127个字符")
        wanted = Order(
            out_trade_no=fields["out_trade_no"],
            appid=self.appid,
            mchid=self.mchid,
            description=fields["description"],
            notify_url=fields["notify_url"],
            total=fields["amount.total"],
            currency="CNY",
            openid=fields["payer.openid"],
            prepay_id="wx" + dt.datetime.now(CHINA).strftime("%d%H%M%S") + secrets.token_hex(14),
            attach=body.get("attach"),
        )
        with self._state:
            existing = self.orders.get(wanted.out_trade_no)
            if existing is None:
                self.orders[wanted.out_trade_no] = wanted
                return Reply(200, {"prepay_id": wanted.prepay_id}, {"Content-Type": JSON})
        if existing.trade_state == "SUCCESS":
            return error(400, "ORDERPAID", "该订单已支付")
        if existing.trade_state == "CLOSED":
            return error(400, "ORDER_CLOSED", "订单已关闭")
        same = (existing.description, existing.total, existing.openid, existing.attach) == (
            wanted.description,
            wanted.total,
            wanted.openid,
            wanted.attach,
        )
        if not same:
            return error(400, "INVALID_REQUEST", "201 商户订单号重复")
        return Reply(200, {"prepay_id": existing.prepay_id}, {"Content-Type": JSON})

    def _query(self, request: Request, kind: str, key: str) -> Reply:
        if request.query.get("mchid", [""])[-1] != self.mchid:
            return error(400, "PARAM_ERROR", "mchid与请求方商户号不一致")
        with self._state:
            if kind == "out-trade-no":
                order = self.orders.get(key)
            else:
                order = next((o for o in self.orders.values() if o.transaction_id == key), None)
            data = order.transaction() if order else None
        if data is None:
            return error(404, "ORDER_NOT_EXIST", "订单不存在")
        return Reply(200, data, {"Content-Type": JSON})

    def _close(self, request: Request, out_trade_no: str) -> Reply:
        try:
            mchid = request.json().get("mchid")
        except (ValueError, AttributeError):
            return error(400, "PARAM_ERROR", "请求体格式错误")
        if mchid != self.mchid:
            return error(400, "PARAM_ERROR", "mchid与请求方商户号不一致")
        with self._state:
            order = self.orders.get(out_trade_no)
            if order is None:
                return error(404, "ORDER_NOT_EXIST", "订单不存在")
            if order.trade_state == "SUCCESS":
                return error(400, "ORDERPAID", "该订单已支付")
            order.trade_state = "CLOSED"
        return Reply(204)

    def _certificates(self) -> Reply:
        if self.mode != "certificate":
            return error(404, "NOT_FOUND", "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥")
        entry = {
            "serial_no": self.keys.platform_cert_serial,
            "effective_time": rfc3339_now(),
            "expire_time": (dt.datetime.now(CHINA) + dt.timedelta(days=5 * 365)).isoformat(
                timespec="seconds"
            ),
            "encrypt_certificate": aes_gcm_encrypt(
                self.keys.apiv3_key, self.keys.platform_cert_pem, "certificate"
            ),
        }
        return Reply(200, {"data": [entry]}, {"Content-Type": JSON})

    def _refund(self, request: Request) -> Reply:
        try:
            body = request.json()
            amount = body.get("amount") or {}
            out_refund_no, refund, total = (
                body.get("out_refund_no"),
                amount.get("refund"),
                amount.get("total"),
            )
        except (ValueError, AttributeError):
            return error(400, "PARAM_ERROR", "请求体格式错误")
        refused = _refund_param_error(body, amount)
        if refused is not None:
            return refused
        with self._state:
            if body.get("out_trade_no"):
                order = self.orders.get(body["out_trade_no"])
            else:
                order = next(
                    (o for o in self.orders.values() if o.transaction_id == body["transaction_id"]), None
                )
            if order is None:
                return error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
            existing = self.refunds.get(out_refund_no)
            if existing is not None:  # a retry: the same refund, or a conflicting reuse of its number
                if (existing.out_trade_no, existing.refund, existing.total) != (
                    order.out_trade_no,
                    refund,
                    total,
                ):
                    return error(400, "INVALID_REQUEST", "商户退款单号已存在，但退款金额或订单不一致")
                return Reply(200, existing.resource(), {"Content-Type": JSON})
            if order.trade_state != "SUCCESS":
                return error(400, "INVALID_REQUEST", "订单未支付，不能发起退款")
            if total != order.total:
                return error(400, "PARAM_ERROR", "订单金额与原订单不一致，请核实后再试")
            refunded = sum(
                r.refund
                for r in self.refunds.values()
                if r.out_trade_no == order.out_trade_no and r.status != "CLOSED"
            )
            if refunded + refund > order.total:
                return error(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
            created = Refund(
                out_refund_no=out_refund_no,
                out_trade_no=order.out_trade_no,
                transaction_id=order.transaction_id or "",
                refund=refund,
                total=total,
                reason=body.get("reason"),
                notify_url=body.get("notify_url"),
            )
            self.refunds[out_refund_no] = created
        return Reply(200, created.resource(), {"Content-Type": JSON})

    def _query_refund(self, out_refund_no: str) -> Reply:
        with self._state:
            refund = self.refunds.get(out_refund_no)
            data = refund.resource() if refund else None
        if data is None:
            return error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return Reply(200, data, {"Content-Type": JSON})

    def bill_rows(self, day: dt.date) -> list[list[str]]:
        """The detail rows of the ALL bill for ``day`` (China time): payments by success time, refunds by the time
        WeChat accepted them, each refund with its status at the time the bill is made."""
        rows = []
        with self._state:
            for order in self.orders.values():
                if (
                    order.trade_state == "SUCCESS"
                    and dt.datetime.fromisoformat(order.success_time).date() == day
                ):
                    rows.append(self._bill_row(order, order.success_time, None))
            for refund in self.refunds.values():
                if dt.datetime.fromisoformat(refund.create_time).date() == day:
                    rows.append(self._bill_row(self.orders[refund.out_trade_no], refund.create_time, refund))
        return rows

    def _bill_row(self, order: Order, when: str, refund: Refund | None) -> list[str]:
        stamp = dt.datetime.fromisoformat(when).strftime("%Y-%m-%d %H:%M:%S")
        fields = {
            "交易时间": stamp,
            "公众账号ID": order.appid,
            "商户号": order.mchid,
            "特约商户号": "0",
            "设备号": "",
            "微信订单号": order.transaction_id or "",
            "商户订单号": order.out_trade_no,
            "用户标识": order.openid,
            "交易类型": "JSAPI",
            "交易状态": "REFUND" if refund else "SUCCESS",
            "付款银行": "OTHERS",
            "货币种类": "CNY",
            "应结订单金额": "0.00" if refund else yuan(order.total),
            "代金券金额": "0.00",
            "微信退款单号": refund.refund_id if refund else "0",
            "商户退款单号": refund.out_refund_no if refund else "0",
            "退款金额": yuan(refund.refund) if refund else "0.00",
            "充值券退款金额": "0.00",
            "退款类型": "ORIGINAL" if refund else "",
            "退款状态": BILL_REFUND_STATUS.get(refund.status, refund.status) if refund else "",
            "商品名称": order.description,
            "商户数据包": order.attach or "",
            "手续费": "0.00000",
            "费率": "0.60%",
            "订单金额": "0.00" if refund else yuan(order.total),
            "申请退款金额": yuan(refund.refund) if refund else "0.00",
            "费率备注": "",
        }
        return [fields[name] for name in BILL_HEADER]

    def _trade_bill(self, request: Request) -> Reply:
        bill_date = request.query.get("bill_date", [""])[-1]
        try:
            day = dt.date.fromisoformat(bill_date)
        except ValueError:
            return error(400, "PARAM_ERROR", "bill_date 格式错误，应为yyyy-MM-DD")
        if request.query.get("bill_type", ["ALL"])[-1] != "ALL":
            return error(400, "PARAM_ERROR", "本测试替身只提供ALL类型账单")
        rows = self.bill_rows(day)
        if not rows:
            return error(400, "NO_STATEMENT_EXIST", "账单文件不存在")
        payments = [r for r in rows if r[9] == "SUCCESS"]
        refunds = [r for r in rows if r[9] == "REFUND"]

        def total(rows: list[list[str]], column: str) -> str:
            index = BILL_HEADER.index(column)
            return yuan(sum(round(float(r[index]) * 100) for r in rows))

        summary = [
            str(len(rows)),
            total(payments, "应结订单金额"),
            total(refunds, "退款金额"),
            "0.00",
            "0.00000",
            total(payments, "订单金额"),
            total(refunds, "申请退款金额"),
        ]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(BILL_HEADER)
        writer.writerows(["`" + value for value in row] for row in rows)
        writer.writerow(BILL_SUMMARY_HEADER)
        writer.writerow(["`" + value for value in summary])
        raw = out.getvalue().encode()
        gzipped = self.gzip_bills and request.query.get("tar_type", [""])[-1] == "GZIP"
        token = secrets.token_urlsafe(24)
        with self._state:
            self.bill_files[token] = gzip.compress(raw) if gzipped else raw
        return Reply(
            200,
            {
                "hash_type": "SHA1",
                "hash_value": hashlib.sha1(raw).hexdigest(),
                "download_url": f"{self.url}/v3/billdownload/file?token={token}",
            },
            {"Content-Type": JSON},
        )

    def _download(self, request: Request) -> Reply:
        with self._state:
            data = self.bill_files.get(request.query.get("token", [""])[-1])
        if data is None:
            return error(400, "INVALID_REQUEST", "下载地址已失效，请重新申请账单")
        return Reply(200, data, {"Content-Type": "application/octet-stream"})
