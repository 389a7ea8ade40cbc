"""Alembic owns the schema: migrating an empty database gives exactly the models' schema, on both
databases, and upgrading a database that holds data keeps every row."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import Session, SQLModel, func, select

import db.models  # noqa: F401
from db.engine import make_engine
from db.migrate import current_revision, head_revision, upgrade
from db.models import Region, Result, UserAccount
from seed.demo import load_demo


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
