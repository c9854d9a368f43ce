from django.db import connections, transaction
from django.utils import timezone

from ..models import RequestLog
from .rollups import add_rows

_FIELDS = [f for f in RequestLog._meta.concrete_fields if not f.primary_key]


def log_rows(rows: list[RequestLog]) -> None:
    """Write request log rows as one ``executemany`` of ready values: ``bulk_create`` prepares every field of
    every row through the ORM, which cost more than a 500-hash lookup itself. A row's own ``created_at`` (a
    buffered hit's request time) is kept; the others get now. The stats rollups are updated in the same
    transaction (every path that writes request logs comes through here)."""
    if not rows:
        return
    connection = connections[RequestLog.objects.db]
    now = timezone.now()
    for row in rows:
        row.created_at = row.created_at or now
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _FIELDS)
    placeholders = ", ".join(["%s"] * len(_FIELDS))
    table = connection.ops.quote_name(RequestLog._meta.db_table)
    # Prepare each column once per distinct value: most values repeat across the rows of one request.
    prepared: dict[tuple, object] = {}

    def prep(field, value):
        key = (field.attname, value)
        if key not in prepared:
            prepared[key] = field.get_db_prep_save(value, connection)
        return prepared[key]

    params = [tuple(prep(f, getattr(row, f.attname)) for f in _FIELDS) for row in rows]
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", params)
        add_rows(rows, using=connection.alias)
