"""Time the reads behind "screens that show what just happened" on a database (the demo's, or
one filled by `portal seed scale`); prints, not a test.

    PORTAL_DATA_DIR=/tmp/scale python bench/screens_bench.py [username ...]

- the audit log in words: a page of 50 entries with every record and id named (one query per table)
- the home page's recent activity in words
- the province's 11 cities with the conversion rate (a join of trials to the deals they led to)
- 合同详情's search (contract number, result title or number) and the contracts list it replaces
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dashboards_bench import timed  # noqa: E402 — cold: the cache emptied before each run
from db.engine import configure, read_session  # noqa: E402
from portal.admin.audit_log import list_audit  # noqa: E402
from portal.admin.audit_text import readable_audit, recent_lines  # noqa: E402
from portal.contracts.listing import ContractFilters, list_contracts  # noqa: E402
from portal.core.auth import load_actor  # noqa: E402
from portal.dashboards import figures as dashboards  # noqa: E402


def main() -> None:
    engine = configure()
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    with read_session() as s:
        for table in ("audit_entry", "contract", "result"):
            print(f"  {table:<14} {s.connection().exec_driver_sql(f'SELECT COUNT(*) FROM {table}').scalar():>10,}")
    today = date.today()
    for username in sys.argv[1:] or ["zj_admin", "hz_operator"]:
        actor = load_actor(username)
        print(f"acting as {actor.username} ({actor.role}, {actor.city_code or 'province'})")
        timed("list_audit page 1 (raw entries)", lambda a=actor: list_audit(actor=a))
        timed("readable_audit page 1 (in words)", lambda a=actor: readable_audit(actor=a))
        timed("recent_lines (home, in words)", lambda a=actor: recent_lines(actor=a))
        timed("list_contracts page 1", lambda a=actor: list_contracts(actor=a))
        timed("list_contracts search '3301-2026'", lambda a=actor: list_contracts(
            actor=a, filters=ContractFilters(result_text="3301-2026"), page_size=20))
        if actor.is_province:
            timed("city_figures with conversion rate, cold", lambda a=actor: dashboards.city_figures(
                actor=a, start=date(today.year, 1, 1), end=today))


if __name__ == "__main__":
    main()
