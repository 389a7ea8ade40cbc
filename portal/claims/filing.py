"""Making a claim: a service fee on a converted deal (at least the city's rate, never below the
province floor; one per deal and agency), a voucher refund, an operating subsidy. A creation
carries an idempotency key, so a double click or a retry yields the one claim already made."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import Contract, FeeClaim, InsurancePolicy, VoucherRedemption
from db.models.enums import ClaimKind, ClaimStatus, ContractStatus
from portal.claims.fees import PAID_KINDS, fee_rate, minimum_fee, parse_rate
from portal.claims.rules import CLAIM
from portal.core import numbering, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add, record, snapshot
from portal.core.clock import now, today
from portal.core.errors import NotFound, PortalError, ValidationError
from portal.core.regions import all_regions, city_of
from portal.core.service import service
from portal.core.workflow import Subject


def _claimant(actor: Actor) -> None:
    """Refuse anyone but a city operator filing for its own agency."""
    CLAIM.require(actor, "create", Subject(city_code=actor.city_code, agency_id=actor.agency_id))


def _budget_region(actor: Actor, code: str | None) -> str:
    """The city itself, or one of its counties."""
    code = code or actor.city_code
    region = all_regions().get(code or "")
    if region is None or region.level not in ("city", "county") or city_of(code) != actor.city_code:
        raise ValidationError("error.bad_choice", field="budget_region", value=str(code))
    return code


def _existing(s: Session, key: str | None, actor: Actor) -> FeeClaim | None:
    if not key:
        return None
    claim = s.exec(select(FeeClaim).where(FeeClaim.idempotency_key == key)).first()
    if claim is not None and claim.agency_id != actor.agency_id:
        raise ValidationError("claims.error.key_reused", field="idempotency_key")
    return claim


def _insert(s: Session, actor: Actor, key: str | None, claim: FeeClaim, *, submit: bool,
            twin: PortalError) -> FeeClaim:
    """Add claim (submitted at once when asked) unless key was used; twin is the refusal when a
    concurrent writer made the same claim first (caught by a unique key)."""
    claim.reference = numbering.allocate(s, "claim", claim.city_code, today().year)
    claim.idempotency_key = key
    claim.created_by = actor.user_id
    try:
        with s.begin_nested():  # a unique key may refuse the row; the rest of the action stands
            s.add(claim)
            s.flush()
    except IntegrityError:
        found = _existing(s, key, actor)  # a concurrent retry with the same key won the race
        if found is not None:
            return found
        raise twin from None
    audited_add(s, actor, "claim.create", claim)
    if submit:
        before = snapshot(claim)
        claim.status, claim.submitted_at = ClaimStatus.SUBMITTED, now()
        s.add(claim)
        record(s, actor, "claim.submit", claim, before=before)
    return claim


def _key(value: str | None) -> str | None:
    return validation.text(value, field="idempotency_key", max_length=64, required=False) or None


@service(CLAIM, "create")
def create_service_fee_claim(s: Session, *, actor: Actor, contract_id: uuid.UUID, rate=None,  # noqa: ANN001
                             justification: str = "", budget_region_code: str | None = None,
                             submit: bool = False, idempotency_key: str | None = None) -> FeeClaim:
    """A service-fee claim on a converted deal: rate ≥ the city's rate ≥ the province floor;
    one per deal and agency. No rate (None) is the city's rate; a rate the form left empty is
    refused rather than filled in, and a rate above the city's needs a justification."""
    _claimant(actor)
    region = _budget_region(actor, budget_region_code)
    why = validation.text(justification, field="claim_justification", max_length=2000, required=False)
    if isinstance(rate, str) and not rate.strip():
        raise ValidationError("error.required", field="fee_rate")
    given = None if rate is None else parse_rate(rate)
    key = _key(idempotency_key)
    found = _existing(s, key, actor)
    if found is not None:
        return found
    deal = s.get(Contract, contract_id) if contract_id else None
    if deal is None or deal.city_code != actor.city_code:  # an agency claims on its own city's deals
        raise NotFound()
    if deal.kind not in PAID_KINDS or not deal.deal_amount or deal.status == ContractStatus.TERMINATED:
        raise ValidationError("claims.error.not_converted", field="claim_contract")
    floor = fee_rate(actor.city_code, session=s)
    use = given if given is not None else floor
    if use < floor:
        raise ValidationError("claims.error.rate_below_floor", field="fee_rate",
                              rate=f"{use * 100:.2f}%", floor=f"{floor * 100:.2f}%")
    if use > floor and not why:
        raise ValidationError("claims.error.rate_needs_reason", field="claim_justification",
                              rate=f"{use * 100:.2f}%", floor=f"{floor * 100:.2f}%")
    duplicate = ValidationError("claims.error.duplicate_deal", field="claim_contract", number=deal.number)
    if s.exec(select(FeeClaim.id).where(FeeClaim.kind == ClaimKind.SERVICE_FEE, FeeClaim.contract_id == deal.id,
                                        FeeClaim.agency_id == actor.agency_id)).first() is not None:
        raise duplicate
    claim = FeeClaim(kind=ClaimKind.SERVICE_FEE, agency_id=actor.agency_id, city_code=actor.city_code,
                     budget_region_code=region, budget_year=today().year, contract_id=deal.id,
                     basis_amount=deal.deal_amount, rate=use, amount=minimum_fee(deal.deal_amount, use),
                     justification=why)
    return _insert(s, actor, key, claim, submit=submit, twin=duplicate)


@service(CLAIM, "create")
def create_voucher_refund_claim(s: Session, *, actor: Actor, redemption_id: uuid.UUID, justification: str = "",
                                budget_region_code: str | None = None, submit: bool = False,
                                idempotency_key: str | None = None) -> FeeClaim:
    """A refund of the innovation-voucher money redeemed against a trial's insurance premium."""
    _claimant(actor)
    region = _budget_region(actor, budget_region_code)
    why = validation.text(justification, field="claim_justification", max_length=2000, required=False)
    key = _key(idempotency_key)
    found = _existing(s, key, actor)
    if found is not None:
        return found
    red = s.get(VoucherRedemption, redemption_id) if redemption_id else None
    if red is None or red.city_code != actor.city_code:  # refunds are claimed in the redemption's city
        raise NotFound()
    policy = s.get(InsurancePolicy, red.policy_id)
    duplicate = ValidationError("claims.error.duplicate_redemption", field="claim_redemption")
    if s.exec(select(FeeClaim.id).where(FeeClaim.kind == ClaimKind.VOUCHER_REFUND,
                                        FeeClaim.redemption_id == red.id)).first():
        raise duplicate
    claim = FeeClaim(kind=ClaimKind.VOUCHER_REFUND, agency_id=actor.agency_id, city_code=actor.city_code,
                     budget_region_code=region, budget_year=today().year, redemption_id=red.id,
                     basis_amount=policy.premium if policy else None, rate=red.rate, amount=red.amount,
                     justification=why)
    return _insert(s, actor, key, claim, submit=submit, twin=duplicate)


@service(CLAIM, "create")
def create_subsidy_claim(s: Session, *, actor: Actor, programme: str, amount, period_start: date | str,  # noqa: ANN001
                         period_end: date | str, justification: str, budget_region_code: str | None = None,
                         submit: bool = False, idempotency_key: str | None = None) -> FeeClaim:
    """An operating-subsidy claim under a city/county programme for a period."""
    _claimant(actor)
    region = _budget_region(actor, budget_region_code)
    name = validation.text(programme, field="programme", max_length=120)
    value = validation.money(amount, field="amount", positive=True)
    start = validation.a_date(period_start, field="claim_period_start")
    end = validation.a_date(period_end, field="claim_period_end")
    if end < start:
        raise ValidationError("claims.error.period_order", field="claim_period_end")
    why = validation.text(justification, field="claim_justification", max_length=2000)
    key = _key(idempotency_key)
    found = _existing(s, key, actor)
    if found is not None:
        return found
    claim = FeeClaim(kind=ClaimKind.OPERATING_SUBSIDY, agency_id=actor.agency_id, city_code=actor.city_code,
                     budget_region_code=region, budget_year=start.year, programme=name,
                     period_start=start, period_end=end, amount=value, justification=why)
    return _insert(s, actor, key, claim, submit=submit,
                   twin=ValidationError("claims.error.key_reused", field="idempotency_key"))
