"""Fee claims: floors at their boundaries, one claim per deal and agency, idempotent submission,
the workflow, budgets with figures, concurrent approvals, scope and evidence."""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlmodel import func, select

from db.engine import read_session
from db.models import AuditEntry, Budget, Contract, FeeClaim, PointsEvent, PolicyVersion
from portal.claims import evidence, fees, filing, listing, review
from portal.claims.budgets import list_budgets, set_budget
from portal.core import attachments
from portal.core.clock import TZ, today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from tests.factories import make_agency, make_org, make_trial, make_user, save


def make_deal(city, amount: str = "200000.00") -> Contract:
    """A converted paid licence in city (from a trial of the city's result)."""
    trial = make_trial(city.result, city.enterprise, city.agency, status="converted")
    deal = Contract(kind="paid_licence", result_id=city.result.id, licensor_org_id=city.licensor.id,
                    licensee_org_id=city.enterprise.id, agency_id=city.agency.id, city_code=city.code,
                    parent_trial_id=trial.id, number=f"D-{uuid.uuid4().hex[:8]}", start_date=today(),
                    signing_date=today(), deal_amount=Decimal(amount))
    save(deal)
    return deal


def budget(city_code: str, kind: str, amount: str, region: str | None = None) -> None:
    save(Budget(region_code=region or city_code, city_code=city_code, year=today().year, kind=kind,
                amount=Decimal(amount)))


def count(model, *where) -> int:  # noqa: ANN001
    with read_session() as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def fee(world, deal, rate=None, actor=None, **kw) -> FeeClaim:  # noqa: ANN001
    default = world.nb.plain_operator if deal.city_code == "330200" else world.hz.plain_operator
    return filing.create_service_fee_claim(actor=actor or default, contract_id=deal.id, rate=rate, **kw)


# --- rule 6: the service-fee floor -------------------------------------------------------------

def test_fee_floor_boundary_at_the_province_5_percent(world) -> None:
    deal = make_deal(world.nb, "100000.00")
    with pytest.raises(ValidationError) as err:
        fee(world, deal, rate="4.99%")
    assert (err.value.key, err.value.field) == ("claims.error.rate_below_floor", "fee_rate")
    assert count(FeeClaim) == 0
    claim = fee(world, deal, rate="5%")
    assert (claim.rate, claim.amount, claim.basis_amount) == (Decimal("0.05"), Decimal("5000.00"), Decimal("100000.00"))


def test_fee_floor_follows_the_city_rate_and_the_province_floor(world) -> None:
    save(PolicyVersion(region_code="330100", version=1, data={"service_fee_rate": "0.06"}))
    deal = make_deal(world.hz, "123456.78")
    with pytest.raises(ValidationError):
        fee(world, deal, rate="0.0599")
    claim = fee(world, deal)  # no rate given: the city's
    assert claim.rate == Decimal("0.06") and claim.amount == Decimal("7407.41")  # 7407.4068 rounded up
    save(PolicyVersion(region_code="330000", version=1, data={"service_fee_floor": "0.07"}))
    assert fees.fee_rate("330100") == Decimal("0.07")  # a higher province floor lifts the city


def test_an_empty_rate_is_refused_not_filled_in(world) -> None:
    deal = make_deal(world.hz, "100000.00")
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as err:
            fee(world, deal, rate=blank, submit=True)
        assert (err.value.key, err.value.field) == ("error.required", "fee_rate")
    assert count(FeeClaim) == 0


def test_a_rate_above_the_citys_needs_a_justification(world) -> None:
    deal = make_deal(world.hz, "100000.00")
    with pytest.raises(ValidationError) as err:
        fee(world, deal, rate="8%", submit=True)
    assert (err.value.key, err.value.field) == ("claims.error.rate_needs_reason", "claim_justification")
    assert count(FeeClaim) == 0
    claim = fee(world, deal, rate="8%", justification="含两次中试组织与现场路演", submit=True)
    assert (claim.rate, claim.amount, claim.status) == (Decimal("0.08"), Decimal("8000.00"), "submitted")


def test_only_converted_deals_carry_a_fee(world) -> None:
    trial = make_trial(world.hz.result, world.hz.enterprise, world.hz.agency)
    with pytest.raises(ValidationError) as err:
        filing.create_service_fee_claim(actor=world.hz.plain_operator, contract_id=trial.id)
    assert err.value.key == "claims.error.not_converted"


def test_one_claim_per_deal_and_agency(world) -> None:
    deal = make_deal(world.hz)
    fee(world, deal)
    with pytest.raises(ValidationError) as err:
        fee(world, deal, actor=world.hz.operator)  # same agency, another person
    assert (err.value.key, err.value.field) == ("claims.error.duplicate_deal", "claim_contract")
    assert count(FeeClaim) == 1
    other = make_agency("hz第二技术转移机构", "330100")
    second = make_user("hz_other_op", "city_operator", agency=other)
    assert fee(world, deal, actor=second).agency_id == other.id  # another agency may claim
    assert [d.number for d in listing.claimable_deals(actor=world.hz.plain_operator)] == []


def test_double_submission_creates_one_claim(world) -> None:
    deal = make_deal(world.hz)
    first = fee(world, deal, submit=True, idempotency_key="form-1")
    again = fee(world, deal, submit=True, idempotency_key="form-1")  # the retried click
    assert first.id == again.id and again.status == "submitted"
    assert count(FeeClaim) == 1
    assert count(AuditEntry, AuditEntry.action == "claim.create") == 1
    sub = filing.create_subsidy_claim(actor=world.hz.plain_operator, programme="运营补贴", amount="1000",
                                      period_start="2026-01-01", period_end="2026-06-30", justification="路演",
                                      idempotency_key="form-2")
    assert filing.create_subsidy_claim(actor=world.hz.plain_operator, programme="运营补贴", amount="1000",
                                       period_start="2026-01-01", period_end="2026-06-30", justification="路演",
                                       idempotency_key="form-2").id == sub.id
    review.submit_claim(actor=world.hz.plain_operator, claim_id=sub.id)
    assert review.submit_claim(actor=world.hz.plain_operator, claim_id=sub.id).status == "submitted"


def test_subsidy_validation_names_the_field(world) -> None:
    with pytest.raises(ValidationError) as err:
        filing.create_subsidy_claim(actor=world.hz.plain_operator, programme="补贴", amount="1000",
                                    period_start="2026-06-30", period_end="2026-01-01", justification="x")
    assert err.value.field == "claim_period_end"
    with pytest.raises(ValidationError) as err:
        filing.create_subsidy_claim(actor=world.hz.plain_operator, programme="补贴", amount="-5",
                                    period_start="2026-01-01", period_end="2026-02-01", justification="x")
    assert err.value.field == "amount"
    assert count(FeeClaim) == 0


# --- the workflow, budgets and approval --------------------------------------------------------

def _reviewed(world, deal, key=None) -> FeeClaim:  # noqa: ANN001
    claim = fee(world, deal, submit=True, idempotency_key=key)
    return review.review_claim(actor=world.hz.operator, claim_id=claim.id)


def test_workflow_to_paid_awards_points(world) -> None:
    budget("330100", "service_fee", "100000")
    claim = _reviewed(world, make_deal(world.hz))
    review.approve_claim(actor=world.hz.operator, claim_id=claim.id)
    with pytest.raises(ValidationError) as err:
        review.mark_paid(actor=world.hz.operator, claim_id=claim.id, paid_on=today(), payment_ref="")
    assert err.value.field == "payment_ref"
    paid = review.mark_paid(actor=world.hz.operator, claim_id=claim.id, paid_on=today(), payment_ref="ZF-1")
    assert (paid.status, paid.payment_ref) == ("paid", "ZF-1")
    assert count(PointsEvent, PointsEvent.kind == "claim_paid") == 1
    usage = list_budgets(actor=world.hz.manager, year=today().year)
    assert [(u.budget, u.committed, u.paid) for u in usage] == [(Decimal("100000.00"), Decimal("10000.00"),
                                                                 Decimal("10000.00"))]


def test_reject_needs_a_reason_and_can_be_reopened(world) -> None:
    claim = fee(world, make_deal(world.hz), submit=True)
    with pytest.raises(ValidationError) as err:
        review.reject_claim(actor=world.hz.operator, claim_id=claim.id, reason=" ")
    assert err.value.field == "reject_reason"
    assert listing.get_claim(actor=world.hz.operator, claim_id=claim.id).status == "submitted"
    rejected = review.reject_claim(actor=world.hz.operator, claim_id=claim.id, reason="合同扫描件缺失")
    assert (rejected.status, rejected.reject_reason) == ("rejected", "合同扫描件缺失")
    assert review.reopen_claim(actor=world.hz.plain_operator, claim_id=claim.id).status == "draft"


def test_approval_over_budget_is_refused_with_the_figures(world) -> None:
    budget("330100", "service_fee", "15000")
    first = _reviewed(world, make_deal(world.hz, "200000"))  # 10,000 at 5 %
    review.approve_claim(actor=world.hz.operator, claim_id=first.id)
    second = _reviewed(world, make_deal(world.hz, "120000"))  # 6,000: 1,000 over
    with pytest.raises(ValidationError) as err:
        review.approve_claim(actor=world.hz.operator, claim_id=second.id)
    assert err.value.key == "claims.error.over_budget"
    assert err.value.params == {"budget": "¥15,000.00", "committed": "¥10,000.00", "claim": "¥6,000.00",
                                "overrun": "¥1,000.00"}
    assert "超出 ¥1,000.00" in err.value.message("zh")
    assert listing.get_claim(actor=world.hz.operator, claim_id=second.id).status == "reviewed"


def test_no_budget_refuses_approval(world) -> None:
    claim = _reviewed(world, make_deal(world.hz))
    with pytest.raises(ValidationError) as err:
        review.approve_claim(actor=world.hz.operator, claim_id=claim.id)
    assert err.value.key == "claims.error.no_budget"


def test_budget_cannot_drop_below_committed(world) -> None:
    set_budget(actor=world.hz.operator, region_code="330100", year=today().year, kind="service_fee", amount="20000")
    review.approve_claim(actor=world.hz.operator, claim_id=_reviewed(world, make_deal(world.hz)).id)
    with pytest.raises(ValidationError) as err:
        set_budget(actor=world.hz.operator, region_code="330100", year=today().year, kind="service_fee",
                   amount="9999.99")
    assert err.value.field == "budget_amount"
    with pytest.raises(PermissionDenied):
        set_budget(actor=world.nb.operator, region_code="330100", year=today().year, kind="service_fee",
                   amount="1")
    assert [u.budget for u in list_budgets(actor=world.admin, year=today().year)] == [Decimal("20000.00")]


def test_concurrent_approvals_of_the_last_money(world) -> None:
    budget("330100", "service_fee", "10000")
    one = _reviewed(world, make_deal(world.hz, "200000"))  # 10,000 each: only one fits
    two = _reviewed(world, make_deal(world.hz, "200000"))
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(actor, claim_id) -> None:  # noqa: ANN001
        start.wait()
        try:
            review.approve_claim(actor=actor, claim_id=claim_id)
            outcomes.append("approved")
        except ValidationError as err:
            outcomes.append(err.key)

    threads = [threading.Thread(target=approve, args=(world.hz.operator, one.id)),
               threading.Thread(target=approve, args=(world.admin, two.id))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert sorted(outcomes) == ["approved", "claims.error.over_budget"]
    assert count(FeeClaim, FeeClaim.status == "approved") == 1


def test_nobody_reviews_their_own_claim(world) -> None:
    deal = make_deal(world.hz)
    claim = fee(world, deal, actor=world.hz.operator, submit=True)  # the city admin's own claim
    with pytest.raises(PermissionDenied) as err:
        review.review_claim(actor=world.hz.operator, claim_id=claim.id)
    assert err.value.key == "claims.error.own_claim"
    with pytest.raises(PermissionDenied):
        review.review_claim(actor=world.hz.plain_operator, claim_id=claim.id)  # not a reviewer
    with pytest.raises(PermissionDenied):
        review.review_claim(actor=world.hz.manager, claim_id=claim.id)  # managers only read
    assert review.review_claim(actor=world.admin, claim_id=claim.id).status == "reviewed"


def test_a_ningbo_operator_cannot_see_or_touch_a_hangzhou_claim(world) -> None:
    claim = fee(world, make_deal(world.hz), submit=True)
    for call in (lambda: listing.get_claim(actor=world.nb.operator, claim_id=claim.id),
                 lambda: review.review_claim(actor=world.nb.operator, claim_id=claim.id),
                 lambda: evidence.list_attachments(actor=world.nb.operator, claim_id=claim.id),
                 lambda: review.reject_claim(actor=world.nb.operator, claim_id=claim.id, reason="x")):
        with pytest.raises((NotFound, PermissionDenied)):
            call()
    with pytest.raises(NotFound):  # a Hangzhou deal is absent for Ningbo
        filing.create_service_fee_claim(actor=world.nb.operator, contract_id=make_deal(world.hz).id)
    assert listing.list_claims(actor=world.nb.manager).total == 0
    assert listing.list_claims(actor=world.hz.manager).total == 1
    assert listing.list_claims(actor=world.province_manager).total == 1
    assert listing.get_claim(actor=world.hz.operator, claim_id=claim.id).status == "submitted"


def test_evidence_files(world) -> None:
    claim = fee(world, make_deal(world.hz))
    evidence.add_attachment(actor=world.hz.plain_operator, claim_id=claim.id, filename="合同.pdf",
                          content_type="application/pdf", data=b"%PDF-1.4")
    with pytest.raises(ValidationError) as err:
        evidence.add_attachment(actor=world.hz.plain_operator, claim_id=claim.id, filename="big.bin",
                              content_type="", data=b"x" * (attachments.max_bytes() + 1))
    assert err.value.field == "attachment"
    files = evidence.list_attachments(actor=world.hz.manager, claim_id=claim.id)
    assert [(f.filename, f.size) for f in files] == [("合同.pdf", 8)]
    assert evidence.read_attachment(actor=world.hz.operator, claim_id=claim.id,
                                  attachment_id=files[0].id)[2] == b"%PDF-1.4"


def test_the_same_evidence_uploaded_again_is_kept_once(world) -> None:
    claim = fee(world, make_deal(world.hz))
    again = [evidence.add_attachment(actor=world.hz.plain_operator, claim_id=claim.id, filename="合同.pdf",
                                     content_type="application/pdf", data=b"%PDF-1.4") for _ in range(2)]
    assert again[0].id == again[1].id
    # another file of the same name and size is not the same file
    evidence.add_attachment(actor=world.hz.plain_operator, claim_id=claim.id, filename="合同.pdf",
                            content_type="application/pdf", data=b"%PDF-1.5")
    files = evidence.list_attachments(actor=world.hz.manager, claim_id=claim.id)
    assert [(f.filename, f.size) for f in files] == [("合同.pdf", 8), ("合同.pdf", 8)]


def test_voucher_refund_claim_once_per_redemption(world) -> None:
    from db.models import InsurancePolicy, Voucher, VoucherRedemption

    trial = make_trial(world.hz.result, world.hz.enterprise, world.hz.agency)
    insurer = make_org("hz保险", "insurer", "330100")
    policy = InsurancePolicy(contract_id=trial.id, insurer_org_id=insurer.id, city_code="330100",
                             policy_number=f"P{uuid.uuid4().hex[:8]}", product="试用险", premium=Decimal("5000"),
                             coverage=Decimal("250000"), start_date=trial.start_date, end_date=trial.end_date)
    voucher = Voucher(code=f"V{uuid.uuid4().hex[:8]}", enterprise_org_id=world.hz.enterprise.id, city_code="330100",
                      amount=Decimal("20000"), balance=Decimal("16000"), issued_on=date(2026, 1, 1),
                      expires_on=date(2027, 1, 1))
    red = VoucherRedemption(voucher_id=voucher.id, policy_id=policy.id, redeemed_by_org_id=insurer.id,
                            city_code="330100", amount=Decimal("4000"), rate=Decimal("0.80"),
                            redeemed_at=datetime(2026, 3, 1, tzinfo=TZ))
    save(policy, voucher, red)
    assert [r.amount for r in listing.claimable_redemptions(actor=world.hz.plain_operator)] == [Decimal("4000.00")]
    claim = filing.create_voucher_refund_claim(actor=world.hz.plain_operator, redemption_id=red.id)
    assert (claim.amount, claim.basis_amount) == (Decimal("4000.00"), Decimal("5000.00"))
    with pytest.raises(ValidationError) as err:
        filing.create_voucher_refund_claim(actor=world.hz.plain_operator, redemption_id=red.id)
    assert err.value.field == "claim_redemption"
    assert count(FeeClaim) == 1


def test_a_county_budget_carries_its_own_claims(world) -> None:
    from portal.core.regions import counties

    county = counties("330100")[0].code
    budget("330100", "operating_subsidy", "50000", region=county)
    with pytest.raises(ValidationError) as err:  # a Ningbo county is not Hangzhou's to charge
        filing.create_subsidy_claim(actor=world.hz.plain_operator, programme="区县补贴", amount="1000",
                                    period_start="2026-01-01", period_end="2026-03-31", justification="路演",
                                    budget_region_code=counties("330200")[0].code)
    assert err.value.field == "budget_region"
    claim = filing.create_subsidy_claim(actor=world.hz.plain_operator, programme="区县补贴", amount="40000",
                                        period_start="2026-01-01", period_end="2026-03-31", justification="路演",
                                        budget_region_code=county, submit=True)
    review.review_claim(actor=world.hz.operator, claim_id=claim.id)
    assert review.approve_claim(actor=world.hz.operator, claim_id=claim.id).status == "approved"
    usage = {u.region_code: u for u in list_budgets(actor=world.hz.operator, year=today().year)}
    assert usage[county].committed == Decimal("40000.00") and usage[county].remaining == Decimal("10000.00")
