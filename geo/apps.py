from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "geo"
    verbose_name = "地理位置"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the "geo" health check)
