"""`portal tick`: the daily jobs (run it once a day from cron or a systemd timer; running it
twice a day is harmless, every job is idempotent).

Capabilities add their job to JOBS: (name, function taking today's date and returning a count).
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from datetime import date

from portal.cli.common import add_database_options, apply_database_options, say

# (job name, "module:function"); the function takes `today` and returns how many records it changed.
JOBS: list[tuple[str, str]] = [
    ("advance_notices", "portal.pool.approval:advance_notices"),  # list results whose notice ended
    ("expire_trials", "portal.contracts.outcomes:expire_overdue_trials"),  # trials past their end date
    ("refresh_statistics", "db.engine:daily_statistics"),  # planner statistics as the data grows
    ("notify_digest", "portal.notify.digest:morning_digest"),  # one morning digest per operator, once a day
    ("send_notifications", "portal.notify.sender:send_job"),  # deliver the outbox (also `portal notify send`)
]


def _load(target: str) -> Callable[[date], int]:
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def register(sub: argparse._SubParsersAction) -> None:
    tick = sub.add_parser("tick", help="run the daily jobs (listing results whose notice ended, …)")
    tick.add_argument("--date", help="act as if today were this date (YYYY-MM-DD)")
    add_database_options(tick)
    tick.set_defaults(handler=tick_cmd)


def run_jobs(today: date | None = None) -> dict[str, int]:
    """Run every daily job once; returns each job's count."""
    from portal.core.clock import today as clock_today

    day = today or clock_today()
    return {name: int(_load(target)(day) or 0) for name, target in JOBS}


def tick_cmd(args: argparse.Namespace) -> int:
    from portal.core import validation

    apply_database_options(args)
    day = validation.a_date(args.date, field="since", required=False)
    for name, n in run_jobs(day).items():
        say(args, "cli.pool.tick", job=name, count=n)
    return 0
