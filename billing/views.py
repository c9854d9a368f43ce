import dataclasses
import logging

from django.db import DatabaseError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .models import CreditLedger, PaymentOrder, Reconciliation
from .serializers import (
    CheckoutOutput,
    CreditSummaryOutput,
    LedgerEntryOutput,
    NotifyFailureOutput,
    OrderCreateInput,
    OrderOutput,
    ProductOutput,
    ReconciliationOutput,
    ReconciliationQuery,
    RefundCreateInput,
    RefundOutput,
)
from .wechatpay import NotificationRejected

logger = logging.getLogger(__name__)


class ProductListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ProductOutput

    def get_queryset(self):
        return selectors.active_products()

    @extend_schema(summary="Products on sale", tags=["billing"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrderListCreateView(generics.ListAPIView):
    serializer_class = OrderOutput
    queryset = PaymentOrder.objects.none()  # for the schema; get_queryset is the real one

    def get_queryset(self):
        return selectors.orders_of(self.request.user)

    @extend_schema(summary="My payment orders", tags=["billing"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=OrderCreateInput,
        responses={
            201: CheckoutOutput,
            503: OpenApiResponse(description="wechatpay_unavailable / wechatpay_not_configured"),
        },
        summary="Order a product and get the wx.requestPayment parameters",
        description=(
            "Creates a payment order and a WeChat Pay JSAPI prepay. Errors: 404 `product_not_found`, "
            "400 `wechat_account_required` (log in with WeChat first), 503 `wechatpay_unavailable` / "
            "`wechatpay_not_configured`, 502 `wechatpay_rejected`."
        ),
        tags=["billing"],
    )
    def post(self, request):
        data = OrderCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        checkout = services.create_order(user=request.user, product_code=data.validated_data["product"])
        return Response(
            {"order": OrderOutput(checkout.order).data, "payment": checkout.payment},
            status=status.HTTP_201_CREATED,
        )


class OrderDetailView(APIView):
    @extend_schema(
        responses=OrderOutput,
        summary="One of my orders",
        description="While the order is pending this asks WeChat Pay too, in case a notification was lost.",
        tags=["billing"],
    )
    def get(self, request, out_trade_no: str):
        order = selectors.order_of(user=request.user, out_trade_no=out_trade_no)
        return Response(OrderOutput(services.refresh_order(order)).data)


class OrderRefundsView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=RefundOutput(many=True), summary="An order's refunds (staff)", tags=["billing"])
    def get(self, request, out_trade_no: str):
        order = selectors.order_for_staff(out_trade_no)
        return Response(RefundOutput(selectors.refunds_of(order), many=True).data)

    @extend_schema(
        request=RefundCreateInput,
        responses={201: RefundOutput},
        summary="Refund (part of) a paid order through WeChat Pay (staff)",
        description=(
            "Refunds `amount_fen` (default: all that is left). `status` is `processing` until WeChat Pay says "
            "`success` (then the credits or membership days bought are taken back), `closed` or `abnormal`. "
            "Errors: 403 for non-staff, 404 `not_found`, 409 `order_not_refundable` (not paid, or nothing left "
            "to refund), 400 `refund_amount_invalid`, 503 `wechatpay_not_configured`."
        ),
        tags=["billing"],
    )
    def post(self, request, out_trade_no: str):
        data = RefundCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = selectors.order_for_staff(out_trade_no)
        refund = services.create_refund(order=order, staff=request.user, **data.validated_data)
        return Response(RefundOutput(refund).data, status=status.HTTP_201_CREATED)


class ReconciliationListView(generics.ListAPIView):
    permission_classes = [IsAdminUser]
    serializer_class = ReconciliationOutput
    queryset = Reconciliation.objects.none()  # for the schema; get_queryset is the real one

    def get_queryset(self):
        query = ReconciliationQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.reconciliations(date=query.validated_data.get("date"))

    @extend_schema(
        parameters=[ReconciliationQuery],
        summary="Daily WeChat Pay bill reconciliations with their discrepancies (staff)",
        tags=["billing"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WeChatPayNotifyView(APIView):
    """WeChat Pay's payment and refund notifications (told apart by ``event_type``, so either URL takes both).
    Answers in WeChat's format, not the API error envelope."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []  # WeChat retries refused notifications; never drop one for rate

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="Accepted (also for duplicates)"),
            (400, "application/json"): NotifyFailureOutput,
            (401, "application/json"): NotifyFailureOutput,
            (503, "application/json"): NotifyFailureOutput,
        },
        summary="WeChat Pay notification: payment or refund (called by WeChat Pay)",
        description=(
            "Verifies `Wechatpay-Signature` with the key `Wechatpay-Serial` names (the WeChat Pay public key or a "
            "platform certificate), refuses timestamps older than 5 minutes, decrypts the resource with the "
            "APIv3 key and checks it against the order (TRANSACTION.SUCCESS) or refund (REFUND.SUCCESS / "
            "ABNORMAL / CLOSED)."
        ),
        auth=[],
        tags=["billing"],
    )
    def post(self, request):
        try:
            services.handle_notification(headers=request.headers, body=request.body)
        except NotificationRejected as exc:
            logger.warning("WeChat Pay notification refused: %s", exc.message)
            return Response({"code": "FAIL", "message": exc.message}, status=exc.status)
        except DatabaseError:
            logger.exception("WeChat Pay notification could not be recorded")
            return Response({"code": "FAIL", "message": "try again later"}, status=503)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CreditSummaryView(APIView):
    @extend_schema(
        responses=CreditSummaryOutput,
        summary="My credits, membership and today's free quota",
        tags=["billing"],
    )
    def get(self, request):
        return Response(dataclasses.asdict(selectors.credit_summary(request.user)))


class LedgerListView(generics.ListAPIView):
    serializer_class = LedgerEntryOutput
    queryset = CreditLedger.objects.none()  # for the schema; get_queryset is the real one

    def get_queryset(self):
        return selectors.ledger_of(self.request.user)

    @extend_schema(summary="My credit ledger", tags=["billing"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
