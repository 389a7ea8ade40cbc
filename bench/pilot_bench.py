"""Pilot testing at scale: N bookings over 11 cities, then the list, the calendar, utilization
and a booking timed on one database.

    python bench/pilot_bench.py sqlite:////tmp/pilot_bench.db 1000000
    python bench/pilot_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/pilot_bench 1000000
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, SQLModel, select  # noqa: E402

import db.models  # noqa: E402,F401
from db import engine as db_engine  # noqa: E402
from db.models import (  # noqa: E402
    Agency,
    Organization,
    PilotBooking,
    PilotPlatform,
    PilotResource,
    Result,
    UserAccount,
)
from db.reference import ensure_regions  # noqa: E402
from portal.core.actor import Actor  # noqa: E402
from portal.core.auth import actor_from_user  # noqa: E402
from portal.core.clock import now, today  # noqa: E402
from portal.core.regions import cities  # noqa: E402
from portal.pilot import bookings as bk  # noqa: E402
from portal.pilot import calendar as calv  # noqa: E402


def timed(label: str, fn, repeat: int = 5) -> None:  # noqa: ANN001
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    print(f"{label:<44} median {statistics.median(runs):8.1f} ms  (min {min(runs):.1f})")


def build(url: str, n: int) -> None:
    eng = db_engine.configure(url)
    SQLModel.metadata.drop_all(eng)
    SQLModel.metadata.create_all(eng)
    rng = random.Random(7)
    with Session(eng) as s:
        ensure_regions(s)
        s.commit()
    codes = [c.code for c in cities()]
    orgs, results, resources = {}, {}, []
    with Session(eng) as s:
        for i, code in enumerate(codes):
            host = Organization(name=f"host{code}", kind="university", credit_code=f"12{code}{i:010d}", city_code=code)
            ent = Organization(name=f"ent{code}", kind="enterprise", credit_code=f"91{code}{i:010d}", city_code=code)
            s.add_all([host, ent])
            s.flush()
            res = Result(number=f"B{code}", type="other", title=f"r{code}", owner_org_id=host.id, city_code=code,
                         field="ai", status="listed")
            s.add(res)
            s.flush()
            orgs[code], results[code] = ent.id, res.id
            for p in range(3):
                platform = PilotPlatform(name=f"平台{code}-{p}", host_org_id=host.id, city_code=code)
                s.add(platform)
                s.flush()
                for r in range(4):
                    resource = PilotResource(platform_id=platform.id, name=f"设备{r}", capacity=1000000)
                    s.add(resource)
                    s.flush()
                    resources.append((resource.id, platform.id, code))
        agency_org = Organization(name="agency", kind="agency", credit_code="12330100AGENCY0001", city_code="330100")
        s.add(agency_org)
        s.flush()
        agency = Agency(organization_id=agency_org.id, name="agency", city_code="330100")
        s.add(agency)
        s.flush()
        s.add(UserAccount(username="hz_op", display_name="hz", password_hash="x", role="city_operator",
                          city_code="330100", agency_id=agency.id, organization_id=agency_org.id))
        s.commit()
    start0 = today() - timedelta(days=5 * 365)
    stamp = now()
    t0 = time.perf_counter()
    batch = []
    with eng.begin() as conn:
        for k in range(n):
            rid, pid, code = rng.choice(resources)
            start = start0 + timedelta(days=rng.randrange(5 * 365 + 60))
            end = start + timedelta(days=rng.randint(0, 14))
            batch.append(dict(id=uuid.uuid4(), created_at=stamp, updated_at=stamp,
                              reference=f"ZSYY-BENCH-{k:08d}", resource_id=rid, platform_id=pid,
                              city_code=code, enterprise_org_id=orgs[code], result_id=results[code],
                              start_date=start, end_date=end, status=rng.choice(["done"] * 6 + ["cancelled", "requested", "confirmed"]),
                              outcome="", cancel_reason=""))
            if len(batch) == 20000:
                conn.execute(insert(PilotBooking), batch)
                batch.clear()
        if batch:
            conn.execute(insert(PilotBooking), batch)
    print(f"loaded {n} bookings in {time.perf_counter() - t0:.1f} s")
    if eng.dialect.name == "postgresql":  # the steady state autovacuum keeps: index-only counts
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE pilot_booking"))


def measure(url: str) -> None:
    eng = db_engine.configure(url)
    for index in PilotBooking.__table__.indexes:  # a database built before an index was added
        index.create(eng, checkfirst=True)
    with Session(eng) as s:
        user = s.exec(select(UserAccount).where(UserAccount.username == "hz_op")).one()
        platform = s.exec(select(PilotPlatform).where(PilotPlatform.city_code == "330100")).first()
        resource = s.exec(select(PilotResource).where(PilotResource.platform_id == platform.id)).first()
        ent = s.exec(select(Organization).where(Organization.name == "ent330100")).one()
        result = s.exec(select(Result).where(Result.number == "B330100")).one()
    me = actor_from_user(user)
    province = Actor(user_id=None, username="zj", display_name="zj", role="province_admin")
    timed("list_bookings city, first page", lambda: bk.list_bookings(actor=me))
    timed("list_bookings city + status + dates", lambda: bk.list_bookings(
        actor=me, status="done", since=date(2024, 1, 1), until=date(2024, 3, 31)))
    timed("list_bookings province, first page", lambda: bk.list_bookings(actor=province))
    timed("list_bookings city, page 200 (clamped)", lambda: bk.list_bookings(actor=me, page=200))
    timed("calendar month (platform, 4 resources)", lambda: calv.platform_calendar(
        actor=me, platform_id=platform.id, start=today().replace(day=1), end=today().replace(day=28)))
    timed("utilization 12 months, city", lambda: calv.utilization(actor=me, last_month=today()))
    timed("utilization 12 months, province", lambda: calv.utilization(actor=province, last_month=today()), 3)
    day = iter(range(10, 10000))

    def one() -> None:
        d = today() + timedelta(days=next(day))
        bk.book_pilot(actor=me, resource_id=resource.id, enterprise_org_id=ent.id, result_id=result.id,
                      start_date=d, end_date=d + timedelta(days=3))

    timed("book_pilot (lock, count, insert, audit)", one, 10)


if __name__ == "__main__":
    url, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    if "--measure-only" not in sys.argv:
        build(url, n)
    measure(url)
