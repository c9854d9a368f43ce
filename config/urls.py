from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core import errors
from core.metrics import metrics_view

admin.site.site_header = admin.site.site_title = "芯图后台"
admin.site.index_title = "管理"

api_v1 = [
    path("", include("classifier.urls")),  # first: the album app's check-cache is the most frequent request
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("", include("nailstudio.urls")),
    path("", include("abilities.urls")),
    path("", include("geo.urls")),
    path("", include("billing.urls")),
    path("", include("imageedit.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    re_path(r"^api/", errors.api_not_found),
]

handler400 = errors.handler400
handler403 = errors.handler403
handler404 = errors.handler404
handler500 = errors.handler500
