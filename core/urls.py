from django.urls import path

from .private_media import PrivateMediaView
from .views import HealthView

urlpatterns = [
    path("health", HealthView.as_view(), name="health"),
    path("media/<str:token>", PrivateMediaView.as_view(), name="private-media"),
]
