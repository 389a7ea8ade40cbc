"""Fee claims: service fees on converted deals, voucher refunds, operating subsidies.

Workflow: draft → submitted → reviewed (by the city) → approved / rejected (with a reason) → paid.
Rules (DOMAIN.md 6 and 8): a service fee is at least the city's rate of the deal amount and
never below the province floor; one claim per deal and agency; approval within the budget;
nobody reviews, approves or pays a claim they created. A creation carries an idempotency key,
so a double click or a retry yields the one claim already made.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.engine import read_session, transaction
from db.models import (
    Agency,
    Attachment,
    Contract,
    FeeClaim,
    InsurancePolicy,
    Organization,
    Result,
    UserAccount,
    VoucherRedemption,
)
from db.models.enums import ClaimKind, ClaimStatus, ContractKind, ContractStatus, Role
from portal.claims import budgets
from portal.core import audit, numbering, validation
from portal.core.actor import Actor
from portal.core.clock import now, today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.policy import current_policy, province_floors
from portal.core.regions import all_regions, city_of
from portal.core.scope import ensure_readable

PAID_KINDS = (ContractKind.PAID_LICENCE, ContractKind.TRANSFER)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
PAGE_SIZE = 50


# --- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClaimRow:
    """A claim as lists and the detail view show it."""

    id: uuid.UUID
    reference: str
    kind: str
    status: str
    agency_id: uuid.UUID
    agency_name: str
    city_code: str
    budget_region_code: str
    budget_year: int
    contract_number: str | None  # the deal's number, or the insured policy's for a voucher refund
    programme: str
    basis_amount: Decimal | None
    rate: Decimal | None
    amount: Decimal
    justification: str
    reject_reason: str
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    paid_on: date | None
    payment_ref: str
    created_by: uuid.UUID | None
    creator_name: str


def _scoped(stmt, actor: Actor):  # noqa: ANN001, ANN202
    """Operators see their agency's claims, city managers their city, the province all."""
    if actor.is_province:
        return stmt
    if actor.role == Role.CITY_OPERATOR and actor.is_city_admin:
        return stmt.where(FeeClaim.city_code == actor.city_code)  # the city's reviewer
    if actor.role == Role.CITY_OPERATOR:
        return stmt.where(FeeClaim.agency_id == actor.agency_id)
    if actor.role == Role.MANAGER and actor.city_code:
        return stmt.where(FeeClaim.city_code == actor.city_code)
    raise PermissionDenied()


def _row_select():  # noqa: ANN202
    return (
        select(FeeClaim, Agency.name, Contract.number, InsurancePolicy.policy_number, UserAccount.display_name)
        .join(Agency, Agency.id == FeeClaim.agency_id)
        .join(Contract, Contract.id == FeeClaim.contract_id, isouter=True)
        .join(VoucherRedemption, VoucherRedemption.id == FeeClaim.redemption_id, isouter=True)
        .join(InsurancePolicy, InsurancePolicy.id == VoucherRedemption.policy_id, isouter=True)
        .join(UserAccount, UserAccount.id == FeeClaim.created_by, isouter=True)
    )


def _to_row(c: FeeClaim, agency: str, number: str | None, policy: str | None, creator: str | None) -> ClaimRow:
    return ClaimRow(c.id, c.reference, c.kind, c.status, c.agency_id, agency, c.city_code, c.budget_region_code,
                    c.budget_year, number or policy, c.programme, c.basis_amount, c.rate, c.amount, c.justification,
                    c.reject_reason, c.created_at, c.submitted_at, c.decided_at, c.paid_on, c.payment_ref,
                    c.created_by, creator or "")


def list_claims(*, actor: Actor, status: str | None = None, kind: str | None = None,
                page: int = 0, page_size: int = PAGE_SIZE) -> tuple[list[ClaimRow], int]:
    """One page of the claims the actor may see, newest first, and the total count."""
    if status:
        validation.choice(status, ClaimStatus, field="claim_status")
    if kind:
        validation.choice(kind, ClaimKind, field="claim_kind")
    with read_session() as s:
        ids = _scoped(select(FeeClaim.id), actor)
        count = _scoped(select(func.count()).select_from(FeeClaim), actor)
        if status:
            ids, count = ids.where(FeeClaim.status == status), count.where(FeeClaim.status == status)
        if kind:
            ids, count = ids.where(FeeClaim.kind == kind), count.where(FeeClaim.kind == kind)
        total = s.exec(count).one()
        # the page's ids first (one index walk on fee_claim), then the joins for those rows only
        page_ids = (ids.order_by(FeeClaim.created_at.desc(), FeeClaim.id)
                    .offset(max(page, 0) * page_size).limit(page_size).scalar_subquery())
        rows = s.exec(_row_select().where(FeeClaim.id.in_(page_ids))
                      .order_by(FeeClaim.created_at.desc(), FeeClaim.id)).all()
    return [_to_row(*r) for r in rows], int(total)


def get_claim(*, actor: Actor, claim_id: uuid.UUID) -> ClaimRow:
    """One claim, or NotFound when it is missing or out of scope."""
    with read_session() as s:
        row = s.exec(_scoped(_row_select(), actor).where(FeeClaim.id == claim_id)).first()
    if row is None:
        raise NotFound()
    return _to_row(*row)


@dataclass(frozen=True)
class DealOption:
    """A converted deal the actor's agency may still claim a service fee on."""

    contract_id: uuid.UUID
    number: str
    result_title: str
    licensee: str
    deal_amount: Decimal
    signing_date: date | None
    city_rate: Decimal
    minimum_fee: Decimal


@dataclass(frozen=True)
class RedemptionOption:
    """A voucher redemption not yet claimed."""

    redemption_id: uuid.UUID
    policy_number: str
    premium: Decimal
    amount: Decimal
    redeemed_at: datetime


def fee_rate(city_code: str, *, session: Session | None = None) -> Decimal:
    """The service-fee rate in force: the city's rate, never below the province floor."""
    return max(current_policy(city_code, session=session).service_fee_rate,
               province_floors(session=session).service_fee_floor)


def minimum_fee(deal_amount: Decimal, rate: Decimal) -> Decimal:
    """The least fee a claim may state: rate × deal amount, rounded up to the fen."""
    return (deal_amount * rate).quantize(Decimal("0.01"), rounding="ROUND_CEILING")


def claimable_deals(*, actor: Actor) -> list[DealOption]:
    """Converted deals of the actor's city that the actor's agency has not claimed yet."""
    if actor.role != Role.CITY_OPERATOR or actor.agency_id is None:
        return []
    with read_session() as s:
        rate = fee_rate(actor.city_code, session=s)
        # looked up per deal in the (kind, contract, agency) unique index, not read as a whole list
        claimed = select(FeeClaim.id).where(FeeClaim.kind == ClaimKind.SERVICE_FEE, FeeClaim.contract_id == Contract.id,
                                            FeeClaim.agency_id == actor.agency_id).correlate(Contract).exists()
        newest = (select(Contract.id)  # the 200 newest first, then their titles and names (not for 5 000)
                  .where(Contract.city_code == actor.city_code, Contract.kind.in_(PAID_KINDS),
                         Contract.status != ContractStatus.TERMINATED, ~claimed)
                  .order_by(Contract.signing_date.desc()).limit(200))
        rows = s.exec(
            select(Contract, Result.title, Organization.name)
            .join(Result, Result.id == Contract.result_id)
            .join(Organization, Organization.id == Contract.licensee_org_id)
            .where(Contract.id.in_(newest.scalar_subquery()))
            .order_by(Contract.signing_date.desc(), Contract.number)
        ).all()
    return [DealOption(c.id, c.number, title, lic, c.deal_amount, c.signing_date, rate,
                       minimum_fee(c.deal_amount, rate)) for c, title, lic in rows]


def claimable_redemptions(*, actor: Actor) -> list[RedemptionOption]:
    """Voucher redemptions of the actor's city without a refund claim."""
    if actor.role != Role.CITY_OPERATOR or actor.agency_id is None:
        return []
    with read_session() as s:
        claimed = select(FeeClaim.id).where(FeeClaim.kind == ClaimKind.VOUCHER_REFUND,
                                            FeeClaim.redemption_id == VoucherRedemption.id
                                            ).correlate(VoucherRedemption).exists()  # (kind, redemption) index
        rows = s.exec(
            select(VoucherRedemption, InsurancePolicy.policy_number, InsurancePolicy.premium)
            .join(InsurancePolicy, InsurancePolicy.id == VoucherRedemption.policy_id)
            .where(VoucherRedemption.city_code == actor.city_code, ~claimed)
            .order_by(VoucherRedemption.redeemed_at.desc()).limit(200)
        ).all()
    return [RedemptionOption(r.id, number, premium, r.amount, r.redeemed_at) for r, number, premium in rows]


# --- creating ----------------------------------------------------------------------------------

def _require_claimant(actor: Actor) -> None:
    if actor.role != Role.CITY_OPERATOR or actor.agency_id is None or not actor.city_code:
        raise PermissionDenied()


def _budget_region(actor: Actor, code: str | None) -> str:
    """The city itself, or one of its counties."""
    code = code or actor.city_code
    region = all_regions().get(code or "")
    if region is None or region.level not in ("city", "county") or city_of(code) != actor.city_code:
        raise ValidationError("error.bad_choice", field="budget_region", value=str(code))
    return code


def _rate(value, *, field: str = "fee_rate") -> Decimal:  # noqa: ANN001
    """A rate given as a Decimal share (0.05) or percent text ('5', '5%')."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError("error.required", field=field)
    text = str(value).strip()
    percent = text.endswith("%")
    try:
        rate = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        raise ValidationError("claims.error.rate_shape", field=field) from None
    if not rate.is_finite():
        raise ValidationError("claims.error.rate_shape", field=field)
    if percent:
        rate = rate / 100
    if rate <= 0 or rate > 1:
        raise ValidationError("claims.error.rate_range", field=field)
    if rate != rate.quantize(Decimal("0.0001")):
        raise ValidationError("claims.error.rate_decimals", field=field)
    return rate


def _existing(s: Session, key: str | None, actor: Actor) -> FeeClaim | None:
    if not key:
        return None
    claim = s.exec(select(FeeClaim).where(FeeClaim.idempotency_key == key)).first()
    if claim is not None and claim.agency_id != actor.agency_id:
        raise ValidationError("claims.error.key_reused", field="idempotency_key")
    return claim


def _insert(actor: Actor, key: str | None, build, *, submit: bool) -> FeeClaim:  # noqa: ANN001
    """Create (and optionally submit) a claim once per idempotency key."""
    key = validation.text(key, field="idempotency_key", max_length=64, required=False) or None
    try:
        with transaction() as s:
            found = _existing(s, key, actor)
            if found is not None:
                return found
            claim = build(s)
            claim.reference = numbering.allocate(s, "claim", claim.city_code, today().year)
            claim.idempotency_key = key
            claim.created_by = actor.user_id
            if submit:
                claim.status = ClaimStatus.SUBMITTED
                claim.submitted_at = now()
            s.add(claim)
            s.flush()
            audit.record(s, actor, "claim.create", claim)
            if submit:
                audit.record(s, actor, "claim.submit", claim, before={**audit.snapshot(claim), "status": "draft"})
            return claim
    except IntegrityError:
        # A concurrent retry with the same key won the race (PostgreSQL); hand back its claim.
        with read_session() as s:
            found = _existing(s, key, actor)
        if found is None:
            raise
        return found


def create_service_fee_claim(*, actor: Actor, contract_id: uuid.UUID, rate=None, justification: str = "",  # noqa: ANN001
                             budget_region_code: str | None = None, submit: bool = False,
                             idempotency_key: str | None = None) -> FeeClaim:
    """A service-fee claim on a converted deal: rate ≥ the city's rate ≥ the province floor;
    one per deal and agency."""
    _require_claimant(actor)
    region = _budget_region(actor, budget_region_code)
    why = validation.text(justification, field="claim_justification", max_length=2000, required=False)
    given = None if rate is None or (isinstance(rate, str) and not rate.strip()) else _rate(rate)

    def build(s: Session) -> FeeClaim:
        deal = s.get(Contract, contract_id) if contract_id else None
        ensure_readable(actor, deal, city_code=deal.city_code if deal else None)
        if deal.kind not in PAID_KINDS or not deal.deal_amount or deal.status == ContractStatus.TERMINATED:
            raise ValidationError("claims.error.not_converted", field="claim_contract")
        floor = fee_rate(actor.city_code, session=s)
        use = given if given is not None else floor
        if use < floor:
            raise ValidationError("claims.error.rate_below_floor", field="fee_rate",
                                  rate=f"{use * 100:.2f}%", floor=f"{floor * 100:.2f}%")
        duplicate = s.exec(select(FeeClaim.id).where(
            FeeClaim.kind == ClaimKind.SERVICE_FEE, FeeClaim.contract_id == deal.id,
            FeeClaim.agency_id == actor.agency_id)).first()
        if duplicate is not None:
            raise ValidationError("claims.error.duplicate_deal", field="claim_contract", number=deal.number)
        return FeeClaim(kind=ClaimKind.SERVICE_FEE, agency_id=actor.agency_id, city_code=actor.city_code,
                        budget_region_code=region, budget_year=today().year, contract_id=deal.id,
                        basis_amount=deal.deal_amount, rate=use, amount=minimum_fee(deal.deal_amount, use),
                        justification=why)

    try:
        return _insert(actor, idempotency_key, build, submit=submit)
    except IntegrityError:  # the unique (kind, contract, agency) caught a concurrent twin
        raise ValidationError("claims.error.duplicate_deal", field="claim_contract", number="") from None


def create_voucher_refund_claim(*, actor: Actor, redemption_id: uuid.UUID, justification: str = "",
                                budget_region_code: str | None = None, submit: bool = False,
                                idempotency_key: str | None = None) -> FeeClaim:
    """A refund of the innovation-voucher money redeemed against a trial's insurance premium."""
    _require_claimant(actor)
    region = _budget_region(actor, budget_region_code)
    why = validation.text(justification, field="claim_justification", max_length=2000, required=False)

    def build(s: Session) -> FeeClaim:
        red = s.get(VoucherRedemption, redemption_id) if redemption_id else None
        ensure_readable(actor, red, city_code=red.city_code if red else None)
        policy = s.get(InsurancePolicy, red.policy_id)
        if s.exec(select(FeeClaim.id).where(FeeClaim.kind == ClaimKind.VOUCHER_REFUND,
                                            FeeClaim.redemption_id == red.id)).first():
            raise ValidationError("claims.error.duplicate_redemption", field="claim_redemption")
        return FeeClaim(kind=ClaimKind.VOUCHER_REFUND, agency_id=actor.agency_id, city_code=actor.city_code,
                        budget_region_code=region, budget_year=today().year, redemption_id=red.id,
                        basis_amount=policy.premium if policy else None, rate=red.rate, amount=red.amount,
                        justification=why)

    try:
        return _insert(actor, idempotency_key, build, submit=submit)
    except IntegrityError:
        raise ValidationError("claims.error.duplicate_redemption", field="claim_redemption") from None


def create_subsidy_claim(*, actor: Actor, programme: str, amount, period_start, period_end,  # noqa: ANN001
                         justification: str, budget_region_code: str | None = None, submit: bool = False,
                         idempotency_key: str | None = None) -> FeeClaim:
    """An operating-subsidy claim under a city/county programme for a period."""
    _require_claimant(actor)
    region = _budget_region(actor, budget_region_code)
    name = validation.text(programme, field="programme", max_length=120)
    value = validation.money(amount, field="amount", positive=True)
    start = validation.a_date(period_start, field="claim_period_start")
    end = validation.a_date(period_end, field="claim_period_end")
    if end < start:
        raise ValidationError("claims.error.period_order", field="claim_period_end")
    why = validation.text(justification, field="claim_justification", max_length=2000)

    def build(s: Session) -> FeeClaim:
        return FeeClaim(kind=ClaimKind.OPERATING_SUBSIDY, agency_id=actor.agency_id, city_code=actor.city_code,
                        budget_region_code=region, budget_year=start.year, programme=name,
                        period_start=start, period_end=end, amount=value, justification=why)

    return _insert(actor, idempotency_key, build, submit=submit)


# --- the workflow ------------------------------------------------------------------------------

def _load(s: Session, actor: Actor, claim_id: uuid.UUID, *, lock: bool = False) -> FeeClaim:
    stmt = select(FeeClaim).where(FeeClaim.id == claim_id)
    if lock:
        stmt = stmt.with_for_update()
    claim = s.exec(_scoped(stmt, actor)).first() if claim_id else None
    if claim is None:
        raise NotFound()
    return claim


def _require_status(claim: FeeClaim, *allowed: str) -> None:
    if claim.status not in allowed:
        raise ValidationError("claims.error.bad_status", field="claim_status", status=claim.status)


def _require_reviewer(actor: Actor, claim: FeeClaim) -> None:
    """City admins of the claim's city and the province review; never the claim's creator."""
    if actor.role == Role.PROVINCE_ADMIN:
        pass
    elif not (actor.role == Role.CITY_OPERATOR and actor.is_city_admin and actor.city_code == claim.city_code):
        raise PermissionDenied()
    if actor.user_id is not None and actor.user_id == claim.created_by:
        raise PermissionDenied("claims.error.own_claim")


def _transition(actor: Actor, claim_id: uuid.UUID, action: str, change, *, lock: bool = True,  # noqa: ANN001
                reason: str | None = None) -> FeeClaim:
    with transaction() as s:
        claim = _load(s, actor, claim_id, lock=lock)
        before = audit.snapshot(claim)
        change(s, claim)
        s.add(claim)
        audit.record(s, actor, action, claim, before=before, reason=reason)
    return claim


def submit_claim(*, actor: Actor, claim_id: uuid.UUID) -> FeeClaim:
    """draft → submitted, by the claiming agency; submitting again changes nothing."""
    _require_claimant(actor)

    def change(s: Session, claim: FeeClaim) -> None:
        if claim.agency_id != actor.agency_id:
            raise PermissionDenied()
        _require_status(claim, ClaimStatus.DRAFT)
        claim.status = ClaimStatus.SUBMITTED
        claim.submitted_at = now()

    with read_session() as s:
        current = _load(s, actor, claim_id)
    if current.status == ClaimStatus.SUBMITTED:
        return current  # a retried submit
    return _transition(actor, claim_id, "claim.submit", change)


def review_claim(*, actor: Actor, claim_id: uuid.UUID, note: str = "") -> FeeClaim:
    """submitted → reviewed: the city has checked the evidence."""
    why = validation.text(note, field="review_note", max_length=1000, required=False)

    def change(s: Session, claim: FeeClaim) -> None:
        _require_reviewer(actor, claim)
        _require_status(claim, ClaimStatus.SUBMITTED)
        claim.status = ClaimStatus.REVIEWED
        claim.reviewed_by, claim.reviewed_at = actor.user_id, now()

    return _transition(actor, claim_id, "claim.review", change, reason=why or None)


def approve_claim(*, actor: Actor, claim_id: uuid.UUID) -> FeeClaim:
    """reviewed → approved, within the budget (refused with the figures when it would overrun)."""

    def change(s: Session, claim: FeeClaim) -> None:
        _require_reviewer(actor, claim)
        _require_status(claim, ClaimStatus.REVIEWED)
        budgets.check_and_commit(s, claim)
        claim.status = ClaimStatus.APPROVED
        claim.decided_by, claim.decided_at = actor.user_id, now()

    return _transition(actor, claim_id, "claim.approve", change)


def reject_claim(*, actor: Actor, claim_id: uuid.UUID, reason: str) -> FeeClaim:
    """submitted / reviewed → rejected, with a reason the agency reads."""
    why = validation.text(reason, field="reject_reason", max_length=1000)

    def change(s: Session, claim: FeeClaim) -> None:
        _require_reviewer(actor, claim)
        _require_status(claim, ClaimStatus.SUBMITTED, ClaimStatus.REVIEWED)
        claim.status = ClaimStatus.REJECTED
        claim.reject_reason = why
        claim.decided_by, claim.decided_at = actor.user_id, now()

    return _transition(actor, claim_id, "claim.reject", change, reason=why)


def mark_paid(*, actor: Actor, claim_id: uuid.UUID, paid_on, payment_ref: str) -> FeeClaim:  # noqa: ANN001
    """approved → paid, with the payment date and reference; the agency earns its claim_paid points."""
    day = validation.a_date(paid_on, field="paid_on")
    ref = validation.text(payment_ref, field="payment_ref", max_length=60)
    if day > today():
        raise ValidationError("claims.error.paid_in_future", field="paid_on")

    def change(s: Session, claim: FeeClaim) -> None:
        from portal.scoring.points import award

        _require_reviewer(actor, claim)
        _require_status(claim, ClaimStatus.APPROVED)
        claim.status = ClaimStatus.PAID
        claim.paid_on, claim.payment_ref = day, ref
        award(s, actor=actor, agency_id=claim.agency_id, city_code=claim.city_code, kind="claim_paid",
                     entity="fee_claim", entity_id=claim.id, occurred_on=day, user_id=claim.created_by)

    return _transition(actor, claim_id, "claim.pay", change)


def reopen_claim(*, actor: Actor, claim_id: uuid.UUID) -> FeeClaim:
    """rejected → draft, so the agency can correct the evidence and submit again."""
    _require_claimant(actor)

    def change(s: Session, claim: FeeClaim) -> None:
        if claim.agency_id != actor.agency_id:
            raise PermissionDenied()
        _require_status(claim, ClaimStatus.REJECTED)
        claim.status = ClaimStatus.DRAFT
        claim.submitted_at = claim.decided_at = claim.decided_by = None
        claim.reviewed_at = claim.reviewed_by = None

    return _transition(actor, claim_id, "claim.reopen", change)


def actions_for(actor: Actor, claim: ClaimRow) -> list[str]:
    """The workflow steps the actor may take on claim now (for the page's buttons)."""
    own_agency = actor.role == Role.CITY_OPERATOR and actor.agency_id == claim.agency_id
    reviewer = (actor.role == Role.PROVINCE_ADMIN or (
        actor.role == Role.CITY_OPERATOR and actor.is_city_admin and actor.city_code == claim.city_code)
    ) and actor.user_id != claim.created_by
    steps = {
        ClaimStatus.DRAFT: ["submit"] if own_agency else [],
        ClaimStatus.SUBMITTED: ["review", "reject"] if reviewer else [],
        ClaimStatus.REVIEWED: ["approve", "reject"] if reviewer else [],
        ClaimStatus.APPROVED: ["pay"] if reviewer else [],
        ClaimStatus.REJECTED: ["reopen"] if own_agency else [],
    }
    return steps.get(claim.status, [])


# --- evidence ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AttachmentRow:
    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    created_at: datetime


def add_attachment(*, actor: Actor, claim_id: uuid.UUID, filename: str, content_type: str,
                   data: bytes) -> Attachment:
    """Keep an evidence file with a claim (its agency, while the claim is not yet decided)."""
    name = validation.text(filename, field="attachment", max_length=200)
    if not data:
        raise ValidationError("error.required", field="attachment")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError("claims.error.file_too_large", field="attachment", max_mb=10)
    _require_claimant(actor)
    with transaction() as s:
        claim = _load(s, actor, claim_id)
        if claim.agency_id != actor.agency_id:
            raise PermissionDenied()
        _require_status(claim, ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.REJECTED)
        att = Attachment(entity="fee_claim", entity_id=claim.id, city_code=claim.city_code, filename=name,
                         content_type=(content_type or "application/octet-stream")[:100], size=len(data),
                         data=data, uploaded_by=actor.user_id)
        s.add(att)
        audit.record(s, actor, "claim.attach", att)
    return att


def list_attachments(*, actor: Actor, claim_id: uuid.UUID) -> list[AttachmentRow]:
    """The claim's evidence files (without their bodies)."""
    with read_session() as s:
        _load(s, actor, claim_id)
        rows = s.exec(select(Attachment.id, Attachment.filename, Attachment.content_type, Attachment.size,
                             Attachment.created_at)
                      .where(Attachment.entity == "fee_claim", Attachment.entity_id == claim_id)
                      .order_by(Attachment.created_at)).all()
    return [AttachmentRow(*r) for r in rows]


def read_attachment(*, actor: Actor, claim_id: uuid.UUID, attachment_id: uuid.UUID) -> tuple[str, str, bytes]:
    """(filename, content type, body) of one evidence file."""
    with read_session() as s:
        _load(s, actor, claim_id)
        att = s.get(Attachment, attachment_id)
        if att is None or att.entity != "fee_claim" or att.entity_id != claim_id:
            raise NotFound()
        return att.filename, att.content_type, att.data


def pct(rate: Decimal | None) -> str:
    """0.0525 → '5.25%'."""
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"
