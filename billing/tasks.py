import datetime as dt

from celery import shared_task

from . import services, wechatpay


@shared_task
def reconcile_orders() -> dict:
    """Beat: recover lost payment notifications, close expired orders, re-query refunds still processing."""
    result = services.reconcile_orders()
    refunds = {"checked": result.refunds.checked, **result.refunds.outcomes}
    return {"checked": result.checked, **result.outcomes, "refunds": refunds}


@shared_task
def reconcile_bills(day: str | None = None) -> dict:
    """Beat, daily: compare yesterday's WeChat Pay trade bill (or ``day``, YYYY-MM-DD) with our books."""
    if not wechatpay.is_configured():
        return {"skipped": "WeChat Pay not configured"}
    date = dt.date.fromisoformat(day) if day else services.default_bill_date()
    reconciliation = services.reconcile_bills(day=date)
    open_ = reconciliation.discrepancies.filter(resolved=False).count()
    return {"date": date.isoformat(), "status": reconciliation.status, "open_discrepancies": open_}
