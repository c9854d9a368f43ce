from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "平台"

    def ready(self) -> None:
        from PIL import Image
        from pillow_heif import register_heif_opener

        from . import checks  # noqa: F401  (registers the built-in health checks)

        register_heif_opener()
        from django.db.models.signals import post_save

        from . import metrics

        post_save.connect(
            metrics.count_credit_movement, sender="billing.CreditLedger", dispatch_uid="credit-metrics"
        )
        # Pillow's own bomb guard backs up the explicit pixel check in core.uploads.
        from django.conf import settings

        Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
