from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "ai"
    verbose_name = "AI 服务"

    def ready(self) -> None:
        from . import health  # noqa: F401  (registers the providers check)
