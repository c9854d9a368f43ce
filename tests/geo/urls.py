"""The project URLs, plus the geo routes until config/urls.py includes them itself."""

from django.urls import include, path, resolve

from config.urls import handler404, handler500  # noqa: F401  (same error views as the project)

project = [path("", include("config.urls"))]
# config.urls ends in an /api/ catch-all, so "not included yet" shows as another view name, not a 404.
if resolve("/api/v1/geo/locate", urlconf="config.urls").url_name == "geo-locate":
    urlpatterns = project
else:
    urlpatterns = [path("api/v1/", include("geo.urls")), *project]
