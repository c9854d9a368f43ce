from django.urls import path

from . import views

urlpatterns = [
    path("billing/products", views.ProductListView.as_view(), name="billing-products"),
    path("billing/orders", views.OrderListCreateView.as_view(), name="billing-orders"),
    path("billing/orders/<str:out_trade_no>", views.OrderDetailView.as_view(), name="billing-order"),
    path(
        "billing/orders/<str:out_trade_no>/refunds",
        views.OrderRefundsView.as_view(),
        name="billing-order-refunds",
    ),
    path("billing/reconciliations", views.ReconciliationListView.as_view(), name="billing-reconciliations"),
    path("billing/wechat/notify", views.WeChatPayNotifyView.as_view(), name="billing-wechat-notify"),
    path(
        "billing/wechat/refund-notify",
        views.WeChatPayNotifyView.as_view(),
        name="billing-wechat-refund-notify",
    ),
    path("billing/credits", views.CreditSummaryView.as_view(), name="billing-credits"),
    path("billing/ledger", views.LedgerListView.as_view(), name="billing-ledger"),
]
