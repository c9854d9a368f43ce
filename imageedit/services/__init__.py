"""The image-editing service API for views, tasks, the admin and the management command."""

from .edits import cancel, delete, retry, submit
from .maintenance import PurgeResult, RecoverResult, purge_expired, recover_stalled
from .queue import positions
from .running import RetryLater, run

__all__ = [
    "PurgeResult",
    "RecoverResult",
    "RetryLater",
    "cancel",
    "delete",
    "positions",
    "purge_expired",
    "recover_stalled",
    "retry",
    "run",
    "submit",
]
