"""Reading claims: one page of the actor's claims, one claim, and what an agency may still claim."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import select

from db.engine import read_session
from db.models import (
    Agency,
    Contract,
    FeeClaim,
    InsurancePolicy,
    Organization,
    Result,
    UserAccount,
    VoucherRedemption,
)
from db.models.enums import ClaimKind, ClaimStatus, ContractStatus
from portal.claims.fees import PAID_KINDS, fee_rate, minimum_fee
from portal.claims.rules import CLAIM
from portal.core import validation
from portal.core.actor import Actor
from portal.core.errors import NotFound
from portal.core.paging import Page, paginate
from portal.core.service import reader
from portal.core.workflow import Columns

WAITING = "waiting"  # a status filter meaning every status that waits for a decision
WAITING_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.REVIEWED)
COLUMNS = Columns(city=FeeClaim.city_code, agency=FeeClaim.agency_id, status=FeeClaim.status,
                  creator=FeeClaim.created_by)


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


CLAIM.govern(ClaimRow)


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


@reader(CLAIM)
def list_claims(*, actor: Actor, status: str | None = None, kind: str | None = None,
                page: int = 1, page_size: int = 50) -> Page[ClaimRow]:
    """One page (from 1) of the claims the actor may see, newest first."""
    conds = []
    if status == WAITING:
        conds.append(FeeClaim.status.in_(WAITING_STATUSES))
    elif status:
        conds.append(FeeClaim.status == validation.choice(status, ClaimStatus, field="claim_status"))
    if kind:
        conds.append(FeeClaim.kind == validation.choice(kind, ClaimKind, field="claim_kind"))
    ids = CLAIM.scope_filter(select(FeeClaim.id), actor, COLUMNS).where(*conds)
    count = CLAIM.scope_filter(select(func.count()).select_from(FeeClaim), actor, COLUMNS).where(*conds)
    order = (FeeClaim.created_at.desc(), FeeClaim.id)
    with read_session() as s:
        def fetch(offset: int, limit: int) -> list[ClaimRow]:
            # the page's ids first (one index walk on fee_claim), then the joins for those rows only
            page_ids = ids.order_by(*order).offset(offset).limit(limit).scalar_subquery()
            return [_to_row(*r) for r in s.exec(_row_select().where(FeeClaim.id.in_(page_ids)).order_by(*order))]

        return paginate(s, count, fetch, page=page, size=page_size)


@reader(CLAIM)
def get_claim(*, actor: Actor, claim_id: uuid.UUID) -> ClaimRow:
    """One claim, or NotFound when it is missing or out of scope."""
    with read_session() as s:
        row = s.exec(CLAIM.scope_filter(_row_select(), actor, COLUMNS).where(FeeClaim.id == claim_id)).first()
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


@reader(CLAIM, "create")
def claimable_deals(*, actor: Actor) -> list[DealOption]:
    """Converted deals of the actor's city that the actor's agency has not claimed yet (the 200 newest)."""
    if not CLAIM.may(actor, "create"):
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


@reader(CLAIM, "create")
def claimable_redemptions(*, actor: Actor) -> list[RedemptionOption]:
    """Voucher redemptions of the actor's city without a refund claim (the 200 newest)."""
    if not CLAIM.may(actor, "create"):
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
