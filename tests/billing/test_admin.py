import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from billing import services
from billing.models import CreditLedger, PaymentOrder, Product, WeChatAccount

pytestmark = pytest.mark.django_db
USERS = "/admin/auth/user/"


def adjust(client, users, **form):
    data = {"action": "adjust_credits", ACTION_CHECKBOX_NAME: [u.pk for u in users], **form}
    return client.post(USERS, data, follow=True)


def test_the_user_page_shows_wechat_credits_and_membership(admin_client, owner):
    WeChatAccount.objects.create(user=owner, openid="oAdminView000000000000000001", nickname="小芯")
    services.grant_credits(user=owner, amount=42)

    changelist = admin_client.get(USERS, {"q": "oAdminView000000000000000001"})
    page = admin_client.get(f"{USERS}{owner.pk}/change/")

    assert changelist.status_code == page.status_code == 200
    assert "owner" in changelist.content.decode()
    assert "42" in changelist.content.decode()
    html = page.content.decode()
    assert "oAdminView000000000000000001" in html
    assert "小芯" in html
    assert "session_key" not in html


def test_the_adjust_action_asks_for_an_amount_and_a_note_then_writes_the_ledger(
    admin_client, admin_user, owner, teammate
):
    services.grant_credits(user=teammate, amount=5)

    form = adjust(admin_client, [owner, teammate])
    assert form.status_code == 200
    assert "确认调整" in form.content.decode()  # the intermediate form, nothing written yet
    assert CreditLedger.objects.filter(reason="admin_adjust").count() == 0

    done = adjust(admin_client, [owner, teammate], apply="1", delta="10", note="补偿：识别故障")

    assert done.status_code == 200
    entries = CreditLedger.objects.filter(reason="admin_adjust").order_by("user__username")
    assert [(e.user.username, e.delta, e.balance_after, e.created_by, e.note) for e in entries] == [
        ("owner", 10, 10, admin_user, "补偿：识别故障"),
        ("teammate", 10, 15, admin_user, "补偿：识别故障"),
    ]


def test_the_adjust_action_never_takes_a_balance_below_zero(admin_client, owner, teammate):
    services.grant_credits(user=teammate, amount=5)

    response = adjust(admin_client, [owner, teammate], apply="1", delta="-3", note="撤销误发")

    assert "余额不足" in response.content.decode()
    assert "owner" in response.content.decode()
    assert services.balance(owner) == 0
    assert services.balance(teammate) == 2
    assert CreditLedger.objects.filter(reason="admin_adjust").count() == 1


def test_the_adjust_action_requires_a_note_and_a_non_zero_amount(admin_client, owner):
    for form in ({"delta": "5", "note": ""}, {"delta": "0", "note": "x"}):
        response = adjust(admin_client, [owner], apply="1", **form)
        assert "确认调整" in response.content.decode()  # the form again, with its errors
    assert not CreditLedger.objects.exists()


def test_orders_and_ledger_are_read_only_and_products_editable(admin_client, owner, credits_product):
    services.grant_credits(user=owner, amount=1)
    order = PaymentOrder.objects.create(
        out_trade_no="XTADMIN0001",
        user=owner,
        product=credits_product,
        description="x",
        amount_fen=990,
        credits=100,
        payer_openid="o1",
        expires_at="2030-01-01T00:00:00Z",
    )
    entry = CreditLedger.objects.get()

    assert admin_client.get("/admin/billing/paymentorder/", {"q": "XTADMIN"}).status_code == 200
    assert admin_client.get("/admin/billing/paymentorder/add/").status_code == 403
    assert admin_client.post(f"/admin/billing/paymentorder/{order.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/billing/creditledger/add/").status_code == 403
    view = admin_client.post(f"/admin/billing/creditledger/{entry.pk}/change/", {"delta": "999"})
    assert view.status_code == 403
    assert CreditLedger.objects.get().delta == 1

    response = admin_client.post(
        "/admin/billing/product/add/",
        {
            "code": "member-365",
            "name": "年度会员",
            "kind": "membership",
            "price_fen": "9900",
            "credits": "0",
            "membership_days": "365",
            "active": "on",
            "sort_order": "0",
        },
    )
    assert response.status_code == 302
    assert Product.objects.get(code="member-365").membership_days == 365


def test_the_user_page_offers_membership_for_editing_but_credits_only_through_the_ledger(admin_client, owner):
    services.grant_credits(user=owner, amount=3)
    services.extend_membership(user=owner, days=30)
    html = admin_client.get(f"{USERS}{owner.pk}/change/").content.decode()
    assert 'name="membership-0-expires_at_0"' in html
    assert 'name="credit_account-0-balance"' not in html  # shown, not editable
