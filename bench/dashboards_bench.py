"""Time the dashboard, ranking and claims reads on a database (e.g. one filled by `portal seed scale`);
prints, not a test. "cold" empties the dashboard cache before every run; "warm" hits it.

    PORTAL_DATA_DIR=/tmp/scale python bench/dashboards_bench.py [username ...]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db.engine import configure, read_session  # noqa: E402
from portal.claims import budgets, listing  # noqa: E402
from portal.core import cache  # noqa: E402
from portal.core.auth import load_actor  # noqa: E402
from portal.dashboards import figures as dashboards  # noqa: E402
from portal.dashboards.home import home_figures  # noqa: E402
from portal.scoring import activity  # noqa: E402
from portal.scoring.points import ranking  # noqa: E402


def timed(label: str, fn, runs: int = 5, cold: bool = True) -> object:  # noqa: ANN001
    times, out = [], None
    for _ in range(runs):
        if cold:
            cache.invalidate()
        start = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - start) * 1000)
    print(f"  {label:<40} p50 {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms")
    return out


def main() -> None:
    engine = configure()
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    with read_session() as s:
        for table in ("result", "match_record", "contract", "fee_claim", "points_event", "audit_entry"):
            print(f"  {table:<14} {s.connection().exec_driver_sql(f'SELECT COUNT(*) FROM {table}').scalar():>10,}")
    today = date.today()
    start, end = date(today.year - 3, 1, 1), today
    for username in sys.argv[1:] or ["hz_manager", "zj_manager", "hz_operator"]:
        actor = load_actor(username)
        print(f"acting as {actor.username} ({actor.role}, {actor.city_code or 'province'}), {start} … {end}")
        fun = timed("funnel (COUNT DISTINCT), cold", lambda a=actor: dashboards.funnel(actor=a, start=start, end=end))
        print(f"    {fun}")
        timed("funnel, warm (cache)", lambda a=actor: dashboards.funnel(actor=a, start=start, end=end), cold=False)
        timed("monthly_trends, cold", lambda a=actor: dashboards.monthly_trends(actor=a, start=start, end=end))
        if actor.is_province:
            timed("city_figures, cold", lambda a=actor: dashboards.city_figures(actor=a, start=start, end=end))
        timed("trials_ending", lambda a=actor: dashboards.trials_ending(actor=a))
        for level in ("city", "agency", "institution", "county"):
            if level == "city" and not actor.is_province:
                continue
            timed(f"activity_index {level}, cold",
                  lambda a=actor, lv=level: activity.activity_index(actor=a, level=lv, start=start, end=end))
        timed("points ranking by agency", lambda a=actor: ranking(actor=a, by="agency", start=start, end=end))
        timed("list_budgets", lambda a=actor: budgets.list_budgets(actor=a, year=today.year))
        timed("list_claims page 1 (+count)", lambda a=actor: listing.list_claims(actor=a))
        timed("list_claims status=submitted", lambda a=actor: listing.list_claims(actor=a, status="submitted"))
        timed("home_figures (every count from its list), cold", lambda a=actor: home_figures(actor=a))


if __name__ == "__main__":
    main()
