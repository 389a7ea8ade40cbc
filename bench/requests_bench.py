"""Enterprise requests at scale: the demo data plus N requests spread over the demo's enterprises and
listed results, then the operator's inbox, the enterprise's 我的申请, the counts and a submission
(with its duplicate check) timed on one database.

    python bench/requests_bench.py sqlite:////tmp/requests_bench.db 200000
    python bench/requests_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/requests_bench 200000
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

import db.models  # noqa: E402,F401
from bench.common import demo_database  # noqa: E402
from db import engine as db_engine  # noqa: E402
from db.models import Intent, Organization, Result, UserAccount  # noqa: E402
from portal.core.auth import actor_from_user  # noqa: E402
from portal.core.clock import now  # noqa: E402
from portal.requests import listing, requests  # noqa: E402

STATUSES = ("open", "matched", "trial", "declined", "withdrawn", "declined", "withdrawn", "trial")


def timed(label: str, fn, repeat: int = 7) -> None:  # noqa: ANN001
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    print(f"{label:<52} median {statistics.median(runs):8.1f} ms  (min {min(runs):.1f})")


def build(url: str, n: int) -> None:
    eng = demo_database(url, fresh=True)
    with Session(eng) as s:
        ents = s.exec(select(Organization.id, Organization.name, Organization.credit_code)
                      .where(Organization.kind == "enterprise")).all()
        asked = select(Intent.result_id).where(Intent.request_status.is_not(None))
        results = s.exec(select(Result.id, Result.city_code).where(Result.status == "listed", Result.id.not_in(asked))
                         .order_by(Result.city_code.desc(), Result.id)).all()
    results = results[1:]  # the first is kept free of requests: the timed submission asks about it
    rng = random.Random(17)
    start = now() - timedelta(days=730)
    rows = []
    for i in range(n):
        eid, name, code = ents[rng.randrange(len(ents))]
        rid, city = results[rng.randrange(len(results))]
        at = start + timedelta(minutes=rng.randrange(730 * 24 * 60))
        # most requests were answered long ago; the open ones are the last weeks'
        status = "open" if at > now() - timedelta(days=21) else STATUSES[1 + i % (len(STATUSES) - 1)]
        rows.append(dict(id=uuid.UUID(int=rng.getrandbits(128), version=4), created_at=at, updated_at=at,
                         result_id=rid, city_code=city, source="hub", company_name=name, credit_code=code,
                         contact_person="联系人", phone="13800000000", wants="trial", note="批量生成的申请",
                         enterprise_org_id=eid, kind=rng.choice(("trial", "interest")), request_status=status,
                         reply="" if status == "open" else "已答复"))
    t0 = time.perf_counter()
    with Session(eng) as s:
        for k in range(0, n, 20000):
            s.execute(insert(Intent), rows[k:k + 20000])
        s.commit()
    # the state autovacuum keeps: planner statistics, and on PostgreSQL the visibility map that
    # lets counts read the index alone
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if eng.dialect.name == "postgresql" else "ANALYZE"))
    print(f"inserted {n} requests in {time.perf_counter() - t0:.1f} s")


def main() -> None:
    url, n = sys.argv[1], int(sys.argv[2])
    build(url, n)
    with Session(db_engine.get_engine()) as s:
        users = {u.username: actor_from_user(u) for u in s.exec(select(UserAccount)).all()}
        asked = select(Intent.result_id).where(Intent.request_status.is_not(None))
        result = s.exec(select(Result.id).where(Result.status == "listed", Result.id.not_in(asked))).first()
    hz, ent, admin = users["hz_operator"], users["ent_demo"], users["zj_admin"]
    print(f"{listing.list_requests(actor=hz).total} requests in Hangzhou, "
          f"{listing.list_requests(actor=ent).total} of ent_demo")
    timed("inbox, open, first page (hz_operator)", lambda: listing.list_requests(actor=hz, status="open"))
    timed("inbox, every status, first page (hz_operator)", lambda: listing.list_requests(actor=hz))
    timed("inbox, every status, first page (province)", lambda: listing.list_requests(actor=admin))
    timed("我的申请, first page (ent_demo)", lambda: listing.list_requests(actor=ent, page_size=20))
    timed("open count (hz_operator home)", lambda: listing.open_request_count(actor=hz))
    timed("standing on one result (a card's buttons)", lambda: listing.my_standing(actor=ent, result_id=result))

    def submit_and_withdraw() -> None:
        req = requests.submit_request(actor=ent, result_id=result, kind="interest", message="基准")
        requests.withdraw_request(actor=ent, request_id=req.id)

    timed("submit (duplicate check) + withdraw", submit_and_withdraw)


if __name__ == "__main__":
    main()
