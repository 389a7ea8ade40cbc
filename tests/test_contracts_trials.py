"""Trials (DOMAIN.md rules 1–2): ordinary licence only, zero fee, default dates, licensee slots."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import AuditEntry, Contract, Result
from portal.contracts.common import trial_end
from portal.contracts.trials import create_trial, peak_running, trial_defaults
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from tests.factories import make_org, make_trial


def _count() -> int:
    with Session(get_engine()) as s:
        return len(s.exec(select(Contract.id)).all())


def _limit(result: Result, n: int | None) -> None:
    with Session(get_engine(), expire_on_commit=False) as s:
        r = s.get(Result, result.id)
        r.max_trial_licensees = n
        s.add(r)
        s.commit()


def test_trial_gets_default_dates_parties_and_zero_fee(world) -> None:
    hz = world.hz
    start = date(2026, 1, 1)
    trial = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                         start_date=start, signing_date=min(start, today()))
    assert trial.kind == "trial" and trial.licence_type == "ordinary" and trial.fee == Decimal("0")
    assert trial.end_date == date(2026, 12, 31)  # the result's 12 trial months
    assert trial.licensor_org_id == hz.licensor.id and trial.city_code == "330100"
    assert trial.number.startswith("XYSY-3301-2026-")
    assert trial.template_id is not None
    with Session(get_engine()) as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.entity_id == str(trial.id))).first().action \
            == "contract.create_trial"
    defaults = trial_defaults(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                              start_date=start)
    assert defaults.licensor.name == "hz大学" and defaults.licensee.credit_code == hz.enterprise.credit_code
    assert defaults.running == 1


@pytest.mark.parametrize("licence", ["exclusive", "sole"])
def test_exclusive_or_sole_trial_is_refused(world, licence: str) -> None:
    with pytest.raises(ValidationError) as err:
        create_trial(actor=world.hz.operator, result_id=world.hz.result.id,
                     licensee_org_id=world.hz.enterprise.id, licence_type=licence)
    assert err.value.key == "contracts.error.trial_not_ordinary"
    assert err.value.field == "contract_licence_type"
    assert _count() == 0


def test_a_fee_during_the_trial_is_refused(world) -> None:
    with pytest.raises(ValidationError) as err:
        create_trial(actor=world.hz.operator, result_id=world.hz.result.id,
                     licensee_org_id=world.hz.enterprise.id, fee="0.01")
    assert err.value.key == "contracts.error.trial_fee"
    assert _count() == 0


def test_result_must_be_listed(world) -> None:
    from tests.factories import make_result

    draft = make_result(world.hz.licensor, status="notice")
    with pytest.raises(ValidationError) as err:
        create_trial(actor=world.hz.operator, result_id=draft.id, licensee_org_id=world.hz.enterprise.id)
    assert err.value.key == "contracts.error.result_not_listed"
    assert _count() == 0


def test_licensee_must_be_an_enterprise(world) -> None:
    with pytest.raises(ValidationError) as err:
        create_trial(actor=world.hz.operator, result_id=world.hz.result.id, licensee_org_id=world.hz.licensor.id)
    assert err.value.field == "contract_licensee"


def test_end_before_start_is_refused(world) -> None:
    with pytest.raises(ValidationError) as err:
        create_trial(actor=world.hz.operator, result_id=world.hz.result.id, licensee_org_id=world.hz.enterprise.id,
                     start_date="2026-03-01", end_date="2026-02-28", signing_date="2026-01-01")
    assert err.value.field == "contract_end_date"


def test_max_licensees_counts_only_trials_running_on_the_new_dates(world) -> None:
    hz = world.hz
    _limit(hz.result, 2)
    first = date(2026, 1, 1)
    e1, e2, e3 = (make_org(f"企业{i}", "enterprise", "330100") for i in range(3))
    a = make_trial(hz.result, e1, hz.agency, start=first, months=6)   # 2026-01-01 … about 06-30
    make_trial(hz.result, e2, hz.agency, start=first, months=6)
    # a third enterprise on the same dates: both slots are taken → refused, nothing written
    with pytest.raises(ValidationError) as err:
        create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=e3.id, start_date=first,
                     end_date=first + timedelta(days=30), signing_date="2025-12-01")
    assert err.value.key == "contracts.error.slots_full" and err.value.params["limit"] == 2
    assert _count() == 2
    # starting on the last day of the running trials still overlaps → refused
    with pytest.raises(ValidationError):
        create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=e3.id, start_date=a.end_date,
                     signing_date="2025-12-01")
    # starting the day after they end → allowed
    ok = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=e3.id,
                      start_date=a.end_date + timedelta(days=1), signing_date="2025-12-01")
    assert ok.start_date == a.end_date + timedelta(days=1)


def test_ended_trials_free_their_slot_and_the_peak_not_the_sum_counts(world) -> None:
    hz = world.hz
    _limit(hz.result, 1)
    e1, e2, e3 = (make_org(f"企业{i}", "enterprise", "330100") for i in range(3))
    make_trial(hz.result, e1, hz.agency, start=date(2026, 1, 1), months=2, status="terminated")
    # a terminated trial holds no slot
    create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=e2.id, start_date="2026-01-01",
                 end_date="2026-03-31", signing_date="2025-12-01")
    # limit 2 with two trials that never overlap each other: a long third one sees a peak of 1
    _limit(hz.result, 2)
    make_trial(hz.result, e1, hz.agency, start=date(2026, 6, 1), months=2)
    with Session(get_engine()) as s:
        assert peak_running(s, hz.result.id, date(2026, 1, 1), date(2026, 12, 31)) == 1
    create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=e3.id, start_date="2026-01-01",
                 end_date="2026-12-31", signing_date="2025-12-01")


def test_the_results_own_limit_decides_not_the_organizations_default(world) -> None:
    # The limit the pool shows and filters on is the result's; an empty one is unlimited even
    # when the licensor keeps a default for new disclosures.
    hz = world.hz
    with Session(get_engine(), expire_on_commit=False) as s:
        org = s.get(type(hz.licensor), hz.licensor.id)
        org.max_trial_licensees = 1
        s.add(org)
        s.commit()
    make_trial(hz.result, make_org("甲企业", "enterprise"), hz.agency, start=date(2026, 1, 1))
    trial = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                         start_date="2026-02-01", signing_date="2025-12-01")
    assert trial.kind == "trial"


def test_same_enterprise_cannot_hold_two_overlapping_trials_of_one_result(world) -> None:
    hz = world.hz
    make_trial(hz.result, hz.enterprise, hz.agency, start=date(2026, 1, 1))
    with pytest.raises(ValidationError) as err:
        create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                     start_date="2026-05-01", signing_date="2025-12-01")
    assert err.value.key == "contracts.error.duplicate_trial"


def test_only_operators_of_the_agency_city_and_the_province_write(world) -> None:
    for who in (world.hz.manager, world.hz.officer, world.hz.enterprise_user, world.hz.presenter):
        with pytest.raises(PermissionDenied):
            create_trial(actor=who, result_id=world.hz.result.id, licensee_org_id=world.hz.enterprise.id)
    # the province names the agency; the Ningbo result may be tried by a Hangzhou enterprise
    trial = create_trial(actor=world.admin, result_id=world.nb.result.id, licensee_org_id=world.hz.enterprise.id,
                         agency_id=world.hz.agency.id)
    assert trial.city_code == "330100"
    assert _count() == 1


def test_trial_end_is_the_day_before_the_same_date_n_months_later() -> None:
    assert trial_end(date(2026, 3, 1), 12) == date(2027, 2, 28)
    assert trial_end(date(2026, 1, 28), 1) == date(2026, 2, 27)
    # no 31 February: the month's last day ends it (Civil Code art. 202), not the 27th
    assert trial_end(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert trial_end(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert trial_end(date(2025, 8, 31), 6) == date(2026, 2, 28)


def test_unknown_result_is_refused_with_its_field(world) -> None:
    import uuid

    with pytest.raises(ValidationError) as err:
        create_trial(actor=world.hz.operator, result_id=uuid.uuid4(), licensee_org_id=world.hz.enterprise.id)
    assert err.value.field == "contract_result"
    with pytest.raises((NotFound, ValidationError)):
        trial_defaults(actor=world.hz.operator, result_id=uuid.uuid4())


def test_concurrent_trials_never_exceed_the_slots(world) -> None:
    import threading

    hz = world.hz
    _limit(hz.result, 1)
    enterprises = [make_org(f"并发企业{i}", "enterprise") for i in range(3)]
    barrier = threading.Barrier(len(enterprises))
    outcomes: list[str] = []

    def run(org_id) -> None:  # noqa: ANN001
        barrier.wait()
        try:
            create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=org_id,
                         start_date="2026-01-01", signing_date="2025-12-01")
            outcomes.append("ok")
        except ValidationError as err:
            outcomes.append(err.key)

    threads = [threading.Thread(target=run, args=(e.id,)) for e in enterprises]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert outcomes.count("ok") == 1 and outcomes.count("contracts.error.slots_full") == 2, outcomes
    assert _count() == 1
