"""`portal backup` / `portal restore` on both databases: a verified copy, a restore that gives back
every row, refusals that name the file or database at fault and change nothing."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session

from db import engine as db_engine
from db.engine import make_engine
from db.migrate import head_revision, upgrade
from portal.admin import backup as service
from portal.admin import backup_postgres, backup_sqlite
from portal.cli import backup_cmd, main
from portal.core.settings import get_settings
from seed.demo import load_demo
from tests.conftest import pg_database, unavailable


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("PORTAL_DATA_DIR", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    db_engine.configure("sqlite://")


def _fill(url: str) -> str:
    """A migrated database with the demo data in it."""
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        load_demo(s)
        s.commit()
    engine.dispose()
    return url


@contextmanager
def _database(kind: str, folder: Path, name: str) -> Iterator[str]:
    """A new, empty database of that kind (a file not yet made, or a PostgreSQL database)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{name}.db'}"
    else:
        if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
            unavailable("pg_dump and pg_restore (Debian: postgresql-client)")
        with pg_database(f"bk_{name}") as url:
            yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo database the tests back up (they do not change it)."""
    with _database(request.param, tmp_path_factory.mktemp("demo"), "demo") as url:
        yield _fill(url)


@pytest.fixture
def empty_url(demo_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as demo_url."""
    with _database(_kind(demo_url), tmp_path, "target") as url:
        yield url


def _kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _suffix(url: str) -> str:
    return ".db" if _kind(url) == "sqlite" else ".dump"


def _contents(url: str) -> dict[str, list[str]]:
    """Every row of every table, read back independently of the backup's own checksums."""
    engine = make_engine(url)
    with engine.connect() as conn:
        out = {t: sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{t}"')))
               for t in inspect(conn).get_table_names()}
    engine.dispose()
    return out


def _execute(url: str, sql: str, **params: object) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()


def _cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _backup_file(demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> Path:
    path = tmp_path / f"portal{_suffix(demo_url)}"
    code, _, err = _cli(capsys, "backup", str(path), "--database-url", demo_url)
    assert code == 0, err
    return path


def test_backup_then_restore_into_an_empty_database_gives_back_every_row(
        demo_url: str, empty_url: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / f"portal-2026-12-01{_suffix(demo_url)}"
    code, out, err = _cli(capsys, "backup", str(path), "--database-url", demo_url)
    assert code == 0 and "Traceback" not in err
    assert f"已备份到 {path}" in out and "每张表的行数和校验和都与数据库一致" in out
    assert "  result                          300        300  " in out  # the report: rows per table, both sides
    assert path.is_file() and not path.with_name(path.name + ".partial").exists()

    code, out, err = _cli(capsys, "--lang", "en", "restore", str(path), "--database-url", empty_url)
    assert code == 0, err
    assert f"Restored from {path}" in out and "every table's rows and checksum match the backup" in out
    assert "run portal db upgrade" not in out  # the demo database is at head
    assert _contents(empty_url) == _contents(demo_url)


def test_restore_refuses_a_database_with_records_unless_forced(
        demo_url: str, empty_url: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = _backup_file(demo_url, tmp_path, capsys)
    _fill(empty_url)
    # the intents no match came from (an enterprise's request that became a match keeps its row)
    _execute(empty_url, "DELETE FROM intent WHERE id NOT IN "
                        "(SELECT intent_id FROM match_record WHERE intent_id IS NOT NULL)")
    _execute(empty_url, "UPDATE result SET title = 'changed after the backup'")
    uuid_type = "CHAR(32)" if _kind(empty_url) == "sqlite" else "UUID"  # a table the backup lacks, tied to one it has
    _execute(empty_url, f"CREATE TABLE leftover (result_id {uuid_type} REFERENCES result (id))")
    before = _contents(empty_url)

    code, out, err = _cli(capsys, "restore", str(path), "--database-url", empty_url)
    assert code == 2 and "Traceback" not in err
    assert "【数据库】" in err and "里已有数据" in err and "result 300" in err and "--force" in err
    assert _contents(empty_url) == before  # nothing changed

    code, out, err = _cli(capsys, "restore", str(path), "--force", "--database-url", empty_url)
    assert code == 0, err
    assert _contents(empty_url) == _contents(demo_url)


def test_a_migrated_database_without_records_is_empty_enough(
        demo_url: str, empty_url: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = _backup_file(demo_url, tmp_path, capsys)
    upgrade(make_engine(empty_url))  # portal db upgrade on the new server: regions only
    code, _, err = _cli(capsys, "restore", str(path), "--database-url", empty_url)
    assert code == 0, err
    assert _contents(empty_url) == _contents(demo_url)


def test_files_that_are_no_backup_are_refused_naming_the_file(
        demo_url: str, empty_url: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    good = _backup_file(demo_url, tmp_path, capsys)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a backup\n")
    truncated = tmp_path / f"truncated{_suffix(demo_url)}"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    unrelated = tmp_path / "other.db"
    with sqlite3.connect(unrelated) as conn:
        conn.execute("CREATE TABLE song (title TEXT)")
    other_kind = unrelated if _kind(demo_url) == "postgresql" else tmp_path / "other.dump"
    if _kind(demo_url) == "sqlite":
        other_kind.write_bytes(b"PGDMP\x01\x0f\x00" + b"\x00" * 64)
    _fill(empty_url)
    before = _contents(empty_url)
    cases = [
        (tmp_path / "missing.db", "找不到文件"),
        (text_file, "不是门户的备份文件"),
        (truncated, "已损坏或不完整"),
        (other_kind, "的备份，而当前配置的数据库是"),
    ]
    if _kind(demo_url) == "sqlite":
        cases.append((unrelated, "不是门户的数据库"))
    for path, expected in cases:
        code, _, err = _cli(capsys, "restore", str(path), "--force", "--database-url", empty_url)
        assert code == 2, path
        assert err.startswith("【备份文件】") and str(path) in err and expected in err and "Traceback" not in err
    assert _contents(empty_url) == before


def test_backup_refusals_name_the_file(demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = _backup_file(demo_url, tmp_path, capsys)
    stamp = path.stat().st_mtime_ns
    code, _, err = _cli(capsys, "backup", str(path), "--database-url", demo_url)
    assert code == 2 and f"【备份文件】{path} 已存在；要覆盖请加 --force。" in err
    assert path.stat().st_mtime_ns == stamp
    code, _, err = _cli(capsys, "--lang", "en", "backup", str(tmp_path / "nowhere" / "x.db"), "--database-url", demo_url)
    assert code == 2 and f"The backup folder {tmp_path / 'nowhere'} does not exist." in err
    code, _, err = _cli(capsys, "backup", str(path), "--force", "--database-url", demo_url)
    assert code == 0 and path.stat().st_mtime_ns != stamp
    if _kind(demo_url) == "sqlite":
        database = demo_url.removeprefix("sqlite:///")
        code, _, err = _cli(capsys, "backup", database, "--force", "--database-url", demo_url)
        assert code == 2 and "就是正在使用的数据库本身" in err


def test_a_damaged_database_is_a_message_and_restoring_sets_it_aside(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = _fill(f"sqlite:///{tmp_path / 'source.db'}")
    good = _backup_file(source, tmp_path, capsys)
    damaged = tmp_path / "data" / "portal.db"
    damaged.parent.mkdir()
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    url = f"sqlite:///{damaged}"
    code, _, err = _cli(capsys, "backup", str(tmp_path / "b.db"), "--database-url", url)
    assert code == 2 and f"无法读写数据库 sqlite:///{damaged}" in err and "Traceback" not in err
    assert not (tmp_path / "b.db").exists()

    code, _, err = _cli(capsys, "--lang", "en", "restore", str(good), "--database-url", url)
    assert code == 2 and f"The database file {damaged} is damaged and cannot be read; with --force" in err
    assert damaged.read_bytes().endswith(b"\xff" * 16)  # untouched
    code, out, err = _cli(capsys, "restore", str(good), "--force", "--database-url", url)
    assert code == 0, err
    kept = list(damaged.parent.glob("portal.db.damaged-*"))
    assert len(kept) == 1 and f"已损坏的数据库文件已改名留存为 {kept[0]}" in out
    assert kept[0].read_bytes().endswith(b"\xff" * 16)
    assert _contents(url) == _contents(source)


def test_a_copy_that_differs_is_an_error_and_not_kept(
        demo_url: str, empty_url: str, tmp_path: Path, capsys: pytest.CaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / f"lossy{_suffix(demo_url)}"
    if _kind(demo_url) == "sqlite":
        copy = backup_sqlite.copy

        def lossy(src: sqlite3.Connection, dst: sqlite3.Connection, progress: object) -> None:
            copy(src, dst, progress)
            dst.execute("DELETE FROM objection WHERE rowid IN (SELECT rowid FROM objection LIMIT 1)")

        monkeypatch.setattr(backup_sqlite, "copy", lossy)
    else:
        monkeypatch.setattr(backup_postgres, "PG_DUMP_OPTIONS", ("--format=custom", "--exclude-table-data=public.objection"))
    code, out, err = _cli(capsys, "backup", str(path), "--database-url", demo_url)
    assert code == 2 and "校验不一致：数据表 objection 的行数或校验和与数据库不同" in err and "Traceback" not in err
    assert "  objection                        20" in out and "不一致" in out  # the report still shows where
    assert not path.exists() and not path.with_name(path.name + ".partial").exists()

    monkeypatch.undo()
    good = _backup_file(demo_url, tmp_path, capsys)
    if _kind(demo_url) == "sqlite":
        monkeypatch.setattr(backup_sqlite, "copy", lossy)
    else:
        monkeypatch.setattr(backup_postgres, "PG_RESTORE_OPTIONS", (*backup_postgres.PG_RESTORE_OPTIONS, "--schema-only"))
    code, _, err = _cli(capsys, "--lang", "en", "restore", str(good), "--database-url", empty_url)
    assert code == 2 and "Verification failed: after the restore, table(s)" in err and "objection" in err


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_backup_while_another_thread_writes(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server goes on writing during the backup; the copy is one consistent moment of it."""
    with _database(kind, tmp_path, "live") as url:
        _fill(url)
        monkeypatch.setattr(backup_sqlite, "COPY_STEP_PAGES", 8)  # many steps, writes between them
        writer = make_engine(url)
        with writer.connect() as conn:
            first = conn.execute(text("SELECT id FROM result")).scalars().first()
        stop, written = threading.Event(), []

        def write() -> None:
            deadline = time.monotonic() + 20  # a backup that never finishes under writes fails, not hangs
            while not stop.is_set() and time.monotonic() < deadline:
                with writer.begin() as conn:
                    conn.execute(text("INSERT INTO action_key (key, action, entity, entity_id, created_at) "
                                      "VALUES (:k, 'test.write', 'result', '1', :at)"),
                                 {"k": uuid.uuid4().hex, "at": datetime.now(UTC)})
                    conn.execute(text("UPDATE result SET title = title || '+' WHERE id = :id"), {"id": first})
                written.append(1)

        class Watch:
            """Counts the writes seen at each phase of the backup."""

            def __init__(self) -> None:
                self.seen: list[int] = []

            def phase(self, name: str, total: int | None) -> None:
                self.seen.append(len(written))
                time.sleep(0.05)  # let the writer in

            def advance(self, n: int) -> None:
                time.sleep(0.002)

        thread = threading.Thread(target=write)
        thread.start()
        path = tmp_path / f"live-backup{_suffix(url)}"
        try:
            while len(written) < 5:
                time.sleep(0.01)
            db_engine.configure(url)
            watch, start = Watch(), len(written)
            done = service.backup(path, progress=watch)
        finally:
            stop.set()
            thread.join()
            writer.dispose()
    assert watch.seen[-1] > watch.seen[0]  # the writer went on during the copy and its checks
    assert done.differing() == []
    keys = done.result["action_key"].rows  # as read back from the file written
    # the copy is the moment the backup began (a write may commit just before it is counted)
    assert start <= keys <= watch.seen[0] + 1 and keys == done.source["action_key"].rows
    if kind == "sqlite":
        with sqlite3.connect(path) as copy:
            assert copy.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            assert copy.execute("SELECT count(*) FROM action_key").fetchone()[0] == keys
            assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file


@pytest.mark.parametrize("demo_url", ["postgresql"], indirect=True)
def test_postgresql_without_pg_dump_names_what_to_install(
        demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.which
    monkeypatch.setattr(backup_postgres.shutil, "which", lambda name: None if name == "pg_dump" else real(name))
    code, _, err = _cli(capsys, "backup", str(tmp_path / "x.dump"), "--database-url", demo_url)
    assert code == 2 and "找不到 pg_dump" in err and "apt-get install postgresql-client" in err
    assert not (tmp_path / "x.dump").exists()


def test_an_older_backup_says_to_upgrade(tmp_path: Path, capsys: pytest.CaptureFixture,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    source = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(source)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    engine.dispose()
    path = tmp_path / "old-backup.db"
    assert _cli(capsys, "backup", str(path), "--database-url", source)[0] == 0
    monkeypatch.delenv("PORTAL_DATABASE_URL")  # the CLI exported it for a server it might start
    code, out, _ = _cli(capsys, "restore", str(path), "--data-dir", str(tmp_path / "new"))
    assert code == 0 and f"备份的数据库版本是 0003，本程序的是 {head_revision()}：请运行 portal db upgrade。" in out
    assert (tmp_path / "new" / "portal.db").is_file()
    engine = make_engine(source)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    monkeypatch.setenv("PORTAL_DATABASE_URL", source)
    assert _cli(capsys, "backup", str(path), "--force")[0] == 0
    monkeypatch.delenv("PORTAL_DATABASE_URL")
    code, out, _ = _cli(capsys, "restore", str(path), "--force", "--data-dir", str(tmp_path / "new"))
    assert code == 0 and "备份的数据库版本 9999 比本程序" in out and "portal db upgrade" not in out


def test_the_progress_bar_shows_on_a_slow_database_only(
        tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    url = _fill(f"sqlite:///{tmp_path / 'bar.db'}")
    monkeypatch.setattr(backup_cmd, "SHOW_AFTER_SECONDS", 0)
    code, _, err = _cli(capsys, "backup", str(tmp_path / "b.db"), "--database-url", url)
    assert code == 0 and "校验源数据" in err and "rows" in err
    code, _, err = _cli(capsys, "backup", str(tmp_path / "c.db"), "--quiet", "--database-url", url)
    assert code == 0 and err == ""
    monkeypatch.setattr(backup_cmd, "SHOW_AFTER_SECONDS", 30)  # the demo database takes well under that
    code, _, err = _cli(capsys, "backup", str(tmp_path / "d.db"), "--database-url", url)
    assert code == 0 and err == ""
