"""Fixtures: a fresh database per test, once on SQLite and once on PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (PORTAL_TEST_PG_ADMIN_URL to change it); the suite
creates its own database there and drops it at the end. Under CI=true a missing server fails
the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

os.environ.setdefault("PORTAL_LOGIN_SLEEP_TIME", "0")
os.environ.setdefault("PORTAL_RAISE_ERRORS", "1")  # AppTest sees a page's exception as at.exception
os.environ.setdefault("PORTAL_COOKIE_KEY", "test-cookie-key-" + "x" * 40)

import db.models  # noqa: E402,F401
from db import engine as db_engine  # noqa: E402
from db.reference import ensure_regions  # noqa: E402
from portal.core import cache  # noqa: E402

PG_ADMIN_URL = os.environ.get("PORTAL_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip locally; fail under CI, where a missing service is a broken run."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@contextmanager
def pg_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server for the block; dropped afterwards."""
    from sqlalchemy import create_engine

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 — any failure means "no server"
        unavailable(f"PostgreSQL at {PG_ADMIN_URL}: {exc}")
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        db_engine.configure("sqlite://")  # release pooled connections to the test database
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of this test process, with every table created."""
    with pg_database("portal_test") as url:
        engine = db_engine.make_engine(url)
        SQLModel.metadata.create_all(engine)
        engine.dispose()
        yield url


def _truncate(engine: Engine) -> None:
    tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name != "region"]
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # noqa: ANN001
    """The process engine on a fresh database with the regions loaded (both backends)."""
    if request.param == "sqlite":
        eng = db_engine.configure(f"sqlite:///{tmp_path / 'portal.db'}")
        SQLModel.metadata.create_all(eng)
    else:
        eng = db_engine.configure(request.getfixturevalue("pg_url"))
        _truncate(eng)
    with Session(eng) as s:
        ensure_regions(s)
        s.commit()
    cache.invalidate()  # the PostgreSQL database keeps its URL from test to test, truncated behind the ORM's back
    yield eng


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:  # noqa: ANN001
    """SQLite only, for tests of SQLite-specific behaviour or of pages."""
    eng = db_engine.configure(f"sqlite:///{tmp_path / 'portal.db'}")
    SQLModel.metadata.create_all(eng)
    with Session(eng) as s:
        ensure_regions(s)
        s.commit()
    yield eng


@pytest.fixture
def world(engine: Engine):  # noqa: ANN201
    """Two cities (Hangzhou, Ningbo), each with an agency, operators, a licensor, an enterprise,
    users of every role and a listed result; plus province-wide users."""
    from tests.factories import build_world

    return build_world()
