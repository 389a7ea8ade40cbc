"""Yearly budgets per city/county and claim kind (DOMAIN.md rule 8), and what is committed against them.

Committed = claims approved or paid against the budget. Approving a claim locks the budget row
(SELECT … FOR UPDATE on PostgreSQL; SQLite's write transaction is already BEGIN IMMEDIATE), so two
reviewers approving the last money at the same moment are serialized and the second is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, case, func, type_coerce
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Budget, FeeClaim
from db.models.enums import ClaimKind, ClaimStatus
from portal.claims.rules import BUDGET
from portal.core import validation
from portal.core.actor import Actor
from portal.core.audit import audited_add, audited_change
from portal.core.cache import cached
from portal.core.errors import PermissionDenied, ValidationError
from portal.core.regions import all_regions, city_of
from portal.core.service import reader, service
from portal.core.workflow import Subject

COMMITTED = (ClaimStatus.APPROVED, ClaimStatus.PAID)
PENDING = (ClaimStatus.SUBMITTED, ClaimStatus.REVIEWED)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class BudgetUsage:
    """A budget and the money against it."""

    region_code: str
    city_code: str
    year: int
    kind: str
    budget: Decimal | None  # None: no budget set
    committed: Decimal  # approved + paid
    paid: Decimal
    pending: Decimal  # submitted + reviewed, not yet decided

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.committed

    @property
    def used_share(self) -> float | None:
        """Committed as a share of the budget (for charts only)."""
        if not self.budget:
            return None
        return float(self.committed / self.budget)


def fen_sum(condition=None):  # noqa: ANN001, ANN201
    """SUM of claim amounts in raw fen (exact on every database), optionally only where condition."""
    fen = type_coerce(FeeClaim.amount, BigInteger)
    value = fen if condition is None else case((condition, fen), else_=0)
    return func.coalesce(func.sum(value), 0)


def _sums(s: Session, region_code: str, year: int, kind: str) -> tuple[Decimal, Decimal, Decimal]:
    row = s.exec(
        select(
            fen_sum(FeeClaim.status.in_(COMMITTED)), fen_sum(FeeClaim.status == ClaimStatus.PAID),
            fen_sum(FeeClaim.status.in_(PENDING)),
        ).where(FeeClaim.budget_region_code == region_code, FeeClaim.budget_year == year,
                FeeClaim.kind == kind)
    ).one()
    return tuple(_yuan(v) for v in row)  # type: ignore[return-value]


def _yuan(fen) -> Decimal:  # noqa: ANN001
    """Raw fen (from fen_sum) as Decimal yuan."""
    return (Decimal(int(fen or 0)) / 100).quantize(Decimal("0.01"))


def usage(s: Session, *, region_code: str, year: int, kind: str) -> BudgetUsage:
    """The budget of region/year/kind and its committed, paid and pending sums."""
    budget = s.exec(select(Budget).where(Budget.region_code == region_code, Budget.year == year,
                                         Budget.kind == kind)).first()
    committed, paid, pending = _sums(s, region_code, year, kind)
    return BudgetUsage(region_code, city_of(region_code), year, kind, budget.amount if budget else None,
                       committed, paid, pending)


def check_and_commit(s: Session, claim: FeeClaim) -> BudgetUsage:
    """Lock the claim's budget and refuse when approving it would overrun (with the figures).

    Call inside the approving transaction, before changing the claim's status.
    """
    budget = s.exec(
        select(Budget).where(Budget.region_code == claim.budget_region_code, Budget.year == claim.budget_year,
                             Budget.kind == claim.kind).with_for_update()
    ).first()
    if budget is None:
        raise ValidationError("claims.error.no_budget", field="budget_region",
                              region=claim.budget_region_code, year=claim.budget_year)
    committed, paid, pending = _sums(s, claim.budget_region_code, claim.budget_year, claim.kind)
    overrun = committed + claim.amount - budget.amount
    if overrun > 0:
        raise ValidationError("claims.error.over_budget", field="amount", budget=_fmt(budget.amount),
                              committed=_fmt(committed), claim=_fmt(claim.amount), overrun=_fmt(overrun))
    return BudgetUsage(budget.region_code, budget.city_code, budget.year, budget.kind, budget.amount,
                       committed + claim.amount, paid, pending)


def _fmt(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


BUDGET.govern(BudgetUsage)


@reader(BUDGET)
def list_budgets(*, actor: Actor, year: int, city_code: str | None = None) -> list[BudgetUsage]:
    """Budgets of a year with their usage: the actor's city, or (province) one city or all."""
    if not BUDGET.may(actor, "read"):
        raise PermissionDenied()
    if not actor.is_province:
        city_code = actor.city_code

    def compute() -> list[BudgetUsage]:
        with read_session() as s:
            stmt = select(Budget).where(Budget.year == year)
            if city_code:
                stmt = stmt.where(Budget.city_code == city_code)
            budgets = s.exec(stmt.order_by(Budget.city_code, Budget.region_code, Budget.kind)).all()
            spent = _sums_by_budget(s, year, city_code)
        out = []
        for b in budgets:
            committed, paid, pending = spent.get((b.region_code, b.kind), (ZERO, ZERO, ZERO))
            out.append(BudgetUsage(b.region_code, b.city_code, b.year, b.kind, b.amount, committed, paid, pending))
        return out

    # summing a year's claims takes 15–20 ms at province scale: kept until a claim or budget changes
    return cached(("budgets", year), compute, city=city_code or None)


def _sums_by_budget(s: Session, year: int, city_code: str | None) -> dict:
    stmt = select(
        FeeClaim.budget_region_code, FeeClaim.kind,
        fen_sum(FeeClaim.status.in_(COMMITTED)), fen_sum(FeeClaim.status == ClaimStatus.PAID),
        fen_sum(FeeClaim.status.in_(PENDING)),
    ).where(FeeClaim.budget_year == year).group_by(FeeClaim.budget_region_code, FeeClaim.kind)
    if city_code:
        stmt = stmt.where(FeeClaim.city_code == city_code)
    return {(r, k): (_yuan(c), _yuan(p), _yuan(q)) for r, k, c, p, q in s.exec(stmt).all()}


@service(BUDGET, "set")
def set_budget(s: Session, *, actor: Actor, region_code: str, year: int, kind: str, amount,  # noqa: ANN001
               reason: str = "") -> Budget:
    """Create or change the budget of a city/county for a year and claim kind.

    A budget below what is already committed against it is refused with the figures.
    """
    region = all_regions().get(region_code or "")
    if region is None or region.level not in ("city", "county"):
        raise ValidationError("error.bad_choice", field="budget_region", value=str(region_code))
    city = city_of(region_code)
    BUDGET.require(actor, "set", Subject(city_code=city))
    year = validation.integer(year, field="budget_year", minimum=2000, maximum=2100)
    validation.choice(kind, ClaimKind, field="claim_kind")
    value = validation.money(amount, field="budget_amount")
    why = validation.text(reason, field="change_reason", max_length=500, required=False)
    budget = s.exec(select(Budget).where(Budget.region_code == region_code, Budget.year == year,
                                         Budget.kind == kind).with_for_update()).first()
    committed, _paid, _pending = _sums(s, region_code, year, kind)
    if value < committed:
        raise ValidationError("claims.error.budget_below_committed", field="budget_amount",
                              budget=_fmt(value), committed=_fmt(committed))
    if budget is None:
        return audited_add(s, actor, "budget.set",
                           Budget(region_code=region_code, city_code=city, year=year, kind=kind, amount=value),
                           reason=why or None)
    with audited_change(s, actor, "budget.set", budget, reason=why or None):
        budget.amount = value
    return budget
