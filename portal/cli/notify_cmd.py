"""`portal notify send` (cron, every minute: deliver the outbox) and `portal notify digest`
(write today's morning digests; `portal tick` does both too)."""

from __future__ import annotations

import argparse

from portal.cli.common import add_database_options, apply_database_options, say


def register(sub: argparse._SubParsersAction) -> None:
    notify = sub.add_parser("notify", help="reminders: deliver the outbox, write the morning digest")
    inner = notify.add_subparsers(dest="notify_command", required=True)
    send = inner.add_parser("send", help="deliver pending messages (safe from cron every minute, on two machines)")
    send.add_argument("--batch", type=int, default=50, help="messages claimed at a time")
    add_database_options(send)
    send.set_defaults(handler=send_cmd)
    digest = inner.add_parser("digest", help="write today's morning digests (once per user and day)")
    digest.add_argument("--date", help="act as if today were this date (YYYY-MM-DD)")
    add_database_options(digest)
    digest.set_defaults(handler=digest_cmd)


def send_cmd(args: argparse.Namespace) -> int:
    from portal.notify.sender import send_pending

    apply_database_options(args)
    report = send_pending(limit=max(1, args.batch))
    say(args, "cli.notify.sent", delivered=report.delivered, retrying=report.retrying, failed=report.failed)
    for error in dict.fromkeys(report.errors):
        say(args, "cli.notify.error", error=error)
    return 0


def digest_cmd(args: argparse.Namespace) -> int:
    from portal.core import validation
    from portal.notify.digest import morning_digest

    apply_database_options(args)
    day = validation.a_date(args.date, field="since", required=False)
    say(args, "cli.notify.digest", count=morning_digest(day))
    return 0
