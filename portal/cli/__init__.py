"""`portal` command line: demo, serve, db, users (capabilities add their own sub-commands).

Every refusal is printed in the chosen language (--lang, or PORTAL_LANG; Chinese by default)
naming the field, with exit status 2; nothing is changed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from portal.core.errors import PortalError

# Each sub-command module exposes register(subparsers) and sets `handler` on its parsers.
COMMAND_MODULES = ["portal.cli.db_cmd", "portal.cli.users_cmd", "portal.cli.serve_cmd",
                   "portal.cli.scale_cmd", "portal.cli.pool_cmd", "portal.cli.tick_cmd",
                   "portal.cli.matching_cmd", "portal.cli.backup_cmd", "portal.cli.notify_cmd",
                   "portal.cli.workers"]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    import importlib

    parser = argparse.ArgumentParser(prog="portal", description="先用后转 Portal")
    parser.add_argument("--lang", choices=["zh", "en"], default=os.environ.get("PORTAL_LANG", "zh"),
                        help="language of messages (zh / en)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `portal` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int | None] = args.handler
    try:
        return int(handler(args) or 0)
    except PortalError as err:
        print(err.message(args.lang), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
