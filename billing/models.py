"""WeChat identities, products and payment orders, and the credit/membership books.

Balances only move through ``billing.services.credits`` (a conditional UPDATE plus a ledger row in one
transaction); the CHECK constraints are the last line of defence, not the mechanism.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .crypto import decrypt_text


class WeChatAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wechat_account"
    )
    openid = models.CharField("openid", max_length=64, unique=True)
    unionid = models.CharField("unionid", max_length=64, blank=True, db_index=True)
    nickname = models.CharField("昵称", max_length=64, blank=True)
    # Fernet token (see billing.crypto); the session key signs wx.getUserInfo data and must not leak.
    session_key_encrypted = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "微信账号"

    def __str__(self) -> str:
        return self.openid

    @property
    def session_key(self) -> str:
        return decrypt_text(self.session_key_encrypted) if self.session_key_encrypted else ""


class Product(models.Model):
    class Kind(models.TextChoices):
        CREDITS = "credits", "积分包"
        MEMBERSHIP = "membership", "会员"

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    price_fen = models.PositiveIntegerField("价格（分）")
    credits = models.PositiveIntegerField("积分", default=0)
    membership_days = models.PositiveIntegerField("会员天数", default=0)
    active = models.BooleanField("上架", default=True)
    sort_order = models.IntegerField("排序", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "商品"
        ordering = ["sort_order", "price_fen", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="billing_product_price_positive"),
            models.CheckConstraint(
                condition=Q(kind="credits", credits__gt=0) | Q(kind="membership", membership_days__gt=0),
                name="billing_product_grants_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PaymentOrder(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", "待支付"
        PAID = "paid", "已支付"
        CLOSED = "closed", "已关闭"
        REFUNDED = "refunded", "已退款"

    out_trade_no = models.CharField("商户订单号", max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payment_orders"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="orders")
    # What was sold, frozen at order time: editing the product never changes an order.
    description = models.CharField("描述", max_length=127)
    amount_fen = models.PositiveIntegerField("金额（分）")
    credits = models.PositiveIntegerField("积分", default=0)
    membership_days = models.PositiveIntegerField("会员天数", default=0)
    payer_openid = models.CharField("付款人 openid", max_length=64)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.CREATED)
    prepay_id = models.CharField(max_length=64, blank=True)
    transaction_id = models.CharField("微信支付单号", max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField("支付截止")
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField("最近查单", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "支付订单"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="billing_order_status_created")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="billing_order_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.out_trade_no


class Refund(models.Model):
    """Money back for (part of) a paid order. The refunds of an order that are not closed never add up to more
    than it was paid; what the purchase granted is taken back once, when the refund reaches ``success``."""

    class Status(models.TextChoices):
        PROCESSING = "processing", "退款中"
        SUCCESS = "success", "退款成功"
        CLOSED = "closed", "已关闭"
        ABNORMAL = "abnormal", "退款异常"

    out_refund_no = models.CharField("商户退款单号", max_length=64, unique=True)
    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, related_name="refunds")
    amount_fen = models.PositiveIntegerField("退款金额（分）")
    reason = models.CharField("退款原因", max_length=80)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PROCESSING)
    refund_id = models.CharField("微信退款单号", max_length=64, blank=True, db_index=True)
    failure_message = models.CharField("微信拒绝原因", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    # What was taken back when it succeeded; a shortfall is what the user had already used up.
    credits_taken = models.PositiveIntegerField("收回积分", default=0)
    credits_shortfall = models.PositiveIntegerField("积分缺口", default=0)
    membership_seconds_taken = models.PositiveBigIntegerField("收回会员（秒）", default=0)
    membership_seconds_shortfall = models.PositiveBigIntegerField("会员缺口（秒）", default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    accepted_at = models.DateTimeField(
        "微信受理", null=True, blank=True
    )  # WeChat's create_time: the bill's day
    succeeded_at = models.DateTimeField("退款成功", null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField("最近查询", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "退款"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="billing_refund_status_created")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="billing_refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.out_refund_no


class Reconciliation(models.Model):
    """One day's comparison of WeChat Pay's trade bill with our orders and refunds."""

    class Status(models.TextChoices):
        OK = "ok", "一致"
        DISCREPANCIES = "discrepancies", "有差异"
        FAILED = "failed", "未取得账单"

    date = models.DateField("账单日期", unique=True)
    status = models.CharField("结果", max_length=16, choices=Status.choices)
    error = models.CharField("错误", max_length=255, blank=True)
    bill_payments = models.PositiveIntegerField("账单支付笔数", default=0)
    bill_payment_fen = models.PositiveBigIntegerField("账单支付金额（分）", default=0)
    bill_refunds = models.PositiveIntegerField("账单退款笔数", default=0)
    bill_refund_fen = models.PositiveBigIntegerField("账单退款金额（分）", default=0)
    our_payments = models.PositiveIntegerField("我方支付笔数", default=0)
    our_payment_fen = models.PositiveBigIntegerField("我方支付金额（分）", default=0)
    our_refunds = models.PositiveIntegerField("我方退款笔数", default=0)
    our_refund_fen = models.PositiveBigIntegerField("我方退款金额（分）", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField("最近核对", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "对账"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.status}"


class Discrepancy(models.Model):
    class Kind(models.TextChoices):
        LOST_NOTIFICATION = "lost_notification", "漏通知（已按账单入账）"
        MISSING_HERE = "missing_here", "微信有、我方无"
        MISSING_THERE = "missing_there", "我方有、微信无"
        AMOUNT_MISMATCH = "amount_mismatch", "金额不符"
        STATUS_MISMATCH = "status_mismatch", "状态不符"
        REFUND_MISSING_HERE = "refund_missing_here", "退款：微信有、我方无"
        REFUND_MISSING_THERE = "refund_missing_there", "退款：我方有、微信无"
        REFUND_AMOUNT_MISMATCH = "refund_amount_mismatch", "退款金额不符"
        REFUND_STATUS_MISMATCH = "refund_status_mismatch", "退款状态不符"

    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="discrepancies")
    kind = models.CharField("类型", max_length=32, choices=Kind.choices)
    out_trade_no = models.CharField("商户订单号", max_length=32, blank=True, db_index=True)
    out_refund_no = models.CharField("商户退款单号", max_length=64, blank=True)
    our_amount_fen = models.PositiveIntegerField("我方金额（分）", null=True, blank=True)
    bill_amount_fen = models.PositiveIntegerField("账单金额（分）", null=True, blank=True)
    our_status = models.CharField("我方状态", max_length=16, blank=True)
    bill_status = models.CharField("账单状态", max_length=16, blank=True)
    resolved = models.BooleanField("已自动处理", default=False)
    note = models.CharField("说明", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "对账差异"
        ordering = ["reconciliation", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.out_refund_no or self.out_trade_no}"


class CreditAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credit_account"
    )
    balance = models.BigIntegerField("积分余额", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分账户"
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="billing_credit_balance_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.balance}"


class CreditLedger(models.Model):
    """Append-only: every balance change is one row; the sum of ``delta`` per user equals the balance."""

    class Reason(models.TextChoices):
        PURCHASE = "purchase", "购买"
        SPEND = "spend", "消费"
        REFUND = "refund", "退还"
        GRANT = "grant", "赠送"
        ADMIN_ADJUST = "admin_adjust", "后台调整"
        REFUND_PURCHASE = "refund_purchase", "退款收回"  # reference: the Refund's out_refund_no

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_ledger")
    delta = models.BigIntegerField("变动")
    reason = models.CharField("原因", max_length=16, choices=Reason.choices)
    reference = models.CharField("关联", max_length=128, blank=True)
    balance_after = models.BigIntegerField("变动后余额")
    note = models.CharField("备注", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分流水"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="billing_ledger_user_created")]
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="billing_ledger_delta_non_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="billing_ledger_balance_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.delta:+d} {self.reason}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are append-only.")


class CreditReservation(models.Model):
    """Credits held for a long-running paid action: spent (ledger ``spend``) at reserve time, then either
    captured on success or released (ledger ``refund``) on failure, exactly once."""

    class Status(models.TextChoices):
        HELD = "held", "预扣"
        CAPTURED = "captured", "已扣除"
        RELEASED = "released", "已退还"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField()
    reference = models.CharField(max_length=128, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.HELD)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分预扣"
        indexes = [models.Index(fields=["status", "created_at"], name="billing_reserve_status_created")]

    def __str__(self) -> str:
        return self.reference


class Membership(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    expires_at = models.DateTimeField("到期时间")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "会员"

    def __str__(self) -> str:
        return f"{self.user} → {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def active(self) -> bool:
        return self.expires_at > timezone.now()


class DailyUsage(models.Model):
    """Free remote classifications used per user and day (Asia/Shanghai); bumped by a conditional UPDATE."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    free_used = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "每日免费用量"
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="billing_usage_user_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.day} {self.free_used}"
