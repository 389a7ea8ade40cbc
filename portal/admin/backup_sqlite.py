"""SQLite backups: the online backup API, from inside one read transaction.

A WAL reader does not block writers, and the backup keeps the snapshot of the reader that
opened it, so the copy and the source's verification see the same database while the server
goes on writing. Rows are hashed as SQLite stores them.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from portal.admin.backup_digest import (
    PORTAL_TABLES,
    STEP,
    Copied,
    Digests,
    Progress,
    digest,
    refuse_holdings,
)
from portal.core.errors import ConfigError, ValidationError

COPY_STEP_PAGES = 1024  # 4 MB a step: the bar moves, the snapshot stays the same


def database_file(engine: Engine, *, existing: bool) -> Path:
    """The configured database's file; refuses an in-memory one (and a missing one if existing)."""
    database = engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise ConfigError("backup.not_a_file", database=engine.url.render_as_string(hide_password=True))
    path = Path(database)
    if existing and not path.is_file():
        raise ConfigError("backup.no_database", database=str(path))
    return path


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        return sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, isolation_level=None, timeout=30)
    return sqlite3.connect(path, isolation_level=None, timeout=30)


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _tables(conn)}


def _rows(conn: sqlite3.Connection, table: str):  # noqa: ANN202 — a generator of row bytes
    cursor = conn.execute(f'SELECT * FROM "{table}"')
    while rows := cursor.fetchmany(STEP):
        for row in rows:
            yield repr(row).encode()


def digests(conn: sqlite3.Connection, progress: Progress, phase: str) -> Digests:
    """Every table's digest, as conn sees the database."""
    counts = _counts(conn)
    progress.phase(phase, sum(counts.values()))
    return {table: digest(_rows(conn, table), progress) for table in counts}


def _revision(conn: sqlite3.Connection) -> str | None:
    if "alembic_version" not in _tables(conn):
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def copy(src: sqlite3.Connection, dst: sqlite3.Connection, progress: Progress) -> None:
    """Copy src into dst page by page (src's open read transaction, if any, keeps one snapshot)."""
    progress.phase("copy", src.execute("PRAGMA page_count").fetchone()[0])
    done = 0

    def step(_status: int, remaining: int, total: int) -> None:
        nonlocal done
        progress.advance(total - remaining - done)
        done = total - remaining

    src.backup(dst, pages=COPY_STEP_PAGES, progress=step)


def dump(db_path: Path, partial: Path, progress: Progress) -> Copied:
    """Copy the live database into partial and read both."""
    src = connect(db_path)
    try:
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the read snapshot starts here
        revision = _revision(src)
        dst = connect(partial)
        try:
            copy(src, dst, progress)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            dst.close()
        source = digests(src, progress, "verify_source")
    finally:
        src.close()
    written = connect(partial, read_only=True)
    try:
        return Copied(source, digests(written, progress, "verify_result"), revision)
    finally:
        written.close()


def open_backup(path: Path) -> sqlite3.Connection:
    """A read-only connection on a backup file that is sound and ours; refuses anything else."""
    conn = None
    try:
        conn = connect(path, read_only=True)
        sound = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        tables = set(_tables(conn)) if sound else set()
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise ValidationError("backup.corrupt", field="backup_file", path=str(path)) from exc
    if not sound or not PORTAL_TABLES <= tables:
        conn.close()
        raise ValidationError("backup.corrupt" if not sound else "backup.not_portal", field="backup_file",
                              path=str(path))
    return conn


def load(source_path: Path, db_path: Path, progress: Progress, *, force: bool) -> Copied:
    """Replace the database at db_path by the backup at source_path (checked first)."""
    if db_path.exists() and db_path.resolve() == source_path.resolve():
        raise ValidationError("restore.same_file", field="backup_file", path=str(source_path))
    src = open_backup(source_path)
    try:
        dst, aside = _target(db_path, force=force)
        try:
            if not force:
                refuse_holdings(_counts(dst), str(db_path))
            source = digests(src, progress, "verify_source")
            copy(src, dst, progress)
            return Copied(source, digests(dst, progress, "verify_result"), _revision(src), aside)
        finally:
            dst.close()
    finally:
        src.close()


def _target(db_path: Path, *, force: bool) -> tuple[sqlite3.Connection, Path | None]:
    """A connection on the database to restore into. A damaged file (the usual reason to
    restore) is moved aside with force, never deleted; without force it is refused."""
    dst = connect(db_path)
    try:
        dst.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return dst, None
    except sqlite3.DatabaseError:
        dst.close()
    aside = db_path.with_name(f"{db_path.name}.damaged-{datetime.now():%Y%m%d-%H%M%S}")
    if not force:
        raise ConfigError("restore.target_damaged", database=str(db_path), aside=aside.name)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{db_path}{suffix}").exists():
            Path(f"{db_path}{suffix}").rename(f"{aside}{suffix}")
    return connect(db_path), aside
