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
