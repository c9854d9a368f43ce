from ..models import RequestLog


def log_rows(rows: list[RequestLog]) -> None:
    if len(rows) == 1:
        rows[0].save()
    elif rows:
        RequestLog.objects.bulk_create(rows)
