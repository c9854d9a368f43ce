from django.urls import path

from .private_media import PrivateMediaView
from .views import HealthView, LiveView, ReadyView

urlpatterns = [
    path("health", HealthView.as_view(), name="health"),
    path("health/live", LiveView.as_view(), name="health-live"),
    path("health/ready", ReadyView.as_view(), name="health-ready"),
    path("media/<str:token>", PrivateMediaView.as_view(), name="private-media"),
]
