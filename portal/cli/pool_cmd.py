"""`portal import results FILE --city CITY` and `portal export results FILE` (xlsx, or the online
technology market's CSV when FILE ends in .csv).

The handlers import the pool when they run: `portal --help` and every other command load this
module, and need not load openpyxl, the database layer and the search index with it."""

from __future__ import annotations

import argparse
from pathlib import Path

from portal.cli.common import add_database_options, apply_database_options, say


def register(sub: argparse._SubParsersAction) -> None:
    imp = sub.add_parser("import", help="import records from a file")
    isub = imp.add_subparsers(dest="import_what", required=True)
    res = isub.add_parser("results", help="results from an .xlsx file (all rows or none)")
    res.add_argument("file", help="an .xlsx in the layout of the template (portal export results --template)")
    res.add_argument("--city", help="city adcode or name: every row's owner must be in this city")
    res.add_argument("--errors", help="where to write the error sheet (default: FILE.errors.xlsx)")
    add_database_options(res)
    res.set_defaults(handler=import_results_cmd)

    exp = sub.add_parser("export", help="export records to a file")
    esub = exp.add_subparsers(dest="export_what", required=True)
    out = esub.add_parser("results", help="listed results to .xlsx, or to the market's CSV when FILE ends in .csv")
    out.add_argument("file")
    out.add_argument("--city", help="only this city (adcode or name)")
    out.add_argument("--field", help="only this technology field (e.g. new_materials)")
    out.add_argument("--q", default="", help="text search")
    out.add_argument("--template", action="store_true", help="write the empty import template instead")
    add_database_options(out)
    out.set_defaults(handler=export_results_cmd)


def import_results_cmd(args: argparse.Namespace) -> int:
    from portal.cli.users_cmd import _city_code
    from portal.core.actor import SYSTEM
    from portal.core.spreadsheet import ImportFailed, error_workbook
    from portal.pool.excel import import_results

    apply_database_options(args)
    path = Path(args.file)
    city = _city_code(args.city)
    try:
        report = import_results(actor=SYSTEM, data=path.read_bytes(), city_code=city, lang=args.lang)
    except ImportFailed as err:
        target = Path(args.errors) if args.errors else path.with_suffix(".errors.xlsx")
        target.write_bytes(error_workbook(err.errors, args.lang))
        for e in err.errors[:20]:
            print(f"{e.row}\t{e.column}\t{e.reason}")
        say(args, "cli.pool.import_errors", path=str(target))
        raise
    say(args, "cli.pool.imported", created=report.created, updated=report.updated, unchanged=report.unchanged)
    if report.ignored_free_trial:
        say(args, "cards.import_free_ignored")
    return 0


def export_results_cmd(args: argparse.Namespace) -> int:
    from portal.cli.users_cmd import _city_code
    from portal.core.actor import SYSTEM
    from portal.pool.browse import PoolFilter, listed_count
    from portal.pool.excel import export_market_csv, export_workbook, template_workbook

    path = Path(args.file)
    if args.template:
        path.write_bytes(template_workbook(args.lang))
        say(args, "cli.pool.exported", count=0, path=str(path))
        return 0
    apply_database_options(args)
    filters = PoolFilter(city_code=_city_code(args.city), field=args.field or None, text=args.q)
    data = export_market_csv(actor=SYSTEM, filters=filters) if path.suffix.lower() == ".csv" else \
        export_workbook(actor=SYSTEM, filters=filters, lang=args.lang)
    path.write_bytes(data)
    total = listed_count(actor=SYSTEM, filters=filters)
    say(args, "cli.pool.exported", count=total, path=str(path))
    return 0
