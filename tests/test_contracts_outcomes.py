"""Outcomes of a trial (DOMAIN.md rule 3), objections on contracts, and the deals fed to fee claims."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import AuditEntry, Contract, Objection, Result
from portal.contracts.outcomes import (
    convert_trial,
    extend_trial,
    list_converted_deals,
    record_objection,
    resolve_objection,
    terminate_trial,
)
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from tests.factories import make_org, make_trial


def _get(contract_id) -> Contract:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.get(Contract, contract_id)


def _contracts() -> int:
    with Session(get_engine()) as s:
        return len(s.exec(select(Contract.id)).all())


@pytest.mark.parametrize("amount", ["0", "-1", "0.001", "abc"])
def test_conversion_needs_a_positive_amount_in_fen(world, amount: str) -> None:
    trial = make_trial(world.hz.result, world.hz.enterprise, world.hz.agency)
    with pytest.raises(ValidationError) as err:
        convert_trial(actor=world.hz.operator, trial_id=trial.id, kind="paid_licence", deal_amount=amount,
                      signing_date=today(), payment_terms="一次性支付")
    assert err.value.field == "deal_amount"
    assert _get(trial.id).status == "active" and _contracts() == 1


def test_conversion_links_the_deal_to_its_trial(world) -> None:
    trial = make_trial(world.hz.result, world.hz.enterprise, world.hz.agency)
    deal = convert_trial(actor=world.hz.operator, trial_id=trial.id, kind="transfer", deal_amount="0.01",
                         signing_date=today(), payment_terms="签约后30日内一次性支付")
    assert deal.parent_trial_id == trial.id and deal.deal_amount == Decimal("0.01")
    assert deal.kind == "transfer" and deal.number.startswith("XYZH-3301-")
    assert _get(trial.id).status == "converted"
    with Session(get_engine()) as s:
        actions = {a.action for a in s.exec(select(AuditEntry)).all()}
    assert {"contract.convert", "contract.create_deal"} <= actions
    deals = list_converted_deals(actor=world.hz.operator)
    assert [(d.number, d.deal_amount, d.trial_id) for d in deals] == [(deal.number, Decimal("0.01"), trial.id)]
    assert list_converted_deals(actor=world.nb.operator) == []
    # a converted trial cannot be converted twice
    with pytest.raises(ValidationError) as err:
        convert_trial(actor=world.hz.operator, trial_id=trial.id, kind="transfer", deal_amount="10",
                      signing_date=today(), payment_terms="x")
    assert err.value.key == "contracts.error.not_convertible"


def test_conversion_refuses_future_or_pre_trial_signing_and_missing_terms(world) -> None:
    trial = make_trial(world.hz.result, world.hz.enterprise, world.hz.agency, start=today() - timedelta(days=10))
    cases = [
        (dict(signing_date=today() + timedelta(days=1), payment_terms="x"), "contract_signing_date"),
        (dict(signing_date=today() - timedelta(days=11), payment_terms="x"), "contract_signing_date"),
        (dict(signing_date=today(), payment_terms="  "), "contract_payment_terms"),
    ]
    for kw, field in cases:
        with pytest.raises(ValidationError) as err:
            convert_trial(actor=world.hz.operator, trial_id=trial.id, kind="paid_licence", deal_amount="100", **kw)
        assert err.value.field == field
    assert _get(trial.id).status == "active" and _contracts() == 1


def test_exclusive_paid_licence_refused_while_others_run_trials(world) -> None:
    hz = world.hz
    trial = make_trial(hz.result, hz.enterprise, hz.agency)
    other = make_trial(hz.result, make_org("乙企业", "enterprise"), hz.agency)
    with pytest.raises(ValidationError) as err:
        convert_trial(actor=hz.operator, trial_id=trial.id, kind="paid_licence", deal_amount="100",
                      signing_date=today(), payment_terms="x", licence_type="exclusive")
    assert err.value.key == "contracts.error.exclusive_with_trials" and err.value.params["number"] == other.number
    deal = convert_trial(actor=hz.operator, trial_id=trial.id, kind="paid_licence", deal_amount="100",
                         signing_date=today(), payment_terms="x", licence_type="ordinary")
    assert deal.licence_type == "ordinary"


def test_extend_needs_a_later_date_and_a_reason_and_respects_slots(world) -> None:
    hz = world.hz
    trial = make_trial(hz.result, hz.enterprise, hz.agency, start=date(2026, 1, 1), months=3)
    for kw, field in [(dict(new_end_date=trial.end_date, reason="中试未完成"), "contract_new_end_date"),
                      (dict(new_end_date=trial.end_date + timedelta(days=30), reason=""), "contract_reason")]:
        with pytest.raises(ValidationError) as err:
            extend_trial(actor=hz.operator, trial_id=trial.id, **kw)
        assert err.value.field == field
    # limit 1 and another trial starting right after this one ends: extending into it is refused
    with Session(get_engine(), expire_on_commit=False) as s:
        r = s.get(Result, hz.result.id)
        r.max_trial_licensees = 1
        s.add(r)
        s.commit()
    make_trial(hz.result, make_org("丙企业", "enterprise"), hz.agency, start=trial.end_date + timedelta(days=10))
    with pytest.raises(ValidationError) as err:
        extend_trial(actor=hz.operator, trial_id=trial.id, new_end_date=trial.end_date + timedelta(days=10),
                     reason="中试未完成")
    assert err.value.key == "contracts.error.slots_full"
    done = extend_trial(actor=hz.operator, trial_id=trial.id, new_end_date=trial.end_date + timedelta(days=9),
                        reason="中试未完成")
    assert done.status == "extended" and done.original_end_date == trial.end_date
    assert done.status_reason == "中试未完成"


def test_terminate_takes_a_reason_from_the_fixed_list(world) -> None:
    trial = make_trial(world.hz.result, world.hz.enterprise, world.hz.agency)
    with pytest.raises(ValidationError) as err:
        terminate_trial(actor=world.hz.operator, trial_id=trial.id, reason="bored")
    assert err.value.field == "contract_termination_reason"
    with pytest.raises(ValidationError) as err:
        terminate_trial(actor=world.hz.operator, trial_id=trial.id, reason="other", note="")
    assert err.value.field == "contract_reason"
    assert _get(trial.id).status == "active"
    done = terminate_trial(actor=world.hz.operator, trial_id=trial.id, reason="price")
    assert done.status == "terminated" and done.termination_reason == "price" and done.end_date == today()
    with pytest.raises(ValidationError):
        extend_trial(actor=world.hz.operator, trial_id=trial.id, new_end_date=today() + timedelta(days=99),
                     reason="x")


def test_objection_marks_disputed_and_resolution_records_who_and_why(world) -> None:
    trial = make_trial(world.hz.result, world.hz.enterprise, world.hz.agency)
    with pytest.raises(ValidationError) as err:
        record_objection(actor=world.hz.operator, contract_id=trial.id, objector_name="", objector_contact="x",
                         reason="y")
    assert err.value.field == "objection_name"
    obj = record_objection(actor=world.hz.operator, contract_id=trial.id, objector_name="王某",
                           objector_contact="13800000000", reason="该成果另有权利人")
    assert obj.contract_id == trial.id and _get(trial.id).status == "disputed"
    with pytest.raises(ValidationError):  # no conversion while disputed
        convert_trial(actor=world.hz.operator, trial_id=trial.id, kind="transfer", deal_amount="1",
                      signing_date=today(), payment_terms="x")
    done = resolve_objection(actor=world.hz.plain_operator, objection_id=obj.id, upheld=False,
                             resolution="经核查权属清晰，异议不成立")
    assert done.status == "dismissed" and done.resolved_by == world.hz.plain_operator.user_id
    assert done.resolution == "经核查权属清晰，异议不成立" and done.resolved_at is not None
    assert _get(trial.id).status == "active"
    with pytest.raises(ValidationError) as err:
        resolve_objection(actor=world.hz.operator, objection_id=obj.id, upheld=True, resolution="again")
    assert err.value.key == "contracts.error.objection_closed"


def test_ningbo_operator_cannot_touch_a_hangzhou_contract(world) -> None:
    trial = make_trial(world.hz.result, world.hz.enterprise, world.hz.agency)
    nb = world.nb.operator
    calls = [
        lambda: convert_trial(actor=nb, trial_id=trial.id, kind="transfer", deal_amount="1",
                              signing_date=today(), payment_terms="x"),
        lambda: extend_trial(actor=nb, trial_id=trial.id, new_end_date=trial.end_date + timedelta(days=5),
                             reason="x"),
        lambda: terminate_trial(actor=nb, trial_id=trial.id, reason="price"),
        lambda: record_objection(actor=nb, contract_id=trial.id, objector_name="a", objector_contact="b",
                                 reason="c"),
    ]
    for call in calls:
        with pytest.raises((NotFound, PermissionDenied)):
            call()
    obj = record_objection(actor=world.hz.operator, contract_id=trial.id, objector_name="a",
                           objector_contact="b", reason="c")
    with pytest.raises((NotFound, PermissionDenied)):
        resolve_objection(actor=nb, objection_id=obj.id, upheld=True, resolution="x")
    with Session(get_engine()) as s:
        assert s.get(Objection, obj.id).status == "open"
    assert _get(trial.id).status == "disputed"


def test_trial_and_conversion_earn_the_agency_points(world) -> None:
    from db.models import PointsEvent
    from portal.contracts.trials import create_trial

    hz = world.hz
    trial = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id)
    deal = convert_trial(actor=hz.operator, trial_id=trial.id, kind="transfer", deal_amount="100000",
                         signing_date=today(), payment_terms="一次性支付")
    with Session(get_engine()) as s:
        events = {(e.kind, e.entity_id, e.agency_id) for e in s.exec(select(PointsEvent)).all()}
    assert ("trial_signed", str(trial.id), hz.agency.id) in events
    assert ("conversion", str(deal.id), hz.agency.id) in events


def test_daily_job_expires_trials_past_their_end_and_is_idempotent(world) -> None:
    from portal.contracts.outcomes import expire_overdue_trials

    hz = world.hz
    past = make_trial(hz.result, hz.enterprise, hz.agency, start=today() - timedelta(days=400))
    ends_today = make_trial(hz.result, make_org("辛企业", "enterprise"), hz.agency, start=today() - timedelta(days=360))
    assert ends_today.end_date == today()
    assert expire_overdue_trials(today()) == 1
    assert expire_overdue_trials(today()) == 0
    assert _get(past.id).status == "expired" and _get(ends_today.id).status == "active"
    # an expired trial can still be converted
    deal = convert_trial(actor=hz.operator, trial_id=past.id, kind="transfer", deal_amount="5",
                         signing_date=today(), payment_terms="x")
    assert deal.parent_trial_id == past.id
