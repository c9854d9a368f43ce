"""Routes relative to ``/api/v1/``: include with ``path("api/v1/", include("geo.urls"))``."""

from django.urls import path

from .views import LocateView

urlpatterns = [
    path("geo/locate", LocateView.as_view(), name="geo-locate"),
]
