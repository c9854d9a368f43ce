from celery import shared_task

from . import services


@shared_task
def reconcile_orders() -> dict:
    """Beat: recover lost payment notifications and close expired orders."""
    result = services.reconcile_orders()
    return {"checked": result.checked, **result.outcomes}
