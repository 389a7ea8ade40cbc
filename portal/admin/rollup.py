"""Province roll-up: merge city SQLite files into the province database, idempotently.

A city's file is recognised by its data, not by a label someone typed: its operating agencies
must all belong to one city (that is the file's city), and every operational record that carries a
city must carry that one. `expected_city` refuses a file of another city. A file whose schema
lacks a table or column of the current models is refused as older (the city upgrades first).

Merging walks the tables parents-first. A row whose UUID is new is inserted; a row already
present is replaced only when the file's `updated_at` is newer; so a second run changes nothing.
A new row that matches an existing one on a natural key (an organization's credit code, a
result's number, a username, a budget's region/year/kind, …) is the same thing registered twice:
it is merged into the existing row and the file's references to it are rewritten. All files go
in one transaction, with one audit entry per file. The search tokens of merged results are then
brought up to date through the search capability (the city's own token tables are not copied).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, and_, create_engine, inspect, or_, select, tuple_
from sqlalchemy.exc import DatabaseError
from sqlmodel import SQLModel

import db.models  # noqa: F401
from db.engine import get_engine, transaction
from db.migrate import alembic_config
from db.models import AuditEntry, Result
from portal.core import cache
from portal.core.clock import now
from portal.core.errors import ValidationError
from portal.core.regions import region_name
from portal.search.store import on_result_changed, reindex

# Per-database state that is not data: the search index's counters are rebuilt by the province
# (sentence vectors too: `portal search embed` after a roll-up computes the merged results' ones).
SKIPPED = {"region", "search_state", "result_terms", "result_vector", "demand_vector", "alembic_version",
           "outbox_message", "notify_setting", "notify_preference"}  # a city's own messages, robots and feeds
# Tables whose city_code is not "the city that owns this record" (shared reference data).
CITY_EXEMPT = {"organization", "user_account", "policy_version", "contract_template", "audit_entry"}
CHUNK = 500


@dataclass
class Report:
    """What merging one file did."""

    path: str
    city: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    tables: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    def city_name(self, lang: str = "zh") -> str:
        return region_name(self.city, lang) or self.city


def _open(path: str) -> Engine:
    """A read-only engine on a city file (reading must not touch what the city sent)."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError("rollup.missing_file", field="rollup_file", path=path)
    engine = create_engine(f"sqlite:///file:{p.resolve()}?mode=ro&uri=true")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one()
            tables = set(inspect(conn).get_table_names())
    except DatabaseError as exc:
        engine.dispose()
        raise ValidationError("rollup.not_portal_file", field="rollup_file", path=path) from exc
    if "agency" not in tables or "result" not in tables:
        engine.dispose()
        raise ValidationError("rollup.not_portal_file", field="rollup_file", path=path)
    return engine


def _check_schema(engine: Engine, path: str) -> None:
    """Refuse a file that lacks any table or column of the current models (or is newer)."""
    insp = inspect(engine)
    tables = set(insp.get_table_names())
    if "alembic_version" in tables:
        with engine.connect() as conn:
            rev = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        known = _known_revisions()
        if rev and rev not in known:
            raise ValidationError("rollup.newer_schema", field="rollup_file", path=path, revision=rev)
    # The column check decides "older": it also catches a file made before a column was added.
    for table in SQLModel.metadata.sorted_tables:
        if table.name in SKIPPED:
            continue
        if table.name not in tables:
            raise ValidationError("rollup.older_schema", field="rollup_file", path=path, table=table.name, column="*")
        have = {c["name"] for c in insp.get_columns(table.name)}
        for col in table.columns:
            if col.name not in have:
                raise ValidationError("rollup.older_schema", field="rollup_file", path=path, table=table.name,
                                      column=col.name)


def _known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def _city_of(engine: Engine, path: str, expected: str | None) -> str:
    """The one city the file belongs to, checked against expected and against every record."""
    with engine.connect() as conn:
        found = [r[0] for r in conn.exec_driver_sql("SELECT DISTINCT city_code FROM agency ORDER BY 1")]
        if not found:
            raise ValidationError("rollup.no_city", field="rollup_file", path=path)
        if len(found) > 1:
            raise ValidationError("rollup.several_cities", field="rollup_file", path=path,
                                  cities="、".join(region_name(c) or c for c in found))
        city = found[0]
        if expected and expected != city:
            raise ValidationError("rollup.wrong_city", field="city", path=path, found=region_name(city) or city,
                                  expected=region_name(expected) or expected)
        for table in SQLModel.metadata.sorted_tables:
            if table.name in SKIPPED or table.name in CITY_EXEMPT or "city_code" not in table.c:
                continue
            rows = conn.exec_driver_sql(
                f'SELECT city_code, count(*) FROM "{table.name}" WHERE city_code IS NOT NULL '
                f"AND city_code <> ? GROUP BY city_code", (city,)).all()
            if rows:
                raise ValidationError("rollup.foreign_rows", field="rollup_file", path=path, table=table.name,
                                      count=sum(r[1] for r in rows), cities="、".join(region_name(r[0]) or r[0] for r in rows))
    return city


# Tables whose natural key may hold NULL meaning "the province" (a template's city): there a NULL
# matches a NULL, or every city file would add another copy of the province's default text.
NULL_MATCHES = {"contract_template"}


def _natural_keys(table: Table) -> list[tuple[str, ...]]:
    """Unique keys other than the primary key."""
    keys: list[tuple[str, ...]] = []
    for cons in table.constraints:
        cols = tuple(c.name for c in getattr(cons, "columns", ()))
        if cons.__class__.__name__ == "UniqueConstraint" and cols:
            keys.append(cols)
    for col in table.columns:
        if col.unique and (col.name,) not in keys:
            keys.append((col.name,))
    for idx in table.indexes:
        if idx.unique:
            keys.append(tuple(c.name for c in idx.columns))
    return keys


class _Merger:
    """Merges tables of one or more files into the target connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.remap: dict[str, dict[Any, Any]] = {}  # table → file id → province id
        self.new_results: list[Any] = []  # their search tokens are made after the merge
        self.changed_results: list[Any] = []

    def _existing(self, table: Table, pk: str, ids: list[Any]) -> dict[Any, Any]:
        stamp = table.c.updated_at if "updated_at" in table.c else None
        out: dict[Any, Any] = {}
        cols = [table.c[pk]] + ([stamp] if stamp is not None else [])
        for i in range(0, len(ids), CHUNK):
            for row in self.conn.execute(select(*cols).where(table.c[pk].in_(ids[i:i + CHUNK]))):
                out[row[0]] = row[1] if stamp is not None else None
        return out

    def _by_key(self, table: Table, pk: str, key: tuple[str, ...], values: list[tuple]) -> dict[tuple, tuple]:
        """Existing rows matching any of values on key: key value → (id, updated_at)."""
        stamp = table.c.updated_at if "updated_at" in table.c else table.c[pk]
        out: dict[tuple, tuple] = {}
        cols = [table.c[c] for c in key]
        target = tuple_(*cols) if len(cols) > 1 else cols[0]
        for i in range(0, len(values), CHUNK):
            chunk = values[i:i + CHUNK]
            if any(None in v for v in chunk):  # NULL_MATCHES tables only, a handful of rows
                where = or_(*(and_(*(c.is_(None) if x is None else c == x for c, x in zip(cols, v, strict=True)))
                              for v in chunk))
            else:
                where = target.in_(chunk if len(cols) > 1 else [v[0] for v in chunk])
            for row in self.conn.execute(select(table.c[pk], stamp, *cols).where(where)):
                out[tuple(row[2:])] = (row[0], row[1] if "updated_at" in table.c else None)
        return out

    def merge_table(self, table: Table, rows: list[dict]) -> tuple[int, int, int]:
        pk = table.primary_key.columns.values()[0].name
        # Rewrite references to rows that were merged into existing ones.
        fks = [(col.name, next(iter(col.foreign_keys)).column.table.name) for col in table.columns if col.foreign_keys]
        for row in rows:
            for col, ref in fks:
                mapped = self.remap.get(ref)
                if mapped and row[col] in mapped:
                    row[col] = mapped[row[col]]
        self_refs = [c for c, ref in fks if ref == table.name]
        rows.sort(key=lambda r: sum(r[c] is not None for c in self_refs))  # parents of the same table first
        existing = self._existing(table, pk, [r[pk] for r in rows])
        has_stamp = "updated_at" in table.c
        new = [r for r in rows if r[pk] not in existing]
        keyed: dict[tuple[str, ...], dict[tuple, tuple]] = {}
        nulls_match = table.name in NULL_MATCHES
        for key in _natural_keys(table):
            values = list({tuple(r[c] for c in key) for r in new if nulls_match or all(r[c] is not None for c in key)})
            keyed[key] = self._by_key(table, pk, key, values) if values else {}
        inserts: list[dict] = []
        updates: list[dict] = []
        unchanged = 0
        remap = self.remap.setdefault(table.name, {})
        for r in rows:
            if r[pk] in existing:
                if has_stamp and existing[r[pk]] is not None and r["updated_at"] > existing[r[pk]]:
                    updates.append(r)
                else:
                    unchanged += 1
                continue
            match = None
            for key, found in keyed.items():
                kv = tuple(r[c] for c in key)
                if (nulls_match or None not in kv) and kv in found:
                    match = found[kv]
                    break
            if match is None:
                inserts.append(r)
                for key, found in keyed.items():  # two new rows of one file cannot collide either
                    kv = tuple(r[c] for c in key)
                    if nulls_match or None not in kv:  # elsewhere NULLs never collide in a unique key
                        found[kv] = (r[pk], r.get("updated_at"))
                continue
            remap[r[pk]] = match[0]
            if has_stamp and match[1] is not None and r["updated_at"] > match[1]:
                updates.append({**r, pk: match[0]})
            else:
                unchanged += 1
        if table.name == "result":
            self.new_results += [r[pk] for r in inserts]
            self.changed_results += [r[pk] for r in updates]
        if inserts:
            for i in range(0, len(inserts), 5000):
                self.conn.execute(table.insert(), inserts[i:i + 5000])
        for r in updates:
            self.conn.execute(table.update().where(table.c[pk] == r[pk]).values({k: v for k, v in r.items() if k != pk}))
        return len(inserts), len(updates), unchanged


def _read(engine: Engine, table: Table) -> list[dict]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(table))]


def _audit(conn: Connection, report: Report) -> None:
    """The file's one audit entry, written with Core beside the merged rows (no actor: the system)."""
    conn.execute(AuditEntry.__table__.insert(), [{
        "id": uuid.uuid4(), "at": now(), "actor_id": None, "actor_name": "system", "action": "rollup.merge",
        "entity": "rollup", "entity_id": Path(report.path).name[:40], "city_code": report.city, "reason": None,
        "before": None, "after": {"file": report.path, "inserted": report.inserted, "updated": report.updated,
                                  "unchanged": report.unchanged},
    }])


def _refresh_search(inserted: list[Any], updated: list[Any]) -> None:
    """Tokenize the merged results for the province's search index (the one slow part: jieba):
    new listed results in batches, changed ones one by one (listed, withdrawn or edited)."""
    if not inserted and not updated:
        return
    if inserted:
        reindex(only_missing=True)
    for i in range(0, len(updated), 500):
        with transaction() as s:
            for rid in updated[i:i + 500]:
                result = s.get(Result, rid)
                if result is not None:
                    on_result_changed(s, result)


def rollup_files(paths: Iterable[str], *, expected_city: str | None = None,
                 target: Engine | None = None, search: bool = True) -> list[Report]:
    """Check every file first (nothing is written if one is refused), then merge them all in one
    transaction, then tokenize the merged results for search (unless search=False); returns one
    report per file."""
    target = target or get_engine()
    target_file = Path(target.url.database).resolve() if target.dialect.name == "sqlite" and target.url.database else None
    opened: list[tuple[str, Engine, str]] = []
    try:
        for path in paths:
            if target_file is not None and Path(path).resolve() == target_file:
                raise ValidationError("rollup.same_database", field="rollup_file", path=path)
            engine = _open(path)
            opened.append((path, engine, ""))
            _check_schema(engine, path)
            opened[-1] = (path, engine, _city_of(engine, path, expected_city))
        reports: list[Report] = []
        new: list[Any] = []
        changed: list[Any] = []
        with target.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            for path, engine, city in opened:
                merger = _Merger(conn)
                report = Report(path=path, city=city)
                for table in SQLModel.metadata.sorted_tables:
                    if table.name in SKIPPED:
                        continue
                    ins, upd, same = merger.merge_table(table, _read(engine, table))
                    report.tables[table.name] = (ins, upd, same)
                    report.inserted += ins
                    report.updated += upd
                    report.unchanged += same
                if report.inserted or report.updated:
                    _audit(conn, report)
                reports.append(report)
                new += merger.new_results
                changed += merger.changed_results
        if search and target is get_engine():  # the search capability writes through the process engine
            _refresh_search(new, changed)
        cache.invalidate()  # written with Core, past the ORM events that keep the cache fresh
        return reports
    finally:
        for _path, engine, _city in opened:
            engine.dispose()
