"""One engine per process and short sessions. Never imports Streamlit.

Write transactions on SQLite start with BEGIN IMMEDIATE, so two writers are serialized by the
database instead of racing between a check and an insert; on PostgreSQL services lock the parent
row (SELECT … FOR UPDATE) where a rule spans rows.

One user action is one `transaction()`. A service that is part of a larger action runs inside the
caller's session (`portal.core.service`), so opening a second transaction inside the first is a
programming error and raises: on SQLite it would wait for the first one's lock forever. Before
committing, every record the transaction changed must have its audit entry (`portal.core.audit`),
and the messages its entries call for are written beside them (`portal.core.outbox`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlmodel import Session, create_engine

from portal.core import audit, outbox
from portal.core.errors import ConfigError
from portal.core.settings import get_settings

_lock = threading.Lock()
_engine: Engine | None = None
_engine_url: str | None = None


def _prepare_sqlite(engine: Engine) -> None:
    """Per-connection pragmas, and explicit BEGINs so that writers can ask for IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for url; a malformed URL or a missing SQLite folder raises ConfigError."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError("error.bad_database_url", url=url) from exc
    kwargs: dict = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).parent.is_dir():
            raise ConfigError("error.missing_data_dir", path=str(Path(database).parent))
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":  # plain postgresql:// means psycopg 3 here
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
    else:
        raise ConfigError("error.bad_database_url", url=url)
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigError("error.bad_database_url", url=url) from exc
    if engine.dialect.name == "sqlite":
        _prepare_sqlite(engine)
    return engine


def configure(url: str | None = None) -> Engine:
    """Switch the process to url (default: settings); used at start-up, by the CLI and tests."""
    global _engine, _engine_url
    url = url or get_settings().resolved_database_url
    with _lock:
        if _engine is not None and _engine_url == url:
            return _engine
        if _engine is not None:
            _engine.dispose()
        _engine = make_engine(url)
        _engine_url = url
        return _engine


def get_engine() -> Engine:
    """The process engine, configured from settings on first use."""
    return _engine if _engine is not None else configure()


@contextmanager
def read_session() -> Iterator[Session]:
    """A short session for reads."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


_in_transaction: ContextVar[bool] = ContextVar("in_transaction", default=False)


class NestedTransaction(RuntimeError):
    """A transaction opened inside another: call the inner service's `.within(s, …)` instead."""


class UnauditedChange(RuntimeError):
    """A transaction changed records without writing their audit entries."""


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _ctx: object, _instances: object) -> None:
    if session.info.get("audit_check"):
        audit.note_changes(session)


@contextmanager
def transaction() -> Iterator[Session]:
    """One write transaction: commits when the block ends, rolls back on any exception."""
    if _in_transaction.get():
        raise NestedTransaction("a transaction is already open here; pass its session on")
    engine = get_engine()
    token = _in_transaction.set(True)
    try:
        with Session(engine, expire_on_commit=False, info={"audit_check": True}) as session:
            if engine.dialect.name == "sqlite":
                session.connection(execution_options={"immediate": True})
            try:
                yield session
                session.flush()
                outbox.derive(session)  # the messages the change calls for, in its own transaction
                missing = audit.unaudited(session)
                if missing:
                    raise UnauditedChange("changed without an audit entry: " + ", ".join(missing[:5]))
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        _in_transaction.reset(token)


@contextmanager
def loading_session() -> Iterator[Session]:
    """A write session for loaders that are no user's action (the demo data, test set-ups): it
    commits at the end and writes no audit entries."""
    with Session(get_engine(), expire_on_commit=False) as session:
        if get_engine().dialect.name == "sqlite":
            session.connection(execution_options={"immediate": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def check_connection() -> None:
    """Open one connection, turning the driver's complaint into a ConfigError."""
    try:
        with get_engine().connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except DBAPIError as exc:  # unreachable, refused, or a damaged SQLite file
        raise ConfigError("error.database_unreachable", detail=str(exc.orig).strip()[:200]) from exc


def refresh_statistics(engine: Engine | None = None, *, vacuum: bool = False) -> None:
    """Fresh planner statistics, so the composite indexes are chosen (SQLite has none until
    ANALYZE: a 1 ms count took 60 ms without them). On PostgreSQL, vacuum=True also sets the
    visibility map, without which an index-only COUNT still reads the heap (autovacuum does the
    same, later)."""
    engine = engine or get_engine()
    if engine.dialect.name == "sqlite":
        # not sampled (analysis_limit): sampled figures made a 2 ms text-search count take 240 ms at
        # 200 k results; the full pass takes about a second there
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)" if vacuum else "ANALYZE")


def daily_statistics(_today: object = None) -> int:
    """`portal tick` job: refresh the statistics; returns 0 (no records change)."""
    refresh_statistics()
    return 0
