from django.apps import AppConfig


class ImageEditConfig(AppConfig):
    name = "imageedit"
    verbose_name = "图片编辑"
