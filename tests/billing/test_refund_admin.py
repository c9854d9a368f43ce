import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client

from billing import services
from billing.models import Discrepancy, PaymentOrder, Reconciliation, Refund
from tests.billing.helpers import pay_order, place_order, post_notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ORDERS = "/admin/billing/paymentorder/"


def refund_action(client, orders, **form):
    data = {"action": "refund_orders", ACTION_CHECKBOX_NAME: [o.pk for o in orders], **form}
    return client.post(ORDERS, data, follow=True)


def test_the_refund_action_asks_for_amount_and_reason_then_refunds_and_shows_the_refund_inline(
    admin_client, admin_user, owner_client, api_client, payer, credits_product, wechatpay
):
    order = PaymentOrder.objects.get(
        out_trade_no=pay_order(owner_client, api_client, wechatpay, "credits-100")
    )
    services.spend_credits(user=payer, amount=95, reference="classify:1")

    form = refund_action(admin_client, [order])
    assert "确认退款" in form.content.decode()
    assert "可退 990 分" in form.content.decode()
    assert not Refund.objects.exists()

    done = refund_action(admin_client, [order], apply="1", amount_fen="", reason="重复购买")

    assert "退款 990 分，退款中" in done.content.decode()
    refund = Refund.objects.get()
    assert (refund.amount_fen, refund.reason, refund.created_by) == (990, "重复购买", admin_user)
    post_notification(api_client, *wechatpay.refund_notification(refund.out_refund_no))
    page = admin_client.get(f"{ORDERS}{order.pk}/change/").content.decode()
    assert refund.out_refund_no in page
    assert "退款成功" in page
    listing = admin_client.get("/admin/billing/refund/", {"status": "success"}).content.decode()
    assert refund.out_refund_no in listing
    assert ">95<" in listing


def test_the_refund_action_reports_orders_that_cannot_be_refunded(
    admin_client, owner_client, payer, credits_product, wechatpay
):
    place_order(owner_client, "credits-100")
    order = PaymentOrder.objects.get()

    done = refund_action(admin_client, [order], apply="1", reason="试试")

    assert "订单未支付或已全额退款" in done.content.decode()
    assert not Refund.objects.exists()


def test_staff_without_order_rights_get_no_refund_action(owner_client, payer, credits_product, wechatpay):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_paymentorder"))
    client = Client()
    client.force_login(viewer)

    page = client.get(ORDERS)

    assert page.status_code == 200
    assert "refund_orders" not in page.content.decode()


def test_the_reconciliation_lists_filter_by_result_and_discrepancy_kind(admin_client, db):
    ok = Reconciliation.objects.create(date=dt.date(2026, 11, 28), status="ok")
    bad = Reconciliation.objects.create(date=dt.date(2026, 11, 29), status="discrepancies")
    for kind in ("missing_there", "amount_mismatch"):
        Discrepancy.objects.create(reconciliation=bad, kind=kind, out_trade_no=f"XT{kind.upper()[:10]}")
    Discrepancy.objects.create(
        reconciliation=ok, kind="lost_notification", out_trade_no="XTLOST", resolved=True
    )

    by_kind = admin_client.get("/admin/billing/reconciliation/", {"discrepancies__kind": "missing_there"})
    by_status = admin_client.get("/admin/billing/reconciliation/", {"status__exact": "ok"})
    page = admin_client.get(f"/admin/billing/reconciliation/{bad.pk}/change/").content.decode()
    open_only = admin_client.get("/admin/billing/discrepancy/", {"resolved__exact": "0"}).content.decode()

    assert [r.pk for r in by_kind.context["cl"].result_list] == [bad.pk]
    assert [r.pk for r in by_status.context["cl"].result_list] == [ok.pk]
    assert "XTMISSING_TH" in page
    assert "XTAMOUNT_MI" in page
    assert "XTLOST" not in open_only
    assert "XTMISSING_TH" in open_only
