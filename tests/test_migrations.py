"""Alembic owns the schema: migrating an empty database gives exactly the models' schema, on both
databases, and upgrading a database that holds data keeps every row: a database built at 0001
and filled with rows of every table is upgraded to head and compared row by row."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, MetaData, Table, inspect, text
from sqlmodel import Session, SQLModel, func, select

import db.models  # noqa: F401
from db import engine as db_engine
from db.engine import make_engine
from db.migrate import alembic_config, current_revision, downgrade, head_revision, upgrade
from db.models import Attachment, FeeClaim, PilotBooking, Region, Result, UserAccount
from seed.demo import load_demo

OLDEST = "0001"
# Every column a migration added to a table of 0001, and what upgrading gives the rows already
# stored ("series": a reference per city and year of creation, oldest first). A new migration
# that adds a column fails the test below until its backfill is stated here.
BACKFILLED: dict[tuple[str, str], Any] = {
    ("pilot_booking", "reference"): "series",
    ("fee_claim", "reference"): "series",
    ("intent", "merged_into_id"): None,
    ("user_account", "failed_logins"): 0,
    ("user_account", "first_failed_at"): None,
    ("user_account", "locked_until"): None,
    ("intent", "kind"): None,
    ("intent", "request_status"): None,
    ("intent", "requested_by"): None,
    ("intent", "reply"): "",
    ("intent", "decided_by"): None,
    ("intent", "decided_at"): None,
    ("pilot_booking", "request_note"): "",
}
NEW_TABLES = {"number_counter", "action_key", "outbox_message", "notify_setting", "notify_preference",
              "result_vector", "demand_vector"}
# Columns of 0001 a later migration drops (what the rows held is not kept): a trial is free by
# rule, so "free during trial" was never a choice (0007).
DROPPED = {("result", "free_during_trial"): True}  # column → what the 0001 rows hold in it
SERIES_PREFIX = {"pilot_booking": "ZSYY", "fee_claim": "FYSQ"}
DASHED = re.compile(r"^(XYSY|XYZH|ZSYY|FYSQ)-(\d{4})-(\d{4})-(\d+)$")
VOUCHER = re.compile(r"^CXQ(\d{4})(\d{4})(\d{5,})$")
SERIES_KIND = {"XYSY": "trial", "XYZH": "deal", "ZSYY": "booking", "FYSQ": "claim"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path) -> str:  # noqa: ANN001
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    from sqlalchemy import create_engine

    from tests.conftest import PG_ADMIN_URL

    base = request.getfixturevalue("pg_url")
    name = base.rsplit("/", 1)[1] + "_mig"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    request.addfinalizer(lambda: _drop(admin, name))
    return base.rsplit("/", 1)[0] + "/" + name


def _drop(admin, name: str) -> None:  # noqa: ANN001
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_build_exactly_the_models_schema(empty_url: str) -> None:
    engine = make_engine(empty_url)
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision()
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_keeps_data_and_is_repeatable(empty_url: str) -> None:
    engine = make_engine(empty_url)
    upgrade(engine)
    with Session(engine) as s:
        load_demo(s)
        s.commit()
    with Session(engine) as s:
        before = (s.exec(select(func.count()).select_from(Result)).one(),
                  s.exec(select(func.count()).select_from(UserAccount)).one())
    upgrade(engine)  # an existing, current database: nothing lost, nothing duplicated
    with Session(engine) as s:
        after = (s.exec(select(func.count()).select_from(Result)).one(),
                 s.exec(select(func.count()).select_from(UserAccount)).one())
        regions = s.exec(select(func.count()).select_from(Region)).one()
    engine.dispose()
    assert before == after and before[0] == 300
    assert regions == 102


def test_references_and_counters_are_given_to_rows_stored_before_them(empty_url: str) -> None:
    """A database at 0002 (bookings and claims without references, numbers made by max + 1) is
    numbered on upgrade, and the next number of each series follows the highest stored one."""
    from db.engine import configure, transaction
    from db.migrate import downgrade
    from portal.core import numbering

    engine = make_engine(empty_url)
    upgrade(engine)
    with Session(engine) as s:
        load_demo(s)
        s.commit()
    downgrade(engine, "0002")
    upgrade(engine)
    with engine.connect() as conn:
        refs = conn.execute(text("SELECT city_code, reference FROM pilot_booking")).all()
        claims = conn.execute(text("SELECT reference FROM fee_claim")).scalars().all()
        top = conn.execute(text("SELECT max(number) FROM contract WHERE number LIKE 'XYSY-3301-2026-%'")).scalar()
    engine.dispose()
    assert refs and len({r for _, r in refs}) == len(refs)
    assert all(r.startswith(f"ZSYY-{city[:4]}-") for city, r in refs)
    assert claims and len(set(claims)) == len(claims) and all(c.startswith("FYSQ-33") for c in claims)
    configure(empty_url)
    try:
        with transaction() as s:
            assert numbering.allocate(s, "trial", "330100", 2026) == f"XYSY-3301-2026-{int(top[-4:]) + 1:04d}"
    finally:
        configure("sqlite://")


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database with rows in every table of 0001: the demo, the search index, attachments, and
    bookings and claims of more than one year (their references restart per year)."""
    from portal.search.store import reindex

    url = f"sqlite:///{tmp_path_factory.mktemp('rows') / 'rows.db'}"
    engine = db_engine.configure(url)
    upgrade(engine)
    with Session(engine) as s:
        load_demo(s)
        s.commit()
    reindex()
    with Session(engine) as s:
        result = s.exec(select(Result)).first()
        for i, data in enumerate((b"%PDF-1.7\x00\xff binary", "专利说明书".encode())):
            s.add(Attachment(entity="result", entity_id=result.id, city_code=result.city_code,
                             filename=f"说明书{i}.pdf", content_type="application/pdf", size=len(data), data=data))
        for model in (FeeClaim, PilotBooking):
            for row in s.exec(select(model)).all()[::3]:
                row.created_at -= timedelta(days=400)
                s.add(row)
        s.commit()
    db_engine.configure("sqlite://")
    yield make_engine(url)


def _parents_first(rows: list[dict], table: Table) -> list[dict]:
    """Rows ordered so that a row referring to another of its table comes after it."""
    own = [(fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table.name == table.name]
    placed: dict[str, set] = defaultdict(set)
    ordered: list[dict] = []
    while rows:
        ready = [r for r in rows if all(r[col] is None or r[col] in placed[ref] for col, ref in own)]
        assert ready, f"{table.name}: rows that refer to each other in a loop"
        for r in ready:
            for _, ref in own:
                placed[ref].add(r[ref])
        ordered += ready
        rows = [r for r in rows if not any(r is x for x in ready)]
    return ordered


def _fill_at_oldest(target: Engine, source: Engine) -> None:
    """Copy source's rows into target's 0001 tables, in 0001's columns, typed as the models type them."""
    old = MetaData()
    old.reflect(target)
    for table in old.sorted_tables:
        if table.name == "alembic_version":
            continue
        model = SQLModel.metadata.tables[table.name]
        kept = [c for c in table.columns if (table.name, c.name) not in DROPPED]
        typed = Table(table.name, MetaData(), *[Column(c.name, model.columns[c.name].type) for c in kept])
        with source.connect() as src:
            rows = [dict(r._mapping) for r in src.execute(typed.select())]
        gone = {c.name: DROPPED[(table.name, c.name)] for c in table.columns if (table.name, c.name) in DROPPED}
        rows = [{**r, **gone} for r in rows]  # what 0001 held there (the models no longer have it)
        writing = Table(table.name, MetaData(), *[Column(c.name, c.type) for c in typed.columns],
                        *[Column(name, table.columns[name].type) for name in gone])
        with target.begin() as dst:
            dst.execute(writing.insert(), _parents_first(rows, table))


def _snapshot(engine: Engine) -> dict[str, dict[tuple, dict[str, Any]]]:
    """Every row of every table as the driver returns it, by primary key."""
    out = {}
    with engine.connect() as conn:
        inspector = inspect(conn)
        for table in inspector.get_table_names():
            key = inspector.get_pk_constraint(table)["constrained_columns"]
            rows = [dict(r._mapping) for r in conn.exec_driver_sql(f'SELECT * FROM "{table}"')]
            out[table] = {tuple(r[k] for k in key): r for r in rows}
    return out


def _differences(before: dict, after: dict, tables: set[str], *, same_columns: bool = False) -> list[str]:
    """Rows lost, added or changed in the columns they had before (or given columns they had not)."""
    found = []
    for table in sorted(tables):
        old, new = before[table], after[table]
        found += [f"{table} {key}: lost" for key in old.keys() - new.keys()]
        found += [f"{table} {key}: added" for key in new.keys() - old.keys()]
        for key in old.keys() & new.keys():
            found += [f"{table} {key}.{col}: {value!r} became {new[key].get(col)!r}"
                      for col, value in old[key].items() if new[key].get(col) != value]
            if same_columns and new[key].keys() != old[key].keys():
                found.append(f"{table} {key}: columns {sorted(new[key].keys() - old[key].keys())} remain")
    return found


def _series_problems(table: str, rows: dict) -> list[str]:
    """References numbered 1, 2, … per city and year of creation, oldest first (ties by id)."""
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for row in rows.values():
        groups[(row["city_code"], str(row["created_at"])[:4])].append(row)
    problems = []
    for (city, year), group in groups.items():
        group.sort(key=lambda r: (str(r["created_at"]), str(r["id"]).replace("-", "")))
        expected = [f"{SERIES_PREFIX[table]}-{city[:4]}-{year}-{i:04d}" for i in range(1, len(group) + 1)]
        if [r["reference"] for r in group] != expected:
            problems.append(f"{table} {city} {year}: {[r['reference'] for r in group][:5]} …")
    return problems


def _expected_counters(after: dict) -> dict[tuple[str, str, int], int]:
    """Each series' highest number already stored, per city and year."""
    highest: dict[tuple[str, str, int], int] = {}
    stored = [(r["number"], r["city_code"]) for r in after["contract"].values()]
    stored += [(r["reference"], r["city_code"]) for t in SERIES_PREFIX for r in after[t].values()]
    for value, city in stored:
        found = DASHED.match(value or "")
        if found and city[:4] == found.group(2):
            key = (SERIES_KIND[found.group(1)], city, int(found.group(3)))
            highest[key] = max(highest.get(key, 0), int(found.group(4)))
    for row in after["voucher"].values():
        found = VOUCHER.match(row["code"] or "")
        if found and row["city_code"][:4] == found.group(1):
            key = ("voucher", row["city_code"], int(found.group(2)))
            highest[key] = max(highest.get(key, 0), int(found.group(3)))
    return highest


def test_upgrade_from_0001_keeps_every_row_and_fills_the_new_columns(empty_url: str, populated: Engine) -> None:
    engine = make_engine(empty_url)
    command.upgrade(alembic_config(empty_url), OLDEST)
    assert current_revision(engine) == OLDEST
    _fill_at_oldest(engine, populated)
    before = _snapshot(engine)
    empty = sorted(t for t, rows in before.items() if not rows)
    assert empty == [], f"tables of {OLDEST} without rows, so untested: {empty}"

    assert upgrade(engine) == head_revision()
    after = _snapshot(engine)
    old_tables = set(before) - {"alembic_version"}
    assert set(after) == set(before) | NEW_TABLES
    added = {(t, c) for t in old_tables for r in after[t].values() for c in r.keys() - next(iter(before[t].values())).keys()}
    assert added == set(BACKFILLED), "state what upgrading gives the rows already stored in BACKFILLED"
    kept = {t: {k: {c: v for c, v in r.items() if (t, c) not in DROPPED} for k, r in rows.items()}
            for t, rows in before.items()}
    assert _differences(kept, after, old_tables)[:10] == []
    gone = {(t, c) for t in old_tables for r in before[t].values() for c in r.keys() - next(iter(after[t].values())).keys()}
    assert gone == set(DROPPED)
    problems = []
    for (table, column), value in BACKFILLED.items():
        if value == "series":
            problems += _series_problems(table, after[table])
        else:
            problems += [f"{table} {key}.{column} = {row[column]!r}" for key, row in after[table].items()
                         if row[column] != value]
    assert problems[:10] == []
    counters = {(r["kind"], r["city_code"], r["year"]): r["last"] for r in after["number_counter"].values()}
    assert counters == _expected_counters(after) and {k for k, _, _ in counters} == {*SERIES_KIND.values(), "voucher"}
    assert after["action_key"] == {}
    assert [r["version_num"] for r in after["alembic_version"].values()] == [head_revision()]

    downgrade(engine, OLDEST)  # and back: the rows as they were, the later columns and tables gone
    back = _snapshot(engine)
    assert set(back) == set(before)
    assert _differences(before, back, set(before), same_columns=True)[:10] == []
    engine.dispose()
