"""Shared helpers for the billing tests."""

NOTIFY_URL = "https://xintu.example.com/api/v1/billing/wechat/notify"
NOTIFY_PATH = "/api/v1/billing/wechat/notify"


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
