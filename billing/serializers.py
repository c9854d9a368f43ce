from django.contrib.auth.models import User
from rest_framework import serializers

from core import serializers as strict

from .models import CreditLedger, Discrepancy, PaymentOrder, Product, Reconciliation, Refund


class ProductOutput(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["code", "name", "kind", "price_fen", "credits", "membership_days"]


class OrderCreateInput(strict.Serializer):
    product = serializers.SlugField(max_length=32, help_text="Product code")


class OrderOutput(serializers.ModelSerializer):
    product: serializers.SlugRelatedField[Product] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = PaymentOrder
        fields = [
            "out_trade_no",
            "product",
            "description",
            "amount_fen",
            "credits",
            "membership_days",
            "status",
            "created_at",
            "expires_at",
            "paid_at",
            "closed_at",
        ]


class RequestPaymentOutput(serializers.Serializer):
    """Pass these to wx.requestPayment as they are."""

    appId = serializers.CharField()
    timeStamp = serializers.CharField()
    nonceStr = serializers.CharField()
    package = serializers.CharField()
    signType = serializers.CharField()
    paySign = serializers.CharField()


class CheckoutOutput(serializers.Serializer):
    order = OrderOutput()
    payment = RequestPaymentOutput()


class LedgerEntryOutput(serializers.ModelSerializer):
    class Meta:
        model = CreditLedger
        fields = ["id", "delta", "reason", "reference", "balance_after", "created_at"]


class CreditSummaryOutput(serializers.Serializer):
    balance = serializers.IntegerField()
    is_member = serializers.BooleanField()
    membership_expires_at = serializers.DateTimeField(allow_null=True)
    free_remote_classifications_left_today = serializers.IntegerField()
    free_remote_classifications_per_day = serializers.IntegerField()
    credits_per_remote_classification = serializers.IntegerField()


class NotifyFailureOutput(serializers.Serializer):
    code = serializers.CharField(default="FAIL")
    message = serializers.CharField()


class RefundCreateInput(strict.Serializer):
    amount_fen = serializers.IntegerField(
        required=False, help_text="默认：剩余可退金额 (default: all that is left)"
    )
    reason = serializers.CharField(max_length=80, help_text="退款原因，用户可见")


class RefundOutput(serializers.ModelSerializer):
    out_trade_no = serializers.CharField(source="order.out_trade_no")
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Refund
        fields = [
            "out_refund_no",
            "out_trade_no",
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
            "accepted_at",
            "succeeded_at",
            "closed_at",
        ]


class ReconciliationQuery(strict.Serializer):
    date = strict.FilledDateField(required=False)


class DiscrepancyOutput(serializers.ModelSerializer):
    class Meta:
        model = Discrepancy
        fields = [
            "kind",
            "out_trade_no",
            "out_refund_no",
            "our_amount_fen",
            "bill_amount_fen",
            "our_status",
            "bill_status",
            "resolved",
            "note",
        ]


class ReconciliationOutput(serializers.ModelSerializer):
    discrepancies = DiscrepancyOutput(many=True)

    class Meta:
        model = Reconciliation
        fields = [
            "date",
            "status",
            "error",
            "bill_payments",
            "bill_payment_fen",
            "bill_refunds",
            "bill_refund_fen",
            "our_payments",
            "our_payment_fen",
            "our_refunds",
            "our_refund_fen",
            "discrepancies",
            "updated_at",
        ]
