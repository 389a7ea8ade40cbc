"""Time the contracts reads on a database (e.g. one filled by `portal seed scale`); prints, not a test.

    PORTAL_DATA_DIR=/tmp/scale python bench/contracts_bench.py [username]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db.engine import configure  # noqa: E402
from portal.contracts.listing import (  # noqa: E402
    ContractFilters,
    contract_detail,
    expiring_trials,
    export_contracts_xlsx,
    list_contracts,
)
from portal.contracts.outcomes import list_converted_deals  # noqa: E402
from portal.core.auth import load_actor  # noqa: E402


def timed(label: str, fn, runs: int = 5) -> object:  # noqa: ANN001
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - start) * 1000)
    print(f"{label:<42} p50 {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms")
    return out


def main() -> None:
    configure()
    actor = load_actor(sys.argv[1] if len(sys.argv) > 1 else "hz_operator")
    print(f"acting as {actor.username} ({actor.role}, {actor.city_code})")
    first = timed("list_contracts page 1 (+count)", lambda: list_contracts(actor=actor))
    print(f"  {first.total} contracts in scope")
    timed("list_contracts page 20", lambda: list_contracts(actor=actor, page=20))
    timed("list_contracts status=active", lambda: list_contracts(actor=actor, filters=ContractFilters(status="active")))
    timed("list_contracts kind=trial status=converted",
          lambda: list_contracts(actor=actor, filters=ContractFilters(kind="trial", status="converted")))
    timed("list_contracts result text", lambda: list_contracts(actor=actor, filters=ContractFilters(result_text="石墨烯")))
    timed("expiring_trials (page of 25)", lambda: expiring_trials(actor=actor))
    timed("contract_detail", lambda: contract_detail(actor=actor, contract_id=first.rows[0].id))
    timed("list_converted_deals (500)", lambda: list_converted_deals(actor=actor))
    timed("export .xlsx (filtered: converted)", lambda: export_contracts_xlsx(
        actor=actor, filters=ContractFilters(status="converted")), runs=1)


if __name__ == "__main__":
    main()
