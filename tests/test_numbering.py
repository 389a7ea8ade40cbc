"""Document numbers never collide: eight writers × 100 on different records of one city, on SQLite
and PostgreSQL, lose nothing and see no IntegrityError; counters continue after stored numbers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta

from sqlmodel import Session, func, select

from db.engine import get_engine, transaction
from db.models import Contract, NumberCounter, Voucher
from portal.contracts.trials import create_trial
from portal.contracts.vouchers import issue_voucher
from portal.core import numbering
from portal.core.clock import today
from tests.factories import at_once, make_org, make_result, make_trial

WRITERS, EACH = 8, 100


def _race(work: Callable[[int, int], object]) -> list[BaseException]:
    """WRITERS threads, started at once, each doing work(writer, k) EACH times; what they raised."""
    failures: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        for k in range(EACH):
            try:
                work(i, k)
            except BaseException as exc:  # noqa: BLE001 — every failure is reported
                with lock:
                    failures.append(exc)

    at_once(WRITERS, run)
    return failures


def _count(model, *conds) -> int:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model).where(*conds)).one()


def test_concurrent_trials_on_different_results_all_get_numbers(world) -> None:
    hz = world.hz
    results = [make_result(hz.licensor, title=f"并发编号测试成果{i}") for i in range(WRITERS)]
    firms = [make_org(f"杭州编号测试企业{k}有限公司", "enterprise", hz.code) for k in range(EACH)]
    start = today()
    failures = _race(lambda i, k: create_trial(actor=hz.operator, result_id=results[i].id,
                                               licensee_org_id=firms[k].id, start_date=start))
    assert failures == []
    assert _count(Contract, Contract.kind == "trial") == WRITERS * EACH
    with Session(get_engine()) as s:
        numbers = s.exec(select(Contract.number)).all()
    prefix = f"XYSY-3301-{start.year}-"
    assert len(set(numbers)) == WRITERS * EACH and all(n.startswith(prefix) for n in numbers)
    assert sorted(int(n[len(prefix):]) for n in numbers) == list(range(1, WRITERS * EACH + 1))  # no gaps either


def test_concurrent_vouchers_all_get_codes(world) -> None:
    hz = world.hz
    firms = [make_org(f"杭州创新券测试企业{i}有限公司", "enterprise", hz.code) for i in range(WRITERS)]
    expires = today() + timedelta(days=365)
    failures = _race(lambda i, k: issue_voucher(actor=hz.operator, enterprise_org_id=firms[i].id,
                                                amount="1000", expires_on=expires))
    assert failures == []
    assert _count(Voucher) == WRITERS * EACH
    with Session(get_engine()) as s:
        assert len(set(s.exec(select(Voucher.code)).all())) == WRITERS * EACH


def test_a_counter_starts_after_the_numbers_already_stored(world) -> None:
    hz = world.hz
    old = make_trial(hz.result, hz.enterprise, hz.agency)
    with Session(get_engine()) as s:  # a number given before counters existed (an older database)
        row = s.get(Contract, old.id)
        row.number = f"XYSY-3301-{today().year}-0041"
        s.add(row)
        s.commit()
    other = make_org("杭州续号测试企业有限公司", "enterprise", hz.code)
    trial = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=other.id,
                         start_date=date(today().year + 1, 6, 1))
    assert trial.number == f"XYSY-3301-{today().year + 1}-0001"  # a new year starts at 1
    third = make_org("杭州续号测试企业二有限公司", "enterprise", hz.code)
    trial = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=third.id, start_date=today())
    assert trial.number == f"XYSY-3301-{today().year}-0042"


def test_a_rolled_back_action_keeps_the_counter_where_it_was(world) -> None:
    year = today().year
    with transaction() as s:
        assert numbering.allocate(s, "claim", "330100", year) == f"FYSQ-3301-{year}-0001"
    try:
        with transaction() as s:
            assert numbering.allocate(s, "claim", "330100", year) == f"FYSQ-3301-{year}-0002"
            raise RuntimeError("refused later in the same action")
    except RuntimeError:
        pass
    with transaction() as s:
        assert numbering.allocate(s, "claim", "330100", year) == f"FYSQ-3301-{year}-0002"
        assert numbering.allocate(s, "claim", "330200", year) == f"FYSQ-3302-{year}-0001"  # per city
    with Session(get_engine()) as s:
        assert s.get(NumberCounter, ("claim", "330100", year)).last == 2
