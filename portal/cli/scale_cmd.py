"""`portal seed scale` (a province-scale data set) and `portal rollup FILE...` (city files → province)."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date

from portal.cli.common import add_database_options, apply_database_options, say
from portal.core.errors import ValidationError

MAX_RESULTS = 2_000_000  # keeps result serials unique per city


def register(sub: argparse._SubParsersAction) -> None:
    seed = sub.add_parser("seed", help="generated data sets")
    seed_sub = seed.add_subparsers(dest="seed_command", required=True)
    scale = seed_sub.add_parser("scale", help="fill an empty database with a province-scale data set")
    scale.add_argument("--results", default="200000", help="number of results (the other tables follow in proportion)")
    scale.add_argument("--seed", type=int, default=2026, help="random seed (same seed and date, same data)")
    scale.add_argument("--as-of", help="the data set's 'today', YYYY-MM-DD (default: today)")
    scale.add_argument("--city", help="only this city (adcode): a city's own database, as sent to the roll-up")
    scale.add_argument("--reset", action="store_true", help="drop all data first")
    scale.add_argument("--quiet", action="store_true", help="no progress bar")
    add_database_options(scale)
    scale.set_defaults(handler=scale_cmd)

    rollup = sub.add_parser("rollup", help="merge city SQLite files into this (province) database")
    rollup.add_argument("files", nargs="+", metavar="FILE", help="a city's portal.db")
    rollup.add_argument("--city", help="refuse a file that is not this city's (adcode, e.g. 330200)")
    add_database_options(rollup)
    rollup.set_defaults(handler=rollup_cmd)


def _results(value: str) -> int:
    try:
        n = int(str(value).replace("_", "").replace(",", ""))
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_RESULTS:
        raise ValidationError("scale.bad_size", field="results")
    return n


def _city(value: str | None) -> str | None:
    from portal.core.regions import cities

    if not value:
        return None
    for c in cities():
        if value.strip() in (c.code, c.name_zh, c.name_en, c.name_zh.rstrip("市")):
            return c.code
    raise ValidationError("scale.bad_city", field="city", value=value)


def _as_of(value: str | None) -> date:
    from portal.core.clock import today

    if not value:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError("scale.bad_date", field="as_of") from exc


def prepare_empty(*, reset: bool) -> None:
    """Migrate the configured database (after dropping everything when reset) and refuse one
    that already holds results."""
    from sqlalchemy import func, select
    from sqlmodel import SQLModel

    from db.engine import check_connection, get_engine
    from db.migrate import upgrade
    from db.models import Result
    from portal.cli.serve_cmd import _reset

    check_connection()
    engine = get_engine()
    if reset:
        _reset(engine)
    upgrade(engine)
    # Tables another capability added since the last migration was generated (development only;
    # the lead regenerates the migration from the models).
    SQLModel.metadata.create_all(engine, checkfirst=True)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(Result)).scalar_one()
    if count:
        raise ValidationError("scale.not_empty", field="results", results=count)


def scale_cmd(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from db.engine import get_engine
    from seed import scale

    n = _results(args.results)
    as_of = _as_of(args.as_of)
    city = _city(args.city)
    apply_database_options(args, create_dir=True)
    prepare_empty(reset=args.reset)
    say(args, "scale.generating", results=n, seed=args.seed, as_of=as_of.isoformat())
    sys.stdout.flush()
    started = time.perf_counter()
    with tqdm(total=scale.expected_rows(n), unit=" rows", unit_scale=True, disable=args.quiet,
              file=sys.stderr, dynamic_ncols=True) as bar:
        written = scale.load(get_engine(), results=n, seed=args.seed, as_of=as_of, city=city,
                             on_rows=bar.update)
        bar.total = bar.n
        bar.refresh()
    seconds = time.perf_counter() - started
    rows = sum(written.values())
    for table, count in written.items():
        say(args, "scale.table_rows", table=table, rows=count)
    say(args, "scale.done", rows=rows, seconds=f"{seconds:.1f}", per_second=f"{rows / max(seconds, 1e-9):,.0f}")
    return 0


def rollup_cmd(args: argparse.Namespace) -> int:
    from portal.admin.rollup import rollup_files

    apply_database_options(args, create_dir=True)
    for report in rollup_files(args.files, expected_city=args.city):
        say(args, "rollup.merged", path=report.path, city=report.city_name(args.lang), inserted=report.inserted,
            updated=report.updated, unchanged=report.unchanged)
    return 0
