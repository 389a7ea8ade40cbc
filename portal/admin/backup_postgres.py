"""PostgreSQL backups: `pg_dump --format=custom` and `pg_restore`, verified in COPY text form.

pg_dump reads the snapshot exported by the transaction that verifies the source, so both see
the same database while the server goes on writing. The dump stores each table's rows as COPY
text; `pg_restore --file=-` gives them back, and the live tables are read the same way with the
text settings pg_dump uses, so the two hash alike.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect

from portal.admin.backup_digest import (
    EMPTY,
    PORTAL_TABLES,
    Copied,
    Digests,
    Progress,
    digest,
    refuse_holdings,
)
from portal.core.errors import ConfigError, ValidationError

PG_DUMP_OPTIONS: tuple[str, ...] = ("--format=custom",)
PG_RESTORE_OPTIONS: tuple[str, ...] = ("--clean", "--if-exists", "--no-owner", "--no-privileges",
                                       "--single-transaction", "--exit-on-error")
# pg_dump sets DateStyle, IntervalStyle and extra_float_digits itself, and is given TimeZone (PGTZ)
TEXT_SETTINGS = ("SET LOCAL DateStyle = 'ISO'", "SET LOCAL IntervalStyle = 'postgres'",
                 "SET LOCAL extra_float_digits = 3", "SET LOCAL TimeZone = 'UTC'")
COPY_HEADER = re.compile(rb'^COPY (?:"?\w+"?\.)?"?([^"\s]+)"? \(.*\) FROM stdin;$')
LIST_TABLE = re.compile(rb"^\d+; \d+ \d+ TABLE public (\S+) ")


def tool(name: str) -> str:
    """The path of pg_dump / pg_restore; refuses naming what to install."""
    found = shutil.which(name)
    if not found:
        raise ConfigError("backup.no_tool", tool=name)
    return found


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """The connection string for the tools, with the password in the environment (not in ps)."""
    url = engine.url
    env = dict(os.environ, PGTZ="UTC", PGCLIENTENCODING="UTF8")
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _tail(stderr: bytes) -> str:
    lines = [ln for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return " / ".join(lines[-3:])[:400] or "?"


def _tables(conn: Connection) -> list[str]:
    return sorted(inspect(conn).get_table_names())


def counts(conn: Connection) -> dict[str, int]:
    return {t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one() for t in _tables(conn)}


def _revision(conn: Connection) -> str | None:
    if "alembic_version" not in _tables(conn):
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _copy_rows(conn: Connection, table: str) -> Iterator[bytes]:
    with conn.connection.driver_connection.cursor().copy(f'COPY "{table}" TO STDOUT') as rows:
        for row in rows:
            yield bytes(row)[:-1]


def digests(conn: Connection, progress: Progress, phase: str) -> Digests:
    """Every table's digest, inside conn's open transaction."""
    for statement in TEXT_SETTINGS:
        conn.exec_driver_sql(statement)
    found = counts(conn)
    progress.phase(phase, sum(found.values()))
    return {table: digest(_copy_rows(conn, table), progress) for table in found}


def dump_tables(path: Path) -> list[str]:
    """The tables a custom-format dump holds; refuses a damaged dump or another's."""
    listing = subprocess.run([tool("pg_restore"), "--list", str(path)], capture_output=True, check=False)
    if listing.returncode:
        raise ValidationError("backup.corrupt", field="backup_file", path=str(path))
    tables = sorted({m.group(1).decode() for line in listing.stdout.splitlines() if (m := LIST_TABLE.match(line))})
    if not PORTAL_TABLES <= set(tables):
        raise ValidationError("backup.not_portal", field="backup_file", path=str(path))
    return tables


def _block(lines: Iterator[bytes]) -> Iterator[bytes]:
    """The rows of one COPY block, without their newline, up to its end marker."""
    for line in lines:
        if line == b"\\.\n":
            return
        yield line[:-1]


def dump_digests(path: Path, progress: Progress, phase: str, total: int | None) -> Digests:
    """Every table's digest from a dump's COPY data; a damaged dump is refused."""
    out: Digests = dict.fromkeys(dump_tables(path), EMPTY)
    progress.phase(phase, total)
    proc = subprocess.Popen([tool("pg_restore"), "--data-only", "--file=-", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    lines = iter(proc.stdout.readline, b"")
    for line in lines:
        header = COPY_HEADER.match(line.rstrip(b"\n"))
        if header:
            out[header.group(1).decode()] = digest(_block(lines), progress)
    if proc.wait():
        raise ValidationError("backup.corrupt", field="backup_file", path=str(path))
    return out


def dump(engine: Engine, partial: Path, progress: Progress) -> Copied:
    """pg_dump into partial, beside our reading of the same snapshot; then read the dump back."""
    pg_dump = tool("pg_dump")
    tool("pg_restore")  # the verification reads the dump back
    conninfo, env = _libpq(engine)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        proc = subprocess.Popen([pg_dump, *PG_DUMP_OPTIONS, f"--snapshot={snapshot}", f"--file={partial}",
                                 f"--dbname={conninfo}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            source = digests(conn, progress, "verify_source")
            revision = _revision(conn)
        finally:
            _, error = proc.communicate()  # the snapshot lives until pg_dump is done
    if proc.returncode:
        partial.unlink(missing_ok=True)
        raise ConfigError("backup.tool_failed", tool="pg_dump", detail=_tail(error))
    total = sum(d.rows for d in source.values())
    return Copied(source, dump_digests(partial, progress, "verify_result", total), revision)


def load(engine: Engine, source_path: Path, progress: Progress, *, force: bool) -> Copied:
    """Replace the configured database's tables by the dump's, in one pg_restore transaction."""
    pg_restore = tool("pg_restore")
    conninfo, env = _libpq(engine)
    if not force:
        with engine.connect() as conn:
            refuse_holdings(counts(conn), engine.url.render_as_string(hide_password=True))
    source = dump_digests(source_path, progress, "verify_source", None)  # a damaged dump stops here
    with engine.begin() as conn:  # tables the dump lacks would survive --clean (and block its drops)
        for table in sorted(set(_tables(conn)) - set(source)):
            conn.exec_driver_sql(f'DROP TABLE "{table}" CASCADE')
    engine.dispose()
    progress.phase("restore", None)
    done = subprocess.run([pg_restore, *PG_RESTORE_OPTIONS, f"--dbname={conninfo}", str(source_path)],
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if done.returncode:
        raise ConfigError("backup.tool_failed", tool="pg_restore", detail=_tail(done.stderr))
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        return Copied(source, digests(conn, progress, "verify_result"), _revision(conn))
