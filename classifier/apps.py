from django.apps import AppConfig


class ClassifierConfig(AppConfig):
    name = "classifier"
    verbose_name = "相册分类"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
