from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse

from core.admin import ReadOnlyAdmin
from core.exceptions import ApplicationError

from . import services
from .models import (
    CreditAccount,
    CreditLedger,
    Discrepancy,
    Membership,
    PaymentOrder,
    Product,
    Reconciliation,
    Refund,
    WeChatAccount,
)

User = get_user_model()


class ReadOnlyInline(InlineModelAdmin):
    """Rows that only services write, shown beside their parent: no adding or deleting (fields are read-only)."""

    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


class WeChatAccountInline(ReadOnlyInline, admin.StackedInline):
    model = WeChatAccount
    fields = readonly_fields = ("openid", "unionid", "nickname", "created_at", "last_login_at")


class CreditAccountInline(ReadOnlyInline, admin.StackedInline):
    model = CreditAccount
    fields = readonly_fields = ("balance", "updated_at")
    verbose_name_plural = "积分（用“调整积分”操作修改）"


class MembershipInline(admin.StackedInline):
    model = Membership
    can_delete = False
    fields = ["expires_at", "updated_at"]
    readonly_fields = ["updated_at"]
    extra = 0
    max_num = 1


class AdjustCreditsForm(forms.Form):
    delta = forms.IntegerField(label="积分变动（可为负）", help_text="正数增加，负数扣除；余额不能低于 0")
    note = forms.CharField(label="备注", max_length=255)

    def clean_delta(self):
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError("变动不能为 0")
        return delta


def _confirm(modeladmin, request, queryset, action: str, form, **context) -> TemplateResponse:
    """The confirmation page of a bulk action (``billing/admin/<action>.html``), posting the selection back."""
    return TemplateResponse(
        request,
        f"billing/admin/{action}.html",
        {
            **modeladmin.admin_site.each_context(request),
            **context,
            "form": form,
            "action": action,
            "selected": [obj.pk for obj in queryset],
            "opts": modeladmin.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        },
    )


@admin.action(description="调整积分", permissions=["change"])
def adjust_credits(modeladmin, request, queryset):
    form = AdjustCreditsForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        done, short = 0, []
        for user in queryset:
            try:
                services.adjust_credits(
                    user=user,
                    delta=form.cleaned_data["delta"],
                    staff=request.user,
                    note=form.cleaned_data["note"],
                )
                done += 1
            except services.InsufficientCredits:
                short.append(user.get_username())
        if done:
            modeladmin.message_user(request, f"已为 {done} 个用户调整积分 {form.cleaned_data['delta']:+d}")
        if short:
            modeladmin.message_user(request, f"余额不足，未调整：{', '.join(short)}", messages.ERROR)
        return None
    return _confirm(
        modeladmin,
        request,
        queryset,
        "adjust_credits",
        form,
        title="调整积分",
        submit="确认调整",
        users=queryset,
    )


@admin.display(description="积分")
def credit_balance(user):
    account = getattr(user, "credit_account", None)
    return account.balance if account else 0


@admin.display(description="会员到期")
def member_until(user):
    membership = getattr(user, "membership", None)
    return membership.expires_at if membership else None


@admin.display(description="openid")
def wechat_openid(user):
    account = getattr(user, "wechat_account", None)
    return account.openid if account else ""


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class BillingUserAdmin(UserAdmin):
    inlines = [WeChatAccountInline, CreditAccountInline, MembershipInline]
    actions = [adjust_credits]
    list_display = [
        "username",
        "email",
        wechat_openid,
        credit_balance,
        member_until,
        "is_staff",
        "date_joined",
    ]
    list_select_related = ["wechat_account", "credit_account", "membership"]
    search_fields = [*UserAdmin.search_fields, "wechat_account__openid", "wechat_account__nickname"]
    list_filter = [*UserAdmin.list_filter, "date_joined"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "price_fen", "credits", "membership_days", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]


REFUND_FIELDS = (
    "out_refund_no",
    "amount_fen",
    "reason",
    "status",
    "refund_id",
    "failure_message",
    "credits_taken",
    "credits_shortfall",
    "membership_seconds_taken",
    "membership_seconds_shortfall",
    "created_by",
    "created_at",
    "succeeded_at",
)


class RefundInline(ReadOnlyInline, admin.TabularInline):
    model = Refund
    fields = readonly_fields = REFUND_FIELDS
    verbose_name_plural = "退款（用“退款”操作发起）"


class RefundForm(forms.Form):
    amount_fen = forms.IntegerField(
        label="退款金额（分）", required=False, min_value=1, help_text="留空：退还剩余可退金额"
    )
    reason = forms.CharField(label="退款原因", max_length=80, help_text="用户可见")


@admin.action(description="退款", permissions=["refund"])
def refund_orders(modeladmin, request, queryset):
    form = RefundForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        for order in queryset:
            try:
                refund = services.create_refund(order=order, staff=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                modeladmin.message_user(request, f"{order.out_trade_no}：{exc.message}", messages.ERROR)
                continue
            level = messages.ERROR if refund.status == Refund.Status.CLOSED else messages.SUCCESS
            detail = f"（{refund.failure_message}）" if refund.failure_message else ""
            modeladmin.message_user(
                request,
                f"{order.out_trade_no}：退款 {refund.amount_fen} 分，{refund.get_status_display()}{detail}",
                level,
            )
        return None
    orders = [(order, services.refundable_fen(order)) for order in queryset]
    return _confirm(
        modeladmin, request, queryset, "refund_orders", form, title="退款", submit="确认退款", orders=orders
    )


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ReadOnlyAdmin):
    list_display = ["out_trade_no", "user", "product", "amount_fen", "status", "created_at", "paid_at"]
    list_filter = ["status", "product", "created_at"]
    search_fields = ["out_trade_no", "transaction_id", "user__username", "payer_openid"]
    list_select_related = ["user", "product"]
    date_hierarchy = "created_at"
    inlines = [RefundInline]
    actions = [refund_orders]

    def has_refund_permission(self, request):
        # the orders stay read-only; refunding is its own permission (staff who may change orders)
        return request.user.has_perm("billing.change_paymentorder")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = [
        "out_refund_no",
        "order",
        "amount_fen",
        "status",
        "credits_taken",
        "credits_shortfall",
        "membership_shortfall_days",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "created_at"]
    search_fields = ["out_refund_no", "refund_id", "order__out_trade_no", "order__user__username"]
    list_select_related = ["order", "created_by"]
    date_hierarchy = "created_at"

    @admin.display(description="会员缺口（天）")
    def membership_shortfall_days(self, obj):
        return round(obj.membership_seconds_shortfall / 86400, 2)


class DiscrepancyInline(ReadOnlyInline, admin.TabularInline):
    model = Discrepancy
    fields = readonly_fields = (
        "kind",
        "out_trade_no",
        "out_refund_no",
        "our_amount_fen",
        "bill_amount_fen",
        "our_status",
        "bill_status",
        "resolved",
        "note",
    )


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "status",
        "bill_payments",
        "our_payments",
        "bill_refunds",
        "our_refunds",
        "open_discrepancies",
        "updated_at",
    ]
    list_filter = ["status", "date", "discrepancies__kind", "discrepancies__resolved"]
    date_hierarchy = "date"
    inlines = [DiscrepancyInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("discrepancies")

    @admin.display(description="未处理差异")
    def open_discrepancies(self, obj):
        return sum(1 for d in obj.discrepancies.all() if not d.resolved)


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyAdmin):
    list_display = [
        "reconciliation",
        "kind",
        "out_trade_no",
        "out_refund_no",
        "our_amount_fen",
        "bill_amount_fen",
        "our_status",
        "bill_status",
        "resolved",
    ]
    list_filter = ["kind", "resolved", "reconciliation__date"]
    search_fields = ["out_trade_no", "out_refund_no"]
    list_select_related = ["reconciliation"]


@admin.register(CreditLedger)
class CreditLedgerAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "user",
        "delta",
        "reason",
        "balance_after",
        "reference",
        "created_by",
        "note",
    ]
    list_filter = ["reason", "created_at"]
    search_fields = ["user__username", "reference", "note"]
    list_select_related = ["user", "created_by"]
    date_hierarchy = "created_at"


@admin.register(WeChatAccount)
class WeChatAccountAdmin(ReadOnlyAdmin):
    list_display = ["openid", "user", "nickname", "unionid", "created_at", "last_login_at"]
    search_fields = ["openid", "unionid", "nickname", "user__username"]
    list_select_related = ["user"]
    exclude = ["session_key_encrypted"]
