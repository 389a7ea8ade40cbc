"""Time the pool's reads on an existing (large) database: pool pages with filters and text, the
three-year list, the desk. Usage: PORTAL_DATABASE_URL=… python bench/pool_browse.py"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func  # noqa: E402
from sqlmodel import select  # noqa: E402

from db.engine import configure, read_session  # noqa: E402
from db.models import Result, UserAccount  # noqa: E402
from portal.core.actor import SYSTEM  # noqa: E402
from portal.core.auth import actor_from_user  # noqa: E402
from portal.pool import approval, browse, disclosure, three_year  # noqa: E402
from portal.pool.browse import PoolFilter  # noqa: E402


def timed(label: str, fn, runs: int = 5) -> None:  # noqa: ANN001
    fn()  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    print(f"{label:<48} p50 {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms")


def main() -> None:
    configure()
    with read_session() as s:
        n = s.exec(select(func.count()).select_from(Result)).one()
        op = s.exec(select(UserAccount).where(UserAccount.role == "city_operator", UserAccount.city_code == "330100")).first()
    operator = actor_from_user(op)
    print(f"{n} results")
    timed("pool page 1, no filter", lambda: browse.search_pool(actor=SYSTEM))
    timed("pool page 40, no filter", lambda: browse.search_pool(actor=SYSTEM, page=40))
    timed("pool city + field", lambda: browse.search_pool(actor=SYSTEM, filters=PoolFilter(city_code="330100", field="new_materials")))
    timed("pool TRL 6-9 + type", lambda: browse.search_pool(actor=SYSTEM, filters=PoolFilter(trl_min=6, type="invention")))
    timed("pool available only", lambda: browse.search_pool(actor=SYSTEM, filters=PoolFilter(available_only=True)))
    timed("pool text '锂电池 正极'", lambda: browse.search_pool(actor=SYSTEM, filters=PoolFilter(text="锂电池 正极")))
    timed("pool city + text '石墨烯'", lambda: browse.search_pool(actor=SYSTEM, filters=PoolFilter(city_code="330100", text="石墨烯")))
    timed("three-year list (Hangzhou operator)", lambda: three_year.flagged_results(actor=operator))
    timed("three-year per institution (province)", lambda: three_year.flagged_by_institution(actor=SYSTEM))
    timed("desk (Hangzhou operator)", lambda: approval.desk(actor=operator))
    timed("institution filter options (whole province)", lambda: browse.pool_owners(actor=SYSTEM))
    timed("institution filter options (Hangzhou)", lambda: browse.pool_owners(actor=SYSTEM, city_code="330100"))
    timed("my results (Hangzhou operator)", lambda: disclosure.list_my_results(actor=operator, page_size=100))
    timed("result detail", lambda: browse.result_detail(actor=operator, result_id=browse.search_pool(actor=SYSTEM).rows[0].id))
    timed("advance_notices_if_due (nothing due)", lambda: approval.advance_notices_if_due())


if __name__ == "__main__":
    main()
