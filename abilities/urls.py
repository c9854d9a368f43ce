from django.urls import path

from . import views

urlpatterns = [
    path("abilities", views.SummaryView.as_view(), name="ability-summary"),
    path("abilities/dimensions", views.DimensionsView.as_view(), name="ability-dimensions"),
    path("abilities/history", views.HistoryView.as_view(), name="ability-history"),
    path("abilities/insights", views.InsightsView.as_view(), name="ability-insights"),
    path("abilities/records", views.RecordsView.as_view(), name="ability-records"),
    path("abilities/radar.svg", views.RadarSvgView.as_view(), name="ability-radar-svg"),
    path("abilities/radar.png", views.RadarPngView.as_view(), name="ability-radar-png"),
]
