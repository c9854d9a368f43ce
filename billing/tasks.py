from celery import shared_task

from . import services


@shared_task
def reconcile_orders() -> dict:
    """Beat: recover lost payment notifications, close expired orders, re-query refunds still processing."""
    result = services.reconcile_orders()
    return {
        "checked": result.checked,
        **result.outcomes,
        "refunds": {"checked": result.refunds.checked, **result.refunds.outcomes},
    }
