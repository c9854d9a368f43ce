"""Counter tables kept next to append-only logs: upserts that add, per-day locks, chunked purges.

Counters are added by one ``INSERT … ON DUPLICATE KEY UPDATE c = c + VALUES(c)`` (MySQL/MariaDB) or
``INSERT … ON CONFLICT (key) DO UPDATE SET c = c + excluded.c`` (SQLite) per table and write, so
concurrent writers never lose an increment. Rows are sent sorted by their key: two transactions touching the
same counters then lock them in the same order and cannot deadlock each other.

A rebuild replaces a whole day while writers keep adding to it. Writers take a shared lock on the day's marker
row before they add, a rebuild takes it exclusively: a rebuild therefore waits for the writers already adding
to that day and reads their committed rows, and later writers add on top of the rebuilt figures. (SQLite
serialises every write transaction, so it needs no lock.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import cast

from django.db import connections, models, router, transaction
from django.db.models import Min

# Rows deleted per statement: a couple of thousand keeps each DELETE (and its index maintenance) well under a
# second at any table size, even when the indexes no longer fit in memory.
PURGE_CHUNK = 2000
# Rows written this much later than their time (a hit buffer held back for a day) are left to the next purge.
PURGE_SLACK = dt.timedelta(days=1)


def _quote(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def upsert(
    model: type[models.Model],
    rows: Mapping[tuple, Sequence],
    *,
    key: Sequence[str],
    add: Sequence[str] = (),
    greatest: Sequence[str] = (),
    replace: Sequence[str] = (),
    using: str = "default",
) -> None:
    """``rows`` maps a key tuple (the values of ``key``) to the values of ``add + greatest + replace``: added to
    the stored counters, kept when larger, or replaced."""
    if not rows:
        return
    connection = connections[using]
    names = [*key, *add, *greatest, *replace]
    fields = [cast("models.Field", model._meta.get_field(name)) for name in names]  # columns, no relations
    columns = [_quote(connection, f.column) for f in fields]
    column = dict(zip(names, columns, strict=True))
    preparers = [_preparer(f, connection) for f in fields]
    params = [
        tuple(prep(v) for prep, v in zip(preparers, (*k, *values), strict=True))
        for k, values in sorted(rows.items())
    ]
    table = _quote(connection, model._meta.db_table)
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    conflict = _on_conflict(connection, table, column, key=key, add=add, greatest=greatest, replace=replace)
    with connection.cursor() as cursor:
        cursor.executemany(insert + conflict, params)


def upsert_select(
    model: type[models.Model],
    names: Sequence[str],
    select: str,
    params: Sequence = (),
    *,
    key: Sequence[str],
    add: Sequence[str] = (),
    greatest: Sequence[str] = (),
    replace: Sequence[str] = (),
    using: str = "default",
) -> None:
    """``upsert`` of the rows a ``select`` (SQL selecting the fields ``names``, in order) finds, in one
    ``INSERT … SELECT``: the rows never travel to Python."""
    connection = connections[using]
    columns = [_quote(connection, cast("models.Field", model._meta.get_field(name)).column) for name in names]
    column = dict(zip(names, columns, strict=True))
    table = _quote(connection, model._meta.db_table)
    # SQLite needs a WHERE before ON CONFLICT to tell the upsert from a join's ON.
    where = "" if connection.vendor == "mysql" else " WHERE true"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM ({select}) AS picked{where}"
    conflict = _on_conflict(connection, table, column, key=key, add=add, greatest=greatest, replace=replace)
    with connection.cursor() as cursor:
        cursor.execute(sql + conflict, params)


def _on_conflict(connection, table: str, column: dict, *, key, add, greatest, replace) -> str:
    """The clause that adds (keeps the larger, replaces) the counters of a row whose key is already stored.
    The stored values are named with their table: an ``INSERT … SELECT`` selects columns of the same names."""
    if connection.vendor == "mysql":
        new, biggest = "VALUES({})", "GREATEST"
        conflict = " ON DUPLICATE KEY UPDATE "
    else:
        new, biggest = "excluded.{}", "MAX"
        conflict = f" ON CONFLICT ({', '.join(column[k] for k in key)}) DO UPDATE SET "
    sets = [f"{column[n]} = {table}.{column[n]} + {new.format(column[n])}" for n in add]
    sets += [f"{column[n]} = {biggest}({table}.{column[n]}, {new.format(column[n])})" for n in greatest]
    sets += [f"{column[n]} = {new.format(column[n])}" for n in replace]
    return conflict + ", ".join(sets)


_AS_IS = {
    "BigIntegerField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "ForeignKey",
}


def _preparer(field, connection) -> Callable:
    """Integers go as they are; other values are prepared by their field once per distinct value (a rebuild
    writes tens of thousands of values, mostly the same few days, times and strings)."""
    if field.get_internal_type() in _AS_IS:
        return lambda value: value
    prepared: dict = {}

    def prep(value):
        if value not in prepared:
            prepared[value] = field.get_db_prep_save(value, connection)
        return prepared[value]

    return prep


def lock_days(marker: type[models.Model], days: Iterable[dt.date], *, using: str, exclusive: bool = False):
    """Lock the marker rows of ``days`` (``marker`` has the day as its primary key), creating missing ones,
    until the surrounding transaction ends. Returns the markers."""
    days = sorted(set(days))
    connection = connections[using]
    manager = marker._default_manager.using(using)
    if connection.vendor == "sqlite":
        if exclusive:
            manager.bulk_create([marker(pk=day) for day in days], ignore_conflicts=True)
        return list(manager.filter(pk__in=days))
    assert transaction.get_connection(using).in_atomic_block, "a lock needs a transaction"
    locked = _locked(manager, days, exclusive)
    if len(locked) < len(days):
        manager.bulk_create([marker(pk=day) for day in days], ignore_conflicts=True)
        locked = _locked(manager, days, exclusive)
    return locked


def _locked(manager, days, exclusive: bool) -> list:
    queryset = manager.filter(pk__in=days).order_by("pk")
    if exclusive:
        return list(queryset.select_for_update())
    sql, params = queryset.query.sql_with_params()
    return list(manager.raw(sql + " LOCK IN SHARE MODE", params))


def mark_purged(marker: type[models.Model], last: dt.date) -> None:
    """Mark every day up to ``last`` as purged (its raw rows are about to go) so that no rebuild replaces its
    rollups with what is left of it. Commits before the caller deletes the first row."""
    with transaction.atomic():
        marker._default_manager.bulk_create([marker(pk=last)], ignore_conflicts=True)
        marker._default_manager.filter(pk__lte=last, raw_purged=False).update(raw_purged=True)


def purged(marker: type[models.Model], day: dt.date, *, using: str) -> bool:
    """Whether a purge reached ``day``: a purge marks its last day, and every day before it is gone too (days
    written without a marker row, on SQLite, included)."""
    return marker._default_manager.using(using).filter(pk__gte=day, raw_purged=True).exists()


def purge_before(
    model: type[models.Model],
    cutoff: dt.datetime,
    *,
    field: str = "created_at",
    chunk: int = PURGE_CHUNK,
    progress: Callable[[int, int, int], None] | None = None,
) -> int:
    """Delete rows whose ``field`` is before ``cutoff``, by primary-key ranges of ``chunk`` ids, each its own
    transaction (rows are written in about time order, so the old ones sit at the low ids). ``progress`` gets
    (chunks done, chunks in all, rows deleted so far). Returns the rows deleted."""
    manager = model._default_manager
    low = manager.aggregate(low=Min("pk"))["low"]
    if low is None:
        return 0
    # The first row clearly past the cutoff (an index seek) bounds the scan; no full COUNT or MAX is needed.
    newer = (
        manager.filter(**{f"{field}__gte": cutoff + PURGE_SLACK}).order_by(field).values_list("pk", flat=True)
    )
    high = newer.first()
    if high is None:
        last = manager.order_by("-pk").values_list("pk", flat=True).first()
        assert last is not None  # there is a first row (low)
        high = last + 1
    chunks = max(0, -(-(high - low) // chunk))
    deleted = 0
    for index in range(chunks):
        start = low + index * chunk
        with transaction.atomic():
            # One plain DELETE (nothing points at log rows, so Django need not collect them first).
            count, _ = manager.filter(
                **{"pk__gte": start, "pk__lt": min(start + chunk, high), f"{field}__lt": cutoff}
            ).delete()
        deleted += count
        if progress:
            progress(index + 1, chunks, deleted)
    return deleted


class RolledUpQuerySet(models.QuerySet):
    """``bulk_create`` adds the new rows to their model's rollups in the same transaction."""

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            self.model.add_to_rollups(created, using=self.db)
        return created


class RolledUp(models.Model):
    """A log model whose rows are counted in rollups however they are saved (``save``, ``objects.create``,
    ``objects.bulk_create`` with a ``RolledUpQuerySet`` manager). Subclasses define ``add_to_rollups``."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        adding = self._state.adding
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            super().save(*args, **kwargs)
            if adding:
                self.add_to_rollups([self], using=using)

    @classmethod
    def add_to_rollups(cls, rows: list, *, using: str) -> None:
        raise NotImplementedError
