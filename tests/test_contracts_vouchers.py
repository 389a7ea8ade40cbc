"""Insurance and innovation vouchers (DOMAIN.md rule 7): floor, ceiling, balance, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import InsurancePolicy, PolicyVersion, Voucher, VoucherRedemption
from portal.contracts.insurance import add_policy
from portal.contracts.vouchers import (
    issue_voucher,
    list_vouchers,
    redeem_voucher,
    redemption_bounds,
    refund_floor,
)
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from tests.factories import make_org, make_trial, save


@pytest.fixture
def setup(world):  # noqa: ANN201
    hz = world.hz
    insurer = make_org("人保财险杭州分公司", "insurer", "330100")
    trial = make_trial(hz.result, hz.enterprise, hz.agency)
    policy = add_policy(actor=hz.operator, contract_id=trial.id, insurer_org_id=insurer.id,
                        policy_number="PZJ0001", product="试用险", premium="5000", coverage="250000",
                        start_date=trial.start_date, end_date=trial.end_date)
    voucher = issue_voucher(actor=hz.operator, enterprise_org_id=hz.enterprise.id, amount="20000",
                            expires_on=today() + timedelta(days=365))
    return world, insurer, trial, policy, voucher


def _balance(voucher_id) -> Decimal:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.get(Voucher, voucher_id).balance


def _redemptions() -> int:
    with Session(get_engine()) as s:
        return len(s.exec(select(VoucherRedemption.id)).all())


def test_issue_voucher_with_full_balance(setup) -> None:
    world, _, _, _, voucher = setup
    assert voucher.balance == voucher.amount == Decimal("20000.00")
    assert voucher.code.startswith("CXQ3301") and voucher.city_code == "330100"
    with pytest.raises(ValidationError) as err:
        issue_voucher(actor=world.hz.operator, enterprise_org_id=world.hz.enterprise.id, amount="100",
                      issued_on=today(), expires_on=today())
    assert err.value.field == "voucher_expires_on"
    with pytest.raises(ValidationError) as err:
        issue_voucher(actor=world.hz.operator, enterprise_org_id=world.hz.licensor.id, amount="100",
                      expires_on=today() + timedelta(days=9))
    assert err.value.field == "voucher_enterprise"
    with pytest.raises(ValidationError) as err:
        issue_voucher(actor=world.hz.operator, enterprise_org_id=world.nb.enterprise.id, amount="100",
                      expires_on=today() + timedelta(days=9))
    # the directory's refusal (the picker offers only the city's enterprises), naming the field
    assert (err.value.key, err.value.field) == ("error.organization_out_of_reach", "voucher_enterprise")
    assert [v.code for v in list_vouchers(actor=world.admin)] == [voucher.code]


def test_refund_floor_is_rounded_up_to_the_fen() -> None:
    assert refund_floor(Decimal("3333.33"), Decimal("0.80")) == Decimal("2666.67")
    assert refund_floor(Decimal("5000"), Decimal("0.80")) == Decimal("4000.00")


@pytest.mark.parametrize(("amount", "ok"), [("3999.99", False), ("4000.00", True), ("5000.00", True),
                                            ("5000.01", False)])
def test_refund_between_80_percent_and_the_premium(setup, amount: str, ok: bool) -> None:
    world, _, _, policy, voucher = setup
    if ok:
        red = redeem_voucher(actor=world.hz.operator, voucher_id=voucher.id, policy_id=policy.id, amount=amount)
        assert red.amount == Decimal(amount) and red.rate == Decimal("0.80")
        assert _balance(voucher.id) == Decimal("20000") - Decimal(amount)
    else:
        with pytest.raises(ValidationError) as err:
            redeem_voucher(actor=world.hz.operator, voucher_id=voucher.id, policy_id=policy.id, amount=amount)
        assert err.value.field == "redemption_amount"
        assert err.value.key in ("contracts.error.refund_under_floor", "contracts.error.refund_over_premium")
        assert _balance(voucher.id) == Decimal("20000") and _redemptions() == 0


def test_city_rate_above_80_raises_the_floor(setup) -> None:
    world, _, _, policy, voucher = setup
    save(PolicyVersion(region_code="330100", version=99, data={"voucher_refund_rate": "0.90"}))
    bounds = redemption_bounds(actor=world.hz.operator, voucher_id=voucher.id, policy_id=policy.id)
    assert bounds.floor == Decimal("4500.00") and bounds.ceiling == Decimal("5000.00")
    with pytest.raises(ValidationError) as err:
        redeem_voucher(actor=world.hz.operator, voucher_id=voucher.id, policy_id=policy.id, amount="4499.99")
    assert err.value.key == "contracts.error.refund_under_floor"
    red = redeem_voucher(actor=world.hz.operator, voucher_id=voucher.id, policy_id=policy.id)  # default: floor
    assert red.amount == Decimal("4500.00") and red.rate == Decimal("0.90")


def test_a_city_rate_below_the_province_floor_is_not_applied(setup) -> None:
    world, _, _, policy, voucher = setup
    save(PolicyVersion(region_code="330100", version=99, data={"voucher_refund_rate": "0.50"}))
    with pytest.raises(ValidationError):
        redeem_voucher(actor=world.hz.operator, voucher_id=voucher.id, policy_id=policy.id, amount="3000")


def test_refund_never_exceeds_the_balance_and_exhausts_the_voucher(setup) -> None:
    world, _, _, policy, _ = setup
    small = issue_voucher(actor=world.hz.operator, enterprise_org_id=world.hz.enterprise.id, amount="4000",
                          expires_on=today() + timedelta(days=30))
    with pytest.raises(ValidationError) as err:
        redeem_voucher(actor=world.hz.operator, voucher_id=small.id, policy_id=policy.id, amount="4000.01")
    assert err.value.key in ("contracts.error.refund_over_balance",)
    red = redeem_voucher(actor=world.hz.operator, voucher_id=small.id, policy_id=policy.id, amount="4000")
    assert red.amount == Decimal("4000.00")
    with Session(get_engine()) as s:
        v = s.get(Voucher, small.id)
        assert v.balance == Decimal("0.00") and v.status == "exhausted"
    # the policy has had 4000 of 5000: a further 1000 would reach the premium but the voucher is empty
    with pytest.raises(ValidationError) as err:
        redeem_voucher(actor=world.hz.operator, voucher_id=small.id, policy_id=policy.id, amount="1000")
    assert err.value.key == "contracts.error.voucher_not_active"


def test_the_insurer_may_redeem_but_nobody_else(setup) -> None:
    world, insurer, _, policy, voucher = setup
    with pytest.raises(ValidationError) as err:
        redeem_voucher(actor=world.hz.operator, voucher_id=voucher.id, policy_id=policy.id,
                       redeemed_by_org_id=world.hz.licensor.id)
    assert err.value.field == "redemption_party" and _redemptions() == 0
    red = redeem_voucher(actor=world.hz.operator, voucher_id=voucher.id, policy_id=policy.id,
                         redeemed_by_org_id=insurer.id)
    assert red.redeemed_by_org_id == insurer.id


def test_expired_voucher_or_another_enterprise_is_refused(setup) -> None:
    world, _, _, policy, _ = setup
    old = issue_voucher(actor=world.hz.operator, enterprise_org_id=world.hz.enterprise.id, amount="9000",
                        issued_on=today() - timedelta(days=400), expires_on=today() - timedelta(days=1))
    with pytest.raises(ValidationError) as err:
        redeem_voucher(actor=world.hz.operator, voucher_id=old.id, policy_id=policy.id)
    assert err.value.key == "contracts.error.voucher_expired"
    other = issue_voucher(actor=world.hz.operator, enterprise_org_id=make_org("丁企业", "enterprise").id,
                          amount="9000", expires_on=today() + timedelta(days=30))
    with pytest.raises(ValidationError) as err:
        redeem_voucher(actor=world.hz.operator, voucher_id=other.id, policy_id=policy.id)
    assert err.value.key == "contracts.error.voucher_other_enterprise"
    assert _redemptions() == 0


def test_policy_rules(setup) -> None:
    world, insurer, trial, _, _ = setup
    base = dict(actor=world.hz.operator, contract_id=trial.id, insurer_org_id=insurer.id, product="试用险",
                premium="100", coverage="1000", start_date=trial.start_date, end_date=trial.end_date)
    for kw, field in [(dict(policy_number="PZJ0001"), "policy_number"),
                      (dict(policy_number="P2", premium="0"), "policy_premium"),
                      (dict(policy_number="P3", insurer_org_id=world.hz.enterprise.id), "policy_insurer"),
                      (dict(policy_number="P4", end_date=trial.start_date - timedelta(days=1)), "policy_end_date")]:
        with pytest.raises(ValidationError) as err:
            add_policy(**{**base, **kw})
        assert err.value.field == field
    with Session(get_engine()) as s:
        assert len(s.exec(select(InsurancePolicy.id)).all()) == 1


def test_ningbo_cannot_see_or_use_hangzhou_vouchers_and_policies(setup) -> None:
    world, _, trial, policy, voucher = setup
    nb = world.nb.operator
    assert list_vouchers(actor=nb) == []
    assert [v.code for v in list_vouchers(actor=world.hz.operator)] == [voucher.code]
    assert [v.code for v in list_vouchers(actor=world.hz.enterprise_user)] == [voucher.code]
    with pytest.raises((NotFound, PermissionDenied)):
        redeem_voucher(actor=nb, voucher_id=voucher.id, policy_id=policy.id)
    with pytest.raises((NotFound, PermissionDenied)):
        redemption_bounds(actor=nb, voucher_id=voucher.id, policy_id=policy.id)
    with pytest.raises((NotFound, PermissionDenied)):
        add_policy(actor=nb, contract_id=trial.id, insurer_org_id=policy.insurer_org_id, policy_number="X",
                   product="x", premium="1", coverage="1", start_date=today(), end_date=today())
    with pytest.raises(PermissionDenied):
        issue_voucher(actor=world.hz.manager, enterprise_org_id=world.hz.enterprise.id, amount="1",
                      expires_on=today() + timedelta(days=3))
    assert _balance(voucher.id) == Decimal("20000") and _redemptions() == 0


def test_concurrent_redemptions_never_overdraw_the_balance(setup) -> None:
    world, insurer, _, _, _ = setup
    hz = world.hz
    # a voucher that covers exactly two 4000-yuan refunds, and four policies racing for it
    voucher = issue_voucher(actor=hz.operator, enterprise_org_id=hz.enterprise.id, amount="8000",
                            expires_on=today() + timedelta(days=30))
    policies = []
    for i in range(4):
        trial = make_trial(hz.result, hz.enterprise, hz.agency, start=today() + timedelta(days=400 * (i + 1)))
        policies.append(add_policy(actor=hz.operator, contract_id=trial.id, insurer_org_id=insurer.id,
                                   policy_number=f"RACE{i}", product="试用险", premium="5000", coverage="1",
                                   start_date=trial.start_date, end_date=trial.end_date))
    barrier = threading.Barrier(len(policies))
    outcomes: list[str] = []

    def run(policy_id) -> None:  # noqa: ANN001
        barrier.wait()
        try:
            redeem_voucher(actor=hz.operator, voucher_id=voucher.id, policy_id=policy_id, amount="4000")
            outcomes.append("ok")
        except ValidationError as err:
            outcomes.append(err.key)

    threads = [threading.Thread(target=run, args=(p.id,)) for p in policies]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(outcomes).count("ok") == 2, outcomes
    assert _balance(voucher.id) == Decimal("0.00")
    with Session(get_engine()) as s:
        total = sum(r.amount for r in s.exec(select(VoucherRedemption).where(
            VoucherRedemption.voucher_id == voucher.id)).all())
    assert total == Decimal("8000.00")
