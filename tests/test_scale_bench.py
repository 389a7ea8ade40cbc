"""A small run of the page benchmark, so that the command keeps working as pages are added
(its timings are reported, never asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import run
from db import engine as db_engine
from portal import navigation
from portal.core.settings import get_settings


@pytest.fixture
def bench_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("PORTAL_DATABASE_URL", "sqlite://")  # restored afterwards; the bench sets its own
    yield tmp_path
    get_settings.cache_clear()
    db_engine.configure("sqlite://")


def test_bench_covers_every_page_for_every_role_that_may_open_it(bench_env: Path) -> None:
    run.use(run.prepare("sqlite", 150, bench_env, rebuild=False)[0])
    planned = run.targets()
    by_page: dict[str, set[str]] = {}
    for spec, username, _role in planned:
        by_page.setdefault(spec.key, set()).add(username)
    assert set(by_page) == {p.key for p in navigation.PAGES}
    assert by_page["home"] == set(run.BENCH_USERS)
    assert by_page["audit"] == {"zj_admin", "hz_operator"}


def test_bench_command_writes_the_report(bench_env: Path) -> None:
    out = bench_env / "RESULTS.md"
    pages = "home,audit"
    assert run.main(["--results", "150", "--db", "sqlite", "--runs", "2", "--pages", pages, "--no-start",
                     "--data-dir", str(bench_env), "--write", str(out)]) == 0
    report = out.read_text(encoding="utf-8")
    assert "## sqlite, 150 results" in report and "Empty page behind the router (the floor, hz_operator): p50" in report
    rows = [line for line in report.splitlines() if line.startswith(("| home |", "| audit |"))]
    assert len(rows) == len(run.BENCH_USERS) + 2  # home for every bench user, audit for the two admins
    assert not [r for r in rows if "| error |" in r]
    # runs of other sizes combine through their saved reports
    again = run.markdown([run.load_report(bench_env / "report_sqlite_150.json")], runs=2)
    assert [x for x in again.splitlines() if x.startswith("| home |")] == rows[:len(run.BENCH_USERS)]
