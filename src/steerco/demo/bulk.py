"""Fast, portable bulk inserts for the demo and the seed.

Django's ``bulk_create`` prepares every value of every row through the field
machinery and asks the database for the new ids; for a million wide task rows
that dominates the load. Here ids are reserved up front (so that children can
point at parents before anything is written) and rows go to the database with
``executemany`` after one cheap conversion per value, using the backend's own
adapters, so the same code runs on SQLite and PostgreSQL.

Foreign keys in Django's SQLite and PostgreSQL schemas are checked at commit
(``DEFERRABLE INITIALLY DEFERRED``), so rows may be inserted in any order
within a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone

ModelT = TypeVar("ModelT", bound=models.Model)
BATCH_SIZE = 5000


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``, consecutive and never handed out twice.

    On PostgreSQL they come from the table's sequence; elsewhere from the
    current maximum, which is safe because the caller holds the write
    transaction (SQLite takes its write lock when the transaction starts).
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), "
                "nextval(pg_get_serial_sequence(%s, %s)) + %s - 1)",
                [table, column, table, column, count],
            )
            last = int(cursor.fetchone()[0])
            return list(range(last - count + 1, last + 1))
        cursor.execute(f"SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}")
        first = int(cursor.fetchone()[0]) + 1
    return list(range(first, first + count))


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How to turn a Python value of ``field`` into what the driver expects; None: as is."""
    operations = connection.ops
    if isinstance(field, models.DateTimeField):
        return operations.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return operations.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return lambda value: operations.adapt_decimalfield_value(
            value, field.max_digits, field.decimal_places
        )
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_value(value, connection)
    return None


class Inserter:
    """Insert rows of one model: plain tuples in :attr:`columns` order, ids included."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = [field for field in model._meta.concrete_fields]
        self.columns = [field.attname for field in self.fields]
        self.adapters = [_adapter(field) for field in self.fields]
        quote = connection.ops.quote_name
        names = ", ".join(quote(field.column) for field in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"
        self.copy_sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
        self.count = 0

    def defaults(self) -> dict[str, Any]:
        """Each column's default value (``created_at``/``updated_at``: now)."""
        now = timezone.now()
        values: dict[str, Any] = {}
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                values[field.attname] = now
            else:
                # As Django does: an explicit default, else "" for text columns, else NULL.
                values[field.attname] = field.get_default()
        return values

    def _send(self, cursor: Any, rows: Sequence[Sequence[Any]]) -> None:
        if connection.vendor == "postgresql":
            # COPY is an order of magnitude faster than row-by-row INSERTs on PostgreSQL.
            with cursor.cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(self.sql, rows)

    def write_adapted(self, rows: Sequence[Sequence[Any]], batch_size: int = BATCH_SIZE) -> int:
        """Send rows whose values are already what the driver expects (see :meth:`write`)."""
        with connection.cursor() as cursor:
            for first in range(0, len(rows), batch_size):
                self._send(cursor, rows[first : first + batch_size])
        self.count += len(rows)
        return len(rows)

    def write(self, rows: Iterable[Sequence[Any]], batch_size: int = BATCH_SIZE) -> int:
        """Send ``rows`` (values in :attr:`columns` order, not yet adapted)."""
        adapters = [
            (i, adapt, not isinstance(self.fields[i], models.JSONField))
            for i, adapt in enumerate(self.adapters)
            if adapt is not None
        ]
        # The same dates and amounts recur across rows; adapting each once saves most of the time.
        cache: dict[tuple[int, Any], Any] = {}
        batch: list[list[Any]] = []
        written = 0
        with connection.cursor() as cursor:
            for row in rows:
                values = list(row)
                for i, adapt, cacheable in adapters:
                    value = values[i]
                    if value is None:
                        continue
                    if not cacheable:
                        values[i] = adapt(value)
                        continue
                    key = (i, value)
                    adapted = cache.get(key)
                    if adapted is None:
                        adapted = adapt(value)
                        if len(cache) < 200_000:
                            cache[key] = adapted
                    values[i] = adapted
                batch.append(values)
                if len(batch) >= batch_size:
                    self._send(cursor, batch)
                    written += len(batch)
                    batch = []
            if batch:
                self._send(cursor, batch)
                written += len(batch)
        self.count += written
        return written


def insert_objects(
    objects: Sequence[ModelT], *, batch_size: int = BATCH_SIZE, keep_timestamps: bool = False
) -> Sequence[ModelT]:
    """A faster ``bulk_create`` for unsaved instances of one model; sets their ``pk``.

    ``keep_timestamps`` keeps ``created_at``/``updated_at`` values already set on
    the objects (the demo dates its comments and activity), instead of now.
    Instances may point at each other through ``<fk>_id`` once their ids are set,
    which :func:`assign_ids` does ahead of the insert when needed.
    """
    if not objects:
        return objects
    model = type(objects[0])
    inserter = Inserter(model)
    missing = [obj for obj in objects if obj.pk is None]
    for obj, pk in zip(missing, reserve_ids(model, len(missing)), strict=True):
        obj.pk = pk
    now = timezone.now()
    timestamp_fields = {
        field.attname
        for field in inserter.fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    }
    attnames = inserter.columns

    def rows() -> Iterable[list[Any]]:
        for obj in objects:
            values = []
            for attname in attnames:
                value = getattr(obj, attname)
                if attname in timestamp_fields and (value is None or not keep_timestamps):
                    value = now
                    setattr(obj, attname, value)
                values.append(value)
            yield values

    for obj in objects:
        # Pick up ids of related objects that were saved after being attached.
        for field in inserter.fields:
            if field.is_relation and getattr(obj, field.attname) is None:
                cached = field.get_cached_value(obj, None)  # type: ignore[attr-defined]
                if cached is not None:
                    setattr(obj, field.attname, cached.pk)
    inserter.write(rows(), batch_size=batch_size)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objects


def assign_ids(objects: Sequence[models.Model]) -> None:
    """Give unsaved instances their future primary keys, before they are inserted."""
    if not objects:
        return
    missing = [obj for obj in objects if obj.pk is None]
    for obj, pk in zip(missing, reserve_ids(type(objects[0]), len(missing)), strict=True):
        obj.pk = pk


def insert_rows(
    model: type[models.Model], rows: Sequence[dict[str, Any]], *, batch_size: int = BATCH_SIZE
) -> list[int]:
    """Insert plain dicts (``attname -> value``; missing columns take their defaults).

    Skips building model instances altogether: for the largest tables. Returns
    the new primary keys, in the order of ``rows``.
    """
    if not rows:
        return []
    inserter = Inserter(model)
    defaults = inserter.defaults()
    pk_name = model._meta.pk.attname
    ids = reserve_ids(model, len(rows))
    columns = inserter.columns

    def values() -> Iterable[list[Any]]:
        for pk, row in zip(ids, rows, strict=True):
            merged = defaults | row
            merged[pk_name] = pk
            yield [merged[column] for column in columns]

    inserter.write(values(), batch_size=batch_size)
    return ids
