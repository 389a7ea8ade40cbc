"""`portal db upgrade|current`: migrate a database in place, keeping its data."""

from __future__ import annotations

import argparse

from portal.cli.common import add_database_options, apply_database_options, say


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="upgrade the schema to the newest version")
    add_database_options(up)
    up.set_defaults(handler=upgrade)
    cur = db_sub.add_parser("current", help="print the schema version")
    add_database_options(cur)
    cur.set_defaults(handler=current)


def upgrade(args: argparse.Namespace) -> int:
    from db.engine import check_connection, get_engine
    from db.migrate import upgrade as run_upgrade

    apply_database_options(args, create_dir=True)
    check_connection()
    say(args, "cli.upgraded", revision=run_upgrade(get_engine()))
    return 0


def current(args: argparse.Namespace) -> int:
    from db.engine import check_connection, get_engine
    from db.migrate import current_revision

    apply_database_options(args)
    check_connection()
    print(current_revision(get_engine()) or "-")
    return 0
