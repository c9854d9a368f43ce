import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class BaseTask(Task):
    """Defaults for every task: a dropped connection or a timeout is retried with exponential backoff and
    jitter. Tasks with their own failure handling override these."""

    autoretry_for = (ConnectionError, TimeoutError)
    retry_backoff = True
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 3


app = Celery("xintu", task_cls=BaseTask)
# Every CELERY_* setting in config/settings.py configures the app (broker, eager mode, limits, beat schedule).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
