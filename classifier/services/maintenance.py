from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.db.rollups import mark_purged, purge_before

from ..models import RequestLog
from ..selectors import STATS_TZ
from ..stats_models import StatsDay

Progress = Callable[[int, int, int], None]


def purge_request_logs(*, days: int | None = None, progress: Progress | None = None) -> int:
    """Delete request logs older than ``days`` in primary-key chunks (one short transaction each). The stats
    are unchanged: they live in the rollups."""
    keep = settings.REQUEST_LOG_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=keep)
    mark_purged(StatsDay, cutoff.astimezone(STATS_TZ).date())
    return purge_before(RequestLog, cutoff, progress=progress)
