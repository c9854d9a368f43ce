"""The album classifier's business logic: the hash-keyed global cache, the classification pipeline, jobs."""

from .checkcache.check import check_cache
from .checkcache.copies import forget_stale as forget_stale_copies
from .checkcache.hits import flush as flush_cache_hits
from .jobs import fail_stalled_jobs, job_create, job_fail, job_run
from .maintenance import purge_request_logs
from .pipeline import (
    Outcome,
    aclassify_batch,
    aclassify_upload,
    classify_batch,
    classify_local_only,
    classify_upload,
)

__all__ = [
    "Outcome",
    "aclassify_batch",
    "aclassify_upload",
    "check_cache",
    "classify_batch",
    "classify_local_only",
    "classify_upload",
    "fail_stalled_jobs",
    "flush_cache_hits",
    "forget_stale_copies",
    "job_create",
    "job_fail",
    "job_run",
    "purge_request_logs",
]
