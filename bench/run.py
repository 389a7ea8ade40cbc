"""Page benchmark on province-scale data: every page, as every role that may open it.

    python -m bench.run --results 20000 200000 --db sqlite postgresql --runs 7 --write bench/RESULTS.md

For each size and database it builds (or reuses) a scale database, then for each page in
`portal.navigation.PAGES` and each demo account whose role may
open it, runs the real router through AppTest: one cold run (its SQL statements are captured),
then `--runs` timed reruns (p50 / p95). The captured SELECTs are re-run bare on the database
(their p50, summed: what the page's data costs without Streamlit). An empty Streamlit page timed
in the same process is the floor every page is compared with. Pages added later are included
automatically. Timings are printed and written as Markdown; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("PORTAL_LOGIN_SLEEP_TIME", "0")
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # page errors are rows of the report
os.environ.setdefault("PORTAL_COOKIE_KEY", "bench-cookie-key-" + "x" * 40)

APP = str(ROOT / "portal" / "app.py")
PG_ADMIN_URL = os.environ.get("PORTAL_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# One account per role (a city manager and the province manager both, they see different scopes).
BENCH_USERS = ["zj_admin", "hz_operator", "zju_officer", "presenter", "hz_manager", "zj_manager", "ent_demo"]
EMPTY_PAGE = "import streamlit as st\nst.title('empty')\n"
AS_OF = "2026-11-25"


@dataclass
class Row:
    """One page as one user."""

    page: str
    user: str
    role: str
    runs: list[float] = field(default_factory=list)
    cold: float = 0.0
    sql: float = 0.0
    queries: int = 0
    slowest_sql: tuple[float, str] = (0.0, "")
    error: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")

    @property
    def p95(self) -> float:
        if not self.runs:
            return float("nan")
        ordered = sorted(self.runs)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@dataclass
class Report:
    """One size on one database."""

    db: str
    results: int
    rows: list[Row]
    empty: Row
    bare: Row
    services: list[Row]
    load_seconds: float | None
    start_seconds: float
    fresh: Row | None = None  # a fresh AppTest of an empty page, as STACK_NOTES measured its floor


# --- the database ---------------------------------------------------------------------------------
def _sqlite_url(results: int, data_dir: Path) -> str:
    return f"sqlite:///{data_dir / f'bench_{results}.db'}"


def _pg_url(results: int) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_ADMIN_URL).set(database=f"portal_bench_{results}").render_as_string(hide_password=False)


def prepare(backend: str, results: int, data_dir: Path, *, rebuild: bool) -> tuple[str, float | None]:
    """A scale database for (db, results): reused when it already holds that many results;
    returns its URL and the load time (None when reused)."""
    from sqlalchemy import create_engine, func, select, text
    from sqlmodel import Session, SQLModel

    import db.models  # noqa: F401
    from db import engine as db_engine
    from db.models import Result
    from db.reference import ensure_regions
    from seed import scale

    if backend == "sqlite":
        data_dir.mkdir(parents=True, exist_ok=True)
        url = _sqlite_url(results, data_dir)
        path = Path(url.removeprefix("sqlite:///"))
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        url = _pg_url(results)
        name = url.rsplit("/", 1)[1]
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists and rebuild:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                exists = None
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    engine = db_engine.configure(url)
    SQLModel.metadata.create_all(engine)  # the current models (migrations may lag during development)
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(Result)).scalar_one()
    if have == results:
        return url, None
    if have:
        raise SystemExit(f"{url} holds {have} results, not {results}: use --rebuild")
    with Session(engine) as s:
        ensure_regions(s)
        s.commit()
    started = time.perf_counter()
    scale.load(engine, results=results, as_of=datetime.fromisoformat(AS_OF).date())
    return url, time.perf_counter() - started


def use(url: str) -> None:
    """Point settings and the process engine at url (as `portal serve` would)."""
    from db import engine as db_engine
    from portal.core.settings import get_settings

    os.environ["PORTAL_DATABASE_URL"] = url
    get_settings.cache_clear()
    db_engine.configure(url)


# --- timing -----------------------------------------------------------------------------------------
class Capture:
    """SQL statements the process engine executes while active."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, object]] = []
        self.active = False

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if self.active and not executemany:
            head = statement.lstrip()[:6].upper()
            if head.startswith(("SELECT", "WITH")):
                self.statements.append((statement, parameters))


def _signed_in(username: str):  # noqa: ANN202
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["lang"] = "zh"
    return at


def _bare(statements: list[tuple[str, object]], runs: int) -> tuple[float, tuple[float, str]]:
    """p50 of running the statements once each, straight on the database; and the slowest one."""
    from db.engine import get_engine

    engine = get_engine()
    per_statement: list[list[float]] = [[] for _ in statements]
    with engine.connect() as conn:
        for _ in range(runs):
            for i, (sql, params) in enumerate(statements):
                t0 = time.perf_counter()
                conn.exec_driver_sql(sql, params).fetchall()
                per_statement[i].append(time.perf_counter() - t0)
            conn.rollback()
    medians = [statistics.median(x) for x in per_statement]
    slowest = max(zip(medians, (s for s, _ in statements), strict=True), default=(0.0, ""))
    return sum(medians), (slowest[0], " ".join(slowest[1].split())[:160])


def time_page(spec, username: str, role: str, runs: int, capture: Capture) -> Row:  # noqa: ANN001
    """Cold run with SQL capture, then `runs` timed reruns of one page as one user."""
    row = Row(page=spec.key, user=username, role=role)
    try:
        at = _signed_in(username)
        at.run()
        if spec.key != "home":
            at.switch_page(f"../pages/{spec.file}")
        capture.statements.clear()
        capture.active = True
        t0 = time.perf_counter()
        at.run()
        row.cold = time.perf_counter() - t0
        capture.active = False
        if at.exception:
            row.error = str(at.exception[0].message)[:120]
            return row
        statements = list(capture.statements)
        for _ in range(runs):
            t0 = time.perf_counter()
            at.run()
            row.runs.append(time.perf_counter() - t0)
        row.queries = len(statements)
        if statements:
            row.sql, row.slowest_sql = _bare(statements, runs)
    except Exception as exc:  # noqa: BLE001 — a broken page is a row of the report, not the end of it
        capture.active = False
        row.error = f"{type(exc).__name__}: {exc}"[:120]
    return row


def _services() -> list[tuple[str, str, object]]:
    """(name, user, call(actor, i)) for the service calls with their own targets: the pool search,
    the recommendation for a demand, the dashboard funnel (a new period each call, so uncached)."""
    from datetime import date, timedelta

    out: list[tuple[str, str, object]] = []
    try:
        from portal.pool.browse import PoolFilter, search_pool

        out.append(("pool search '电池' (text)", "hz_operator",
                    lambda a, i: search_pool(actor=a, filters=PoolFilter(text="电池"))))
        out.append(("pool browse: Hangzhou, new materials", "hz_operator",
                    lambda a, i: search_pool(actor=a, filters=PoolFilter(city_code="330100", field="new_materials"))))
    except ImportError:
        pass
    try:
        from sqlmodel import select

        from db.engine import read_session
        from db.models import Demand
        from portal.search.recommend import recommend_for_demand

        def recommend(a, i):  # noqa: ANN001, ANN202
            with read_session() as s:
                ids = s.exec(select(Demand.id).where(Demand.city_code == "330100").order_by(Demand.id).limit(20)).all()
            return recommend_for_demand(actor=a, demand_id=ids[i % len(ids)])

        out.append(("recommend results for a demand", "hz_operator", recommend))
    except ImportError:
        pass
    try:
        from portal.dashboards.figures import funnel

        end = date.fromisoformat(AS_OF)
        out.append(("dashboard funnel, province, 1 year (uncached)", "zj_manager",
                    lambda a, i: funnel(actor=a, start=end - timedelta(days=365 + i), end=end)))
    except ImportError:
        pass
    return out


def time_services(runs: int) -> list[Row]:
    """Each service call once cold, then `runs` times (p50 / p95); errors become rows."""
    from portal.core.auth import load_actor

    rows = []
    for name, username, call in _services():
        row = Row(page=name, user=username, role="service")
        try:
            actor = load_actor(username, "zh")
            t0 = time.perf_counter()
            call(actor, 0)
            row.cold = time.perf_counter() - t0
            for i in range(1, runs + 1):
                t0 = time.perf_counter()
                call(actor, i)
                row.runs.append(time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001
            row.error = f"{type(exc).__name__}: {exc}"[:120]
        rows.append(row)
    return rows


def time_router_empty(runs: int, capture: Capture) -> Row:
    """The portal's own floor: an empty page behind the router (sign-in check, navigation by role),
    registered for this process only."""
    from db.models.enums import Role
    from portal import navigation

    spec = navigation.PageSpec("bench_empty", "../bench/empty_page.py", ":material/timer:", "main", tuple(Role))
    navigation.PAGES.append(spec)
    try:
        row = time_page(spec, "hz_operator", "city_operator", runs, capture)
    finally:
        navigation.PAGES.remove(spec)
    row.page = "(empty page behind the router)"
    return row


def time_empty(runs: int) -> Row:
    from streamlit.testing.v1 import AppTest

    row = Row(page="(empty Streamlit page)", user="-", role="-")
    at = AppTest.from_string(EMPTY_PAGE, default_timeout=60)
    at.run()
    for _ in range(runs):
        t0 = time.perf_counter()
        at.run()
        row.runs.append(time.perf_counter() - t0)
    return row


def time_fresh_empty(runs: int) -> Row:
    """An empty page the way STACK_NOTES timed the framework's floor (about 60 ms): a new AppTest
    built and run each time (script compiled, session and runtime set up), not a rerun."""
    from streamlit.testing.v1 import AppTest

    row = Row(page="(fresh AppTest of an empty page)", user="-", role="-")
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        AppTest.from_string(EMPTY_PAGE, default_timeout=60).run()
        row.runs.append(time.perf_counter() - t0)
    row.runs.pop(0)  # the first one imports
    return row


def time_start(url: str) -> float:
    """Seconds from a fresh Python process to the first rendered page (imports, engine, sign-in
    check, home page): what a city operator waits for after `portal serve`."""
    import subprocess

    code = ("import time; t=time.perf_counter()\n"
            "from bench.run import _signed_in\n"
            "at=_signed_in('hz_operator'); at.run()\n"
            "assert not at.exception, at.exception\n"
            "print(time.perf_counter()-t)\n")
    env = dict(os.environ, PORTAL_DATABASE_URL=url)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print(out.stderr[-2000:], file=sys.stderr)
        return float("nan")


def targets(pages: set[str] | None = None, max_roles: int | None = None) -> list[tuple]:
    """(page spec, username or None, role label) for every page in the navigation and every bench
    user whose role may open it, then the public pages signed out: new pages come in by themselves."""
    from portal import navigation
    from portal.core.auth import load_actor

    actors = [(u, load_actor(u, "zh")) for u in BENCH_USERS]
    out: list[tuple] = []
    for spec in navigation.PAGES:
        if pages and spec.key not in pages:
            continue
        allowed = [(u, a) for u, a in actors if a is not None and spec.allows(a)]
        for username, actor in allowed[:max_roles]:
            out.append((spec, username, actor.role + ("/province" if actor.role == "manager" and actor.is_province else "")))
    return out


def bench(db: str, results: int, *, runs: int, data_dir: Path, rebuild: bool, max_roles: int | None,
          pages: set[str] | None, start: bool = True) -> Report:
    """Every page as every allowed bench user on one scale database."""
    from sqlalchemy import event

    from db.engine import get_engine

    url, load_seconds = prepare(db, results, data_dir, rebuild=rebuild)
    use(url)
    capture = Capture()
    event.listen(get_engine(), "before_cursor_execute", capture)
    rows: list[Row] = []
    services = time_services(runs) if not pages else []
    for row in services:
        _progress(db, results, row, None)
    try:
        bare = time_empty(runs)
        fresh = time_fresh_empty(runs)
        empty = time_router_empty(runs, capture)
        if empty.error:  # the router itself is broken: compare with bare Streamlit
            empty = bare
        for spec, username, role in targets(pages, max_roles):
            rows.append(time_page(spec, username, role, runs, capture))
            _progress(db, results, rows[-1], empty)
    finally:
        event.remove(get_engine(), "before_cursor_execute", capture)
    start_seconds = time_start(url) if start else float("nan")
    return Report(db=db, results=results, rows=rows, empty=empty, bare=bare, fresh=fresh, services=services,
                  load_seconds=load_seconds,
                  start_seconds=start_seconds)


def _progress(db: str, results: int, row: Row, empty: Row | None) -> None:
    if row.error:
        print(f"{db:<10} {results:>7} {row.page:<24} {row.user:<12} ERROR {row.error}", flush=True)
        return
    ratio = f"×empty {row.p50 / empty.p50:5.2f}" if empty else f"cold {row.cold * 1000:7.1f} ms"
    print(f"{db:<10} {results:>7} {row.page:<24} {row.user:<12} p50 {row.p50 * 1000:7.1f} ms  "
          f"p95 {row.p95 * 1000:7.1f} ms  sql {row.sql * 1000:7.1f} ms ({row.queries} q)  {ratio}", flush=True)


# --- the report ---------------------------------------------------------------------------------------
def machine() -> str:
    """Where the numbers were taken."""
    import sqlite3

    import streamlit

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    pg = "?"
    try:
        from sqlalchemy import create_engine, text

        eng = create_engine(PG_ADMIN_URL)
        with eng.connect() as conn:
            pg = conn.execute(text("SHOW server_version")).scalar_one()
        eng.dispose()
    except Exception:  # noqa: BLE001
        pass
    load = ""
    if hasattr(os, "getloadavg"):  # other work on the machine inflates every number
        load = f"; load average at the end {os.getloadavg()[0]:.1f}"
    return (f"{platform.node() or 'host'}: {cpu}, {os.cpu_count()} cores{mem}{load}; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}, Streamlit {streamlit.__version__}, "
            f"SQLite {sqlite3.sqlite_version}, PostgreSQL {pg}")


def _ms(x: float) -> str:
    return "–" if x != x else f"{x * 1000:.1f}"  # NaN → dash


def markdown(reports: list[Report], *, runs: int) -> str:
    """RESULTS.md: one table per database and size, then growth between the sizes."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"# Benchmark results\n\nMeasured {now} on {machine()}.\n",
           f"Command: `python -m bench.run --results {' '.join(str(s) for s in sorted({r.results for r in reports}))} "
           f"--db {' '.join(sorted({r.db for r in reports}))} --runs {runs}` (sizes may come from separate runs "
           "combined with `--include`). Each page is rendered by the real "
           "router through AppTest, signed in as a demo account of the role; p50/p95 over the timed reruns "
           "after one cold run. *SQL* is the sum of the p50 of each SELECT the cold run issued, re-run bare; "
           "*× empty* is the page's p50 over the p50 of an empty page behind the same router, timed in the same "
           "process (a bare Streamlit script is given too).\n"]
    for r in reports:
        load = "reused" if r.load_seconds is None else f"{r.load_seconds:.1f} s"
        out.append(f"\n## {r.db}, {r.results:,} results\n\nEmpty page behind the router (the floor, hz_operator): "
                   f"p50 {_ms(r.empty.p50)} ms, p95 {_ms(r.empty.p95)} ms; bare empty Streamlit script: "
                   f"p50 {_ms(r.bare.p50)} ms; a fresh AppTest of an empty page (STACK_NOTES' 62 ms floor): "
                   f"{_ms(r.fresh.p50) if r.fresh else 'not measured'} ms. Data set load: {load}. Fresh process to "
                   f"first page (hz_operator, home): {r.start_seconds:.2f} s.\n")
        out.append(_verdict(r))
        if r.services:
            out.append("| service call | user | p50 ms | p95 ms | cold ms |")
            out.append("|---|---|---:|---:|---:|")
            for row in r.services:
                if row.error:
                    out.append(f"| {row.page} | {row.user} | error | {row.error.replace('|', '/')} | |")
                else:
                    out.append(f"| {row.page} | {row.user} | {_ms(row.p50)} | {_ms(row.p95)} | {_ms(row.cold)} |")
            out.append("")
        out.append("| page | user (role) | p50 ms | p95 ms | cold ms | SQL ms | queries | × empty | slowest query (ms) |")
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
        for row in r.rows:
            if row.error:
                out.append(f"| {row.page} | {row.user} ({row.role}) | error | | | | | | {row.error.replace('|', '/')} |")
                continue
            slow = f"{row.slowest_sql[0] * 1000:.1f}: `{row.slowest_sql[1].replace('|', '/')}`" if row.queries else ""
            out.append(f"| {row.page} | {row.user} ({row.role}) | {_ms(row.p50)} | {_ms(row.p95)} | {_ms(row.cold)} | "
                       f"{_ms(row.sql)} | {row.queries} | {row.p50 / r.empty.p50:.2f} | {slow} |")
    sizes = sorted({r.results for r in reports})
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        out.append(f"\n## Growth from {small:,} to {large:,} results (×{large / small:g} data)\n")
        out.append("| database | page | user | p50 small ms | p50 large ms | growth | SQL small ms | SQL large ms |")
        out.append("|---|---|---|---:|---:|---:|---:|---:|")
        for db in sorted({r.db for r in reports}):
            by = {r.results: r for r in reports if r.db == db}
            if small not in by or large not in by:
                continue
            rows_small = {(x.page, x.user): x for x in by[small].rows}
            for x in by[large].rows:
                s = rows_small.get((x.page, x.user))
                if s is None or s.error or x.error:
                    continue
                out.append(f"| {db} | {x.page} | {x.user} | {_ms(s.p50)} | {_ms(x.p50)} | {x.p50 / s.p50:.2f} | "
                           f"{_ms(s.sql)} | {_ms(x.sql)} |")
    return "\n".join(out) + "\n"


def _verdict(r: Report) -> str:
    """How many page × role runs meet the targets of issue 10, against either floor."""
    ok = [x for x in r.rows if not x.error]
    strict = sum(x.p50 <= 2 * r.empty.p50 for x in ok)
    line = f"Pages meeting p50 ≤ 2× the router floor: {strict} of {len(ok)}"
    if r.fresh:
        line += f"; p50 ≤ 2× a fresh empty AppTest ({_ms(2 * r.fresh.p50)} ms): {sum(x.p50 <= 2 * r.fresh.p50 for x in ok)}"
    slow = [f"{x.page} ({x.user})" for x in ok if x.p95 > 0.3]
    return line + f"; p95 over 300 ms: {len(slow)}" + (f" — {', '.join(slow)}" if slow else "") + ".\n"


def quiet() -> None:
    """Streamlit logs every page error with a traceback; the report has them as rows instead."""
    import logging

    from streamlit import logger

    logger.set_log_level("critical")
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").disabled = True


def share_script_cache() -> None:
    """Compile each script once, as the server does.

    A Streamlit server keeps one ScriptCache for the app, so a rerun executes cached bytecode;
    AppTest builds a new cache for every run and so recompiles the router and the page each time
    (5–20 ms a run, growing with the page's length), a cost no user ever pays.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment]


def save(report: Report, data_dir: Path) -> Path:
    """Keep a run's report as JSON, so sizes measured in separate runs go into one RESULTS.md."""
    import dataclasses
    import json

    path = data_dir / f"report_{report.db}_{report.results}.json"
    path.write_text(json.dumps(dataclasses.asdict(report), ensure_ascii=False), encoding="utf-8")
    return path


def load_report(path: Path) -> Report:
    import json

    raw = json.loads(Path(path).read_text(encoding="utf-8"))

    def row(d: dict) -> Row:
        return Row(**{**d, "slowest_sql": tuple(d["slowest_sql"])})

    return Report(db=raw["db"], results=raw["results"], rows=[row(x) for x in raw["rows"]], empty=row(raw["empty"]),
                  bare=row(raw["bare"]), services=[row(x) for x in raw["services"]],
                  load_seconds=raw["load_seconds"], start_seconds=raw["start_seconds"],
                  fresh=row(raw["fresh"]) if raw.get("fresh") else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, nargs="+", default=[20000], help="data set sizes")
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=7, help="timed reruns per page (≥ 5 for real numbers)")
    parser.add_argument("--data-dir", default="/tmp/portal-bench", help="where the SQLite scale files live")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the scale databases")
    parser.add_argument("--max-roles", type=int, default=None, help="at most this many users per page")
    parser.add_argument("--pages", help="only these page keys, comma separated")
    parser.add_argument("--no-start", action="store_true", help="skip the fresh-process start-up timing")
    parser.add_argument("--write", help="write the Markdown report to this file")
    parser.add_argument("--include", nargs="*", default=[], metavar="JSON",
                        help="reports of earlier runs (report_<db>_<size>.json in the data folder) to add")
    args = parser.parse_args(argv)
    pages = set(args.pages.split(",")) if args.pages else None
    quiet()
    share_script_cache()
    reports = [load_report(Path(p)) for p in args.include]
    for db in args.db:
        for n in args.results:
            if n <= 0:
                continue  # --results 0: only combine the --include'd reports
            report = bench(db, n, runs=args.runs, data_dir=Path(args.data_dir), rebuild=args.rebuild,
                           max_roles=args.max_roles, pages=pages, start=not args.no_start)
            save(report, Path(args.data_dir))
            reports.append(report)
    reports.sort(key=lambda r: (r.db, r.results))
    text = markdown(reports, runs=args.runs)
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
