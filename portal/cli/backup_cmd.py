"""`portal backup FILE` and `portal restore FILE`: a verified copy of the configured database.

Each prints a report (rows and checksum per table, source against result); a difference is an
error with exit status 2. Run the backup from cron, e.g.
`30 2 * * * portal backup --data-dir /srv/portal /srv/backup/portal-$(date +\\%F).db`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from portal.cli.common import add_database_options, apply_database_options, say
from portal.core.i18n import t

SHOW_AFTER_SECONDS = 0.5  # the bar appears only on a database that takes this long


def register(sub: argparse._SubParsersAction) -> None:
    backup = sub.add_parser("backup", help="copy the database into FILE, verified table by table")
    backup.add_argument("file", metavar="FILE", help="the backup file to write (SQLite file or pg_dump archive)")
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    restore = sub.add_parser("restore", help="replace the database by the backup in FILE, verified")
    restore.add_argument("file", metavar="FILE", help="a file written by portal backup")
    restore.add_argument("--force", action="store_true", help="overwrite a database that holds records")
    for parser in (backup, restore):
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        add_database_options(parser)
    backup.set_defaults(handler=backup_cmd)
    restore.set_defaults(handler=restore_cmd)


class Bar:
    """The service's progress on stderr, one tqdm bar per phase."""

    def __init__(self, lang: str, quiet: bool) -> None:
        self.lang, self.quiet, self.bar = lang, quiet, None

    def phase(self, name: str, total: int | None) -> None:
        from tqdm import tqdm

        self.close()
        self.bar = tqdm(total=total, desc=t(f"backup.phase_{name}", self.lang), unit=" rows" if name != "copy" else " pages",
                        unit_scale=True, disable=self.quiet, file=sys.stderr, dynamic_ncols=True,
                        delay=SHOW_AFTER_SECONDS, leave=False)

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _report(args: argparse.Namespace, verification: Any) -> None:
    say(args, "backup.report_header")
    for table in sorted({*verification.source, *verification.result}):
        src, res = verification.source.get(table), verification.result.get(table)
        same = src == res
        say(args, "backup.report_row", table=table, source=src.rows if src else "-", result=res.rows if res else "-",
            checksum=src.short() if src else "-", status=t("backup.same" if same else "backup.different", args.lang))


def _run(args: argparse.Namespace, action: str) -> Any:
    from db.engine import check_connection, get_engine
    from portal.admin import backup as service

    apply_database_options(args, create_dir=action == "restore")
    if get_engine().dialect.name != "sqlite":  # a SQLite file is opened by the copy itself (it may be damaged)
        check_connection()
    bar = Bar(args.lang, args.quiet)
    try:
        run = service.backup if action == "backup" else service.restore
        return run(args.file, force=args.force, progress=bar)
    except service.Mismatch as mismatch:
        bar.close()
        _report(args, mismatch.verification)
        raise
    finally:
        bar.close()


def backup_cmd(args: argparse.Namespace) -> int:
    done = _run(args, "backup")
    _report(args, done)
    say(args, "backup.done", path=str(done.path), kind=done.kind_name,
        tables=len(done.source), rows=f"{done.rows:,}", mb=f"{done.path.stat().st_size / 2**20:.1f}",
        seconds=f"{done.seconds:.1f}")
    return 0


def restore_cmd(args: argparse.Namespace) -> int:
    done = _run(args, "restore")
    _report(args, done)
    say(args, "restore.done", path=str(done.path), kind=done.kind_name,
        tables=len(done.source), rows=f"{done.rows:,}", seconds=f"{done.seconds:.1f}")
    if done.set_aside:
        say(args, "restore.set_aside", aside=str(done.set_aside))
    schema = done.schema()
    if schema != "current":
        from db.migrate import head_revision

        say(args, f"restore.schema_{schema}", revision=done.revision or "-", head=head_revision())
    say(args, "restore.restart")
    return 0
