"""Running Alembic from code: `portal db upgrade`, `portal demo` and the tests use this."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlmodel import Session

from db.reference import ensure_regions

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and url (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest migration in the code."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _migrate(engine: Engine, step: Callable[[Config], None]) -> None:
    """Run an Alembic command in one transaction. On SQLite, foreign keys are off meanwhile (a
    batch migration rebuilds a table others refer to) and checked before the commit."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:  # on the driver's connection: outside the transaction, where the pragma works
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                step(cfg)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() if sqlite else []
                if broken:
                    raise RuntimeError(f"the migration left dangling references: {broken[:5]}")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine) -> str:
    """Bring the database to the newest schema in place, keeping its data; returns the revision."""
    _migrate(engine, lambda cfg: command.upgrade(cfg, "head"))
    with Session(engine) as session:
        ensure_regions(session)
        session.commit()
    return head_revision()


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to revision (tests of a migration's data handling)."""
    _migrate(engine, lambda cfg: command.downgrade(cfg, revision))
