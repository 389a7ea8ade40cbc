"""Demo data: all 11 cities, every status a page shows, valid identifiers, deterministic, idempotent."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, create_engine, func, select

from db.models import Contract, FeeClaim, Organization, PilotBooking, Result, UserAccount
from db.models.enums import BookingStatus, ClaimStatus, ResultStatus
from portal.core.auth import verify_password
from portal.core.regions import cities
from portal.core.validation import credit_code
from seed.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

DAY = date(2026, 11, 25)


def _load(tmp_path, name: str):  # noqa: ANN001, ANN202
    from sqlmodel import SQLModel

    import db.models  # noqa: F401

    engine = create_engine(f"sqlite:///{tmp_path / name}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        counts = load_demo(s, day=DAY)
        s.commit()
    return engine, counts


def test_demo_covers_every_city_and_status(tmp_path) -> None:  # noqa: ANN001
    engine, counts = _load(tmp_path, "a.db")
    assert counts["results"] == 300 and counts["cities"] == 11
    with Session(engine) as s:
        result_cities = set(s.exec(select(Result.city_code).distinct()).all())
        assert result_cities == {c.code for c in cities()}
        assert set(s.exec(select(Result.status).distinct()).all()) == {v.value for v in ResultStatus}
        assert set(s.exec(select(FeeClaim.status).distinct()).all()) == {v.value for v in ClaimStatus}
        assert set(s.exec(select(PilotBooking.status).distinct()).all()) == {v.value for v in BookingStatus}
        statuses = set(s.exec(select(Contract.status).where(Contract.kind == "trial").distinct()).all())
        assert {"active", "extended", "converted", "terminated", "expired"} <= statuses
        deals = s.exec(select(Contract).where(Contract.kind != "trial")).all()
        assert deals and all(d.parent_trial_id and d.deal_amount > 0 for d in deals)
        for org in s.exec(select(Organization)).all():
            assert credit_code(org.credit_code) == org.credit_code
        users = {u.username: u for u in s.exec(select(UserAccount)).all()}
    for username, *_ in DEMO_ACCOUNTS:
        assert username in users
    assert verify_password(DEMO_PASSWORD, users["hz_operator"].password_hash)
    assert users["hz_operator"].city_code == "330100" and users["nb_operator"].city_code == "330200"


def test_demo_is_deterministic_and_idempotent(tmp_path) -> None:  # noqa: ANN001
    first, _ = _load(tmp_path, "a.db")
    second, _ = _load(tmp_path, "b.db")

    def fingerprint(engine):  # noqa: ANN001, ANN202
        with Session(engine) as s:
            return (s.exec(select(Result.id, Result.number, Result.title, Result.status).order_by(Result.number)).all(),
                    s.exec(select(Contract.id, Contract.end_date, Contract.deal_amount).order_by(Contract.number)).all())

    assert fingerprint(first) == fingerprint(second)
    with Session(first) as s:
        assert load_demo(s, day=DAY) == {}  # second load: nothing added
        assert s.exec(select(func.count()).select_from(Result)).one() == 300


def test_demo_claims_carry_the_times_of_the_steps_their_status_says(tmp_path) -> None:  # noqa: ANN001
    """A claim marked 已拨付 or 已提交 was submitted (and reviewed, approved…) at a time shown."""
    engine, _ = _load(tmp_path, "c.db")
    with Session(engine) as s:
        claims = s.exec(select(FeeClaim)).all()
    past = {"submitted": 1, "reviewed": 2, "approved": 3, "rejected": 3, "paid": 4}
    for c in claims:
        reached = past.get(c.status, 0)
        assert (c.submitted_at is not None) == (reached >= 1), (c.reference, c.status)
        assert (c.reviewed_at is not None and c.reviewed_by is not None) == (reached >= 2), (c.reference, c.status)
        assert (c.decided_at is not None and c.decided_by is not None) == (reached >= 3), (c.reference, c.status)
        assert (c.paid_on is not None) == (c.status == "paid"), (c.reference, c.status)
        stamps = [x for x in (c.created_at, c.submitted_at, c.reviewed_at, c.decided_at) if x is not None]
        assert [x.replace(tzinfo=None) for x in stamps] == sorted(x.replace(tzinfo=None) for x in stamps)
        assert c.paid_on is None or c.decided_at.date() <= c.paid_on <= DAY


def test_demo_history_is_never_in_the_future(tmp_path) -> None:  # noqa: ANN001
    from datetime import datetime, time

    from db.models import AuditEntry

    engine, _ = _load(tmp_path, "d.db")
    end = datetime.combine(DAY, time(23, 59))
    with Session(engine) as s:
        latest = s.exec(select(func.max(AuditEntry.at))).one()
        claims = s.exec(select(func.max(FeeClaim.decided_at))).one()
    assert latest.replace(tzinfo=None) <= end and claims.replace(tzinfo=None) <= end
