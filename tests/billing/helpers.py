"""Shared helpers for the billing tests."""

import threading
import time
from collections import Counter
from collections.abc import Callable

from django.db import OperationalError, connection
from django.db.models import Sum

from billing.models import CreditLedger

ON_SQLITE = connection.vendor == "sqlite"

NOTIFY_URL = "https://xintu.example.com/api/v1/billing/wechat/notify"
NOTIFY_PATH = "/api/v1/billing/wechat/notify"


def point_wechatpay_at(fake, *, settings, keys) -> None:
    """Point WeChat Pay at a local v3 fake (``fake``), with the generated merchant and platform ``keys``."""
    settings.WECHAT_APP_ID = fake.appid
    settings.WECHATPAY_MCH_ID = fake.mchid
    settings.WECHATPAY_PRIVATE_KEY_PATH = str(keys.merchant_private_key_path)
    settings.WECHATPAY_CERT_SERIAL_NO = keys.merchant_cert_serial
    settings.WECHATPAY_APIV3_KEY = keys.apiv3_key
    settings.WECHATPAY_PUBLIC_KEY_PATH = str(keys.platform_public_key_path)
    settings.WECHATPAY_PUBLIC_KEY_ID = keys.public_key_id
    settings.WECHATPAY_NOTIFY_URL = NOTIFY_URL
    settings.WECHATPAY_BASE_URL = fake.url


def as_meta(headers: dict[str, str]) -> dict[str, str]:
    """HTTP headers as Django test-client keyword arguments."""
    return {"HTTP_" + key.upper().replace("-", "_"): value for key, value in headers.items()}


def post_notification(client, headers: dict[str, str], body: bytes):
    extra = as_meta({k: v for k, v in headers.items() if k.lower() != "content-type"})
    return client.post(NOTIFY_PATH, data=body, content_type="application/json", **extra)


def place_order(client, product_code: str):
    return client.post("/api/v1/billing/orders", {"product": product_code})


def pay_order(client, api_client, wechatpay, product_code: str) -> str:
    """Order ``product_code`` as ``client``'s user and pay it (WeChat's notification delivered); its number."""
    out_trade_no = place_order(client, product_code).json()["order"]["out_trade_no"]
    assert post_notification(api_client, *wechatpay.notification(out_trade_no)).status_code == 204
    return out_trade_no


def request_refund(client, out_trade_no: str, **body):
    return client.post(f"/api/v1/billing/orders/{out_trade_no}/refunds", {"reason": "用户申请退款", **body})


def sqlite_busy(exc: BaseException) -> bool:
    return ON_SQLITE and isinstance(exc, OperationalError) and "locked" in str(exc)


def race(
    count: int, attempt: Callable[[int], object], *, retry_if: Callable[[object], bool]
) -> tuple[list, int]:
    """Run ``attempt(i)`` in ``count`` threads released together; returns (results, retries)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    retries = Counter()

    def run(i: int) -> None:
        try:
            barrier.wait()
            while True:
                try:
                    outcome = attempt(i)
                except Exception as exc:
                    outcome = exc
                if not retry_if(outcome):
                    results[i] = outcome
                    return
                retries[i] += 1
                time.sleep(0.005)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results, sum(retries.values())


def ledger_sum(user) -> int:
    return CreditLedger.objects.filter(user=user).aggregate(total=Sum("delta"))["total"] or 0
