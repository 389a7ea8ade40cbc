"""`portal backup` / `portal restore`: a copy of the configured database, verified table by table.

SQLite uses the online backup API (`backup_sqlite`), PostgreSQL pg_dump / pg_restore
(`backup_postgres`). Each compares every table's rows and checksum between source and result
(`backup_digest`); a backup that differs is not kept, a restore that differs is an error.
Refusals name the file or database at fault and change nothing.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from db.engine import get_engine
from portal.admin import backup_postgres, backup_sqlite
from portal.admin.backup_digest import KIND_NAMES, Copied, Mismatch, Progress, Silent, Verification
from portal.core import cache
from portal.core.errors import ConfigError, ValidationError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"

__all__ = ["Mismatch", "Verification", "backup", "backup_kind", "restore"]


def backup_kind(path: Path) -> str:
    """'sqlite' or 'postgresql' from the file's first bytes; refuses anything else."""
    if not path.is_file():
        raise ValidationError("backup.missing_file", field="backup_file", path=str(path))
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise ValidationError("backup.not_backup", field="backup_file", path=str(path))


def _check_destination(target: Path, database: Path | None, force: bool) -> None:
    if not target.parent.is_dir():
        raise ValidationError("backup.no_folder", field="backup_file", path=str(target.parent))
    if not os.access(target.parent, os.W_OK):
        raise ValidationError("backup.no_write", field="backup_file", path=str(target.parent))
    if database is not None and target.exists() and target.resolve() == database.resolve():
        raise ValidationError("backup.is_database", field="backup_file", path=str(target))
    if target.exists() and not force:
        raise ValidationError("backup.file_exists", field="backup_file", path=str(target))


@contextmanager
def _database_errors(engine: Engine) -> Iterator[None]:
    """A database that cannot be read or written (damaged, locked, no rights) as a message."""
    try:
        yield
    except (sqlite3.DatabaseError, DBAPIError) as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        raise ConfigError("backup.database_failed", database=engine.url.render_as_string(hide_password=True),
                          detail=detail) from exc


def backup(path: str | Path, *, force: bool = False, progress: Progress | None = None) -> Verification:
    """Back up the configured database into path; the file appears only once verified."""
    engine, target, progress = get_engine(), Path(path).expanduser(), progress or Silent()
    sqlite = engine.dialect.name == "sqlite"
    database = backup_sqlite.database_file(engine, existing=True) if sqlite else None
    _check_destination(target, database, force)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        with _database_errors(engine):
            copied = (backup_sqlite.dump(database, partial, progress) if database is not None
                      else backup_postgres.dump(engine, partial, progress))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    verification = _verification(engine.dialect.name, target, copied, started)
    if verification.differing():
        partial.unlink(missing_ok=True)
        raise Mismatch("backup.mismatch", verification)
    os.replace(partial, target)
    return verification


def restore(path: str | Path, *, force: bool = False, progress: Progress | None = None) -> Verification:
    """Replace the configured database by the backup at path; without force, only an empty one."""
    engine, source, progress = get_engine(), Path(path).expanduser(), progress or Silent()
    kind = backup_kind(source)
    if kind != engine.dialect.name:
        raise ValidationError("restore.wrong_kind", field="backup_file", path=str(source),
                              found=KIND_NAMES[kind], expected=KIND_NAMES.get(engine.dialect.name, engine.dialect.name))
    started = time.perf_counter()
    with _database_errors(engine):
        if kind == "sqlite":
            database = backup_sqlite.database_file(engine, existing=False)
            engine.dispose()  # pooled connections must not keep the old schema cached
            copied = backup_sqlite.load(source, database, progress, force=force)
        else:
            copied = backup_postgres.load(engine, source, progress, force=force)
    cache.invalidate()  # figures cached from the database that was there before
    verification = _verification(kind, source, copied, started)
    if verification.differing():
        raise Mismatch("restore.mismatch", verification)
    return verification


def _verification(kind: str, path: Path, copied: Copied, started: float) -> Verification:
    return Verification(kind, path, copied.source, copied.result, copied.revision, time.perf_counter() - started,
                        copied.set_aside)
