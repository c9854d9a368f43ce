from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..models import RequestLog


def purge_request_logs(*, days: int | None = None) -> int:
    keep = settings.REQUEST_LOG_RETENTION_DAYS if days is None else days
    deleted, _ = RequestLog.objects.filter(created_at__lt=timezone.now() - timedelta(days=keep)).delete()
    return deleted
