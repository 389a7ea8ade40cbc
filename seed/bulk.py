"""Bulk loading of generated rows in one transaction: SQLite executemany, PostgreSQL COPY.

Rows arrive as tuples of plain values already in their stored form (ids as 32 hex digits,
timestamps as UTC 'YYYY-MM-DD HH:MM:SS.ffffff', dates as ISO strings, money as integer fen),
which both databases accept, so no per-value conversion runs in Python.

Columns the generator does not know (added later by another capability) are filled from the
model: its Python default or default_factory, else NULL when nullable, else the server default.
A required column with none of these stops the load with a message naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Engine, Table, inspect
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers every table)
from portal.core.errors import ConfigError

CHUNK = 20_000


def _model_for(table: Table) -> type[SQLModel] | None:
    for mapper in SQLModel._sa_registry.mappers:  # type: ignore[attr-defined]
        if mapper.local_table is table:
            return mapper.class_
    return None


def _default_for(table: Table, column_name: str) -> tuple[bool, Any]:
    """(True, value) for a Python-side default of the model, (False, None) when there is none."""
    model = _model_for(table)
    field = model.model_fields.get(column_name) if model is not None else None
    if field is not None:
        if field.default_factory is not None:
            return True, field.default_factory()  # type: ignore[call-arg]
        if field.default is not PydanticUndefined:
            return True, field.default
    col = table.c[column_name]
    if col.default is not None and getattr(col.default, "is_scalar", False):
        return True, col.default.arg
    return False, None


class BulkWriter:
    """Writes whole tables through one raw DBAPI connection inside one transaction."""

    def __init__(self, engine: Engine, *, on_rows: Callable[[int], None] | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.on_rows = on_rows or (lambda n: None)
        insp = inspect(engine)
        self.db_columns = {name: {c["name"] for c in insp.get_columns(name)}
                           for name in insp.get_table_names()}
        self.written: dict[str, int] = {}
        self._raw = None
        self._indexes: list[tuple[str, str]] = []

    # --- transaction -------------------------------------------------------------------------
    def __enter__(self) -> BulkWriter:
        self._raw = self.engine.raw_connection()
        conn = self._raw.driver_connection
        if self.is_sqlite:
            # The generator's rows are consistent by construction (a test runs foreign_key_check);
            # checking 2 M foreign keys row by row would double the load time.
            conn.execute("PRAGMA foreign_keys=OFF")
            conn.execute("PRAGMA synchronous=OFF")  # one transaction: durable at COMMIT's checkpoint
            conn.execute("PRAGMA cache_size=-262144")
            conn.execute("BEGIN IMMEDIATE")
        else:
            with conn.cursor() as cur:
                cur.execute("SET LOCAL TIME ZONE 'UTC'")
                # Skip the row-by-row foreign-key triggers when allowed (superuser or owner with
                # the right grants); otherwise they simply run.
                cur.execute("SAVEPOINT replica")
                try:
                    cur.execute("SET LOCAL session_replication_role = replica")
                    cur.execute("RELEASE SAVEPOINT replica")
                except Exception:  # noqa: BLE001 — not permitted: keep the checks
                    cur.execute("ROLLBACK TO SAVEPOINT replica")
                cur.execute("SET LOCAL synchronous_commit = off")
                cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        self._drop_indexes()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        conn = self._raw.driver_connection
        try:
            if exc_type is None:
                self._recreate_indexes()
                if self.is_sqlite:
                    conn.execute("COMMIT")
                else:
                    conn.commit()
            else:
                if self.is_sqlite:
                    conn.execute("ROLLBACK")
                else:
                    conn.rollback()
        finally:
            if self.is_sqlite:
                conn.execute("PRAGMA foreign_keys=ON")
            self._raw.close()
            self._raw = None

    # --- indexes -------------------------------------------------------------------------------
    def _sql(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn = self._raw.driver_connection
        if self.is_sqlite:
            return conn.execute(sql, params).fetchall()
        with conn.cursor() as cur:
            cur.execute(sql, params or None)  # no parameters: '%' in LIKE patterns stays literal
            return cur.fetchall() if cur.description else []

    def _drop_indexes(self) -> None:
        """Drop the secondary (non-unique) indexes for the load and keep their exact definitions:
        building an index once over sorted data is several times faster than growing it row by row."""
        if self.is_sqlite:
            found = self._sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                              "AND sql NOT LIKE 'CREATE UNIQUE%'")
        else:
            found = self._sql(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.indexdef NOT LIKE 'CREATE UNIQUE%' AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname)")
        self._indexes = list(found)
        for name, _sql in self._indexes:
            self._sql(f'DROP INDEX "{name}"')

    def _recreate_indexes(self) -> None:
        for _name, sql in self._indexes:
            self._sql(sql)
        self._indexes = []

    # --- columns -------------------------------------------------------------------------------
    def _stored(self, table: Table, column_name: str, value: Any) -> Any:
        """A model default converted to its stored form by the column type itself."""
        if value is None:
            return None
        proc = table.c[column_name].type._cached_bind_processor(self.dialect)
        return proc(value) if proc else value

    def _plan(self, name: str, columns: Sequence[str]) -> tuple[list[str], tuple]:
        """The column list to insert and the constant tail appended to every row."""
        table = SQLModel.metadata.tables[name]
        existing = self.db_columns.get(name)
        if existing is None:
            raise ConfigError("scale.schema_missing_table", table=name)
        for c in columns:
            if c not in existing and not (table.c[c].nullable or _default_for(table, c)[0]):
                raise ConfigError("scale.schema_missing_column", table=name, column=c)
        extra_cols: list[str] = []
        extra_vals: list[Any] = []
        columns = [c for c in columns if c in existing]
        for col in table.columns:
            if col.name in columns or col.name not in existing:
                continue
            found, value = _default_for(table, col.name)
            if found:
                extra_cols.append(col.name)
                extra_vals.append(self._stored(table, col.name, value))
            elif col.nullable or col.server_default is not None:
                continue  # NULL or the database's own default
            else:
                raise ConfigError("scale.unknown_required_column", table=name, column=col.name)
        return list(columns) + extra_cols, tuple(extra_vals)

    # --- writing -------------------------------------------------------------------------------
    def write(self, name: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """Insert rows (tuples in the order of columns) into table name."""
        if not rows:
            return
        cols, tail = self._plan(name, columns)
        existing = self.db_columns[name]
        if any(c not in existing for c in columns):  # an optional column the database lacks (older schema)
            keep = [i for i, c in enumerate(columns) if c in existing]
            rows = [tuple(r[i] for i in keep) for r in rows]
            cols = [c for c in cols if c in existing]
        # In primary-key order, so the one index left during the load is appended to, not split.
        rows = sorted(rows, key=lambda r: r[0]) if cols[0] in ("id", "result_id") else rows
        conn = self._raw.driver_connection
        quoted = ", ".join(f'"{c}"' for c in cols)
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            if tail:
                chunk = [row + tail for row in chunk]
            if self.is_sqlite:
                marks = ", ".join("?" * len(cols))
                conn.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})', chunk)
            else:
                with conn.cursor() as cur, cur.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                    write_row = copy.write_row
                    for row in chunk:
                        write_row(row)
            self.on_rows(len(chunk))
        self.written[name] = self.written.get(name, 0) + len(rows)
