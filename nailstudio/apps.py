from django.apps import AppConfig


class NailstudioConfig(AppConfig):
    name = "nailstudio"
    verbose_name = "美甲工作室"
