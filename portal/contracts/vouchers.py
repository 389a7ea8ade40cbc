"""Innovation vouchers (创新券) and their redemption against a trial's insurance premium
(DOMAIN.md rule 7): at least the city's voucher rate (≥ 80 %) of the premium, never more than the
premium, never more than the voucher's balance; balances never go negative, also when two
redemptions race (the voucher row is locked FOR UPDATE on PostgreSQL; SQLite's write
transaction is BEGIN IMMEDIATE)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from sqlmodel import Session, select

from db.engine import read_session
from db.models import Contract, InsurancePolicy, Organization, Voucher, VoucherRedemption
from db.models.enums import VoucherStatus
from portal.contracts.common import percent
from portal.contracts.rules import INSURANCE, VOUCHER
from portal.core import directory, idempotency, numbering, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add
from portal.core.clock import now, today
from portal.core.errors import PermissionDenied, ValidationError
from portal.core.policy import current_policy, province_floors
from portal.core.scope import as_id
from portal.core.service import reader, service
from portal.core.workflow import Columns, Subject

CENT = Decimal("0.01")


def voucher_rate(city_code: str) -> Decimal:
    """The city's refund rate, never below the province floor (80 % by the plan)."""
    return max(Decimal(current_policy(city_code).voucher_refund_rate),
               Decimal(province_floors().voucher_refund_floor))


def refund_floor(premium: Decimal, rate: Decimal) -> Decimal:
    """The least refund: rate × premium, rounded up to the fen so it is never under the rate."""
    return (premium * rate).quantize(CENT, rounding=ROUND_CEILING)


@dataclass(frozen=True)
class RefundBounds:
    """What a redemption of a voucher against a policy may refund."""

    rate: Decimal
    premium: Decimal
    already: Decimal  # refunded on this policy before
    floor: Decimal
    ceiling: Decimal  # min(premium left, voucher balance)
    balance: Decimal


def _bounds(s: Session, voucher: Voucher, policy: InsurancePolicy) -> RefundBounds:
    rate = voucher_rate(policy.city_code)
    already = sum(s.exec(select(VoucherRedemption.amount).where(
        VoucherRedemption.policy_id == policy.id)).all(), Decimal("0"))
    return RefundBounds(rate, policy.premium, already, refund_floor(policy.premium, rate),
                        min(policy.premium - already, voucher.balance), voucher.balance)


@service(VOUCHER, "issue")
def issue_voucher(s: Session, *, actor: Actor, enterprise_org_id: uuid.UUID, amount: Decimal | str,
                  expires_on: date | str, issued_on: date | str | None = None,
                  idempotency_key: str | None = None) -> Voucher:
    """Issue a voucher with its full amount as balance to an enterprise of the operator's city (the
    province: of the enterprise's city): a city's vouchers are paid from its own budget. The same
    idempotency_key again returns the voucher already issued."""
    if not VOUCHER.may(actor, "issue"):
        raise PermissionDenied()  # before reading the form: this role issues no vouchers
    value = validation.money(amount, field="voucher_amount", positive=True)
    issued = validation.a_date(issued_on, field="voucher_issued_on", required=False) or today()
    expires = validation.a_date(expires_on, field="voucher_expires_on")
    if expires <= issued:
        raise ValidationError("contracts.error.expiry_not_after_issue", field="voucher_expires_on")
    org = directory.named(s, actor, enterprise_org_id, kinds=directory.ENTERPRISES, field="voucher_enterprise",
                          city_code=None if actor.is_province else actor.city_code)
    VOUCHER.require(actor, "issue", Subject(city_code=org.city_code, org_ids=(org.id,)))
    return idempotency.once(s, actor, idempotency_key, "voucher.issue", Voucher, lambda: audited_add(
        s, actor, "voucher.issue", Voucher(
            code=numbering.allocate(s, "voucher", org.city_code, issued.year), enterprise_org_id=org.id,
            city_code=org.city_code, county_code=org.county_code, amount=value, balance=value,
            issued_on=issued, expires_on=expires)))


@reader(VOUCHER, "redeem")  # what the redemption form shows
def redemption_bounds(*, actor: Actor, voucher_id: uuid.UUID, policy_id: uuid.UUID) -> RefundBounds:
    """The floor and ceiling a redemption of this voucher against this policy must respect."""
    with read_session() as s:
        voucher, policy, _ = _load(s, actor, voucher_id, policy_id, lock=False)
        if not VOUCHER.grants(actor, "redeem", voucher):  # readers see redemptions, not the form
            raise PermissionDenied()
        return _bounds(s, voucher, policy)


def _load(s: Session, actor: Actor, voucher_id: uuid.UUID | str | None, policy_id: uuid.UUID | str | None, *,
          lock: bool) -> tuple[Voucher, InsurancePolicy, Contract]:
    """Policy then voucher (always in this order, so two redemptions cannot deadlock); NotFound
    for either out of the actor's sight."""
    pid, vid = as_id(policy_id), as_id(voucher_id)
    pstmt = select(InsurancePolicy).where(InsurancePolicy.id == pid)
    policy = INSURANCE.readable(actor, s.exec(pstmt.with_for_update() if lock else pstmt).first() if pid else None)
    vstmt = select(Voucher).where(Voucher.id == vid)
    voucher = VOUCHER.readable(actor, s.exec(vstmt.with_for_update() if lock else vstmt).first() if vid else None)
    return voucher, policy, s.get(Contract, policy.contract_id)


@service(VOUCHER, "redeem")
def redeem_voucher(s: Session, *, actor: Actor, voucher_id: uuid.UUID, policy_id: uuid.UUID,
                   amount: Decimal | str | None = None, redeemed_by_org_id: uuid.UUID | None = None,
                   on: date | None = None) -> VoucherRedemption:
    """Refund part of a policy's premium from a voucher (default: the least the rate allows)."""
    if not VOUCHER.may(actor, "redeem"):
        raise PermissionDenied()  # before reading the form: this role redeems nothing
    wanted = validation.money(amount, field="redemption_amount", required=False, positive=True)
    day = on or today()
    voucher, policy, contract = _load(s, actor, voucher_id, policy_id, lock=True)
    INSURANCE.require(actor, "refund", policy)
    if voucher.enterprise_org_id != contract.licensee_org_id:
        raise ValidationError("contracts.error.voucher_other_enterprise", field="redemption_voucher")
    VOUCHER.require(actor, "redeem", voucher)  # an exhausted voucher is refused here
    if voucher.expires_on < day:
        raise ValidationError("contracts.error.voucher_expired", field="redemption_voucher",
                              expires=voucher.expires_on.isoformat())
    payer = redeemed_by_org_id or voucher.enterprise_org_id
    if payer not in (voucher.enterprise_org_id, policy.insurer_org_id):
        raise ValidationError("contracts.error.bad_redeemer", field="redemption_party")
    bounds = _bounds(s, voucher, policy)
    value = wanted if wanted is not None else bounds.floor
    if bounds.already + value > policy.premium:
        raise ValidationError("contracts.error.refund_over_premium", field="redemption_amount",
                              premium=str(policy.premium), already=str(bounds.already))
    if value > voucher.balance:
        raise ValidationError("contracts.error.refund_over_balance", field="redemption_amount",
                              balance=str(voucher.balance))
    if bounds.already + value < bounds.floor:
        raise ValidationError("contracts.error.refund_under_floor", field="redemption_amount",
                              floor=str(bounds.floor), rate=percent(bounds.rate))
    with VOUCHER.move(s, actor, "redeem", voucher):
        voucher.balance = voucher.balance - value
        if voucher.balance == 0:
            voucher.status = VoucherStatus.EXHAUSTED
    return audited_add(s, actor, "voucher_redemption.add", VoucherRedemption(
        voucher_id=voucher.id, policy_id=policy.id, redeemed_by_org_id=payer, city_code=policy.city_code,
        amount=value, rate=bounds.rate, redeemed_at=now()))


@dataclass(frozen=True)
class VoucherRow:
    """A voucher as the list shows it (status "expired" once past its date, though still active)."""

    id: uuid.UUID
    code: str
    enterprise_id: uuid.UUID
    enterprise: str
    city_code: str
    amount: Decimal
    balance: Decimal
    issued_on: date
    expires_on: date
    status: str

    @property
    def enterprise_org_id(self) -> uuid.UUID:
        return self.enterprise_id


VOUCHER.govern(VoucherRow)
COLUMNS = Columns(city=Voucher.city_code, orgs=(Voucher.enterprise_org_id,), status=Voucher.status)


@reader(VOUCHER)
def list_vouchers(*, actor: Actor, enterprise_org_id: uuid.UUID | None = None, limit: int = 200,
                  offset: int = 0) -> list[VoucherRow]:
    """Vouchers the actor reads, newest first (expired ones show as expired)."""
    stmt = VOUCHER.scope_filter(
        select(Voucher, Organization.name).join(Organization, Organization.id == Voucher.enterprise_org_id),
        actor, COLUMNS)
    if enterprise_org_id is not None:
        stmt = stmt.where(Voucher.enterprise_org_id == enterprise_org_id)
    with read_session() as s:
        rows = s.exec(stmt.order_by(Voucher.issued_on.desc(), Voucher.code).offset(offset).limit(limit)).all()
    return [VoucherRow(v.id, v.code, v.enterprise_org_id, name, v.city_code, v.amount, v.balance, v.issued_on,
                       v.expires_on, VoucherStatus.EXPIRED if v.status == VoucherStatus.ACTIVE
                       and v.expires_on < today() else v.status) for v, name in rows]


def redeemable(s: Session, actor: Actor, enterprise_org_id: uuid.UUID) -> list[Voucher]:
    """The enterprise's vouchers actor may redeem today (active, not expired), soonest expiry first."""
    if not VOUCHER.may(actor, "redeem"):
        return []
    stmt = VOUCHER.scope_filter(select(Voucher), actor, COLUMNS, "redeem").where(
        Voucher.enterprise_org_id == enterprise_org_id, Voucher.expires_on >= today())
    return list(s.exec(stmt.order_by(Voucher.expires_on)).all())
