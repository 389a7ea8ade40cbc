"""The service-fee floor (DOMAIN.md rule 6): a city's rate, never below the province's, of the
deal amount, rounded up to the fen."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session

from db.models.enums import ContractKind
from portal.core import validation
from portal.core.policy import current_policy, province_floors

PAID_KINDS = (ContractKind.PAID_LICENCE, ContractKind.TRANSFER)  # the deals a fee is claimed on


def fee_rate(city_code: str, *, session: Session | None = None) -> Decimal:
    """The service-fee rate in force: the city's rate, never below the province floor."""
    return max(current_policy(city_code, session=session).service_fee_rate,
               province_floors(session=session).service_fee_floor)


def minimum_fee(deal_amount: Decimal, rate: Decimal) -> Decimal:
    """The least fee a claim may state: rate × deal amount, rounded up to the fen."""
    return (deal_amount * rate).quantize(Decimal("0.01"), rounding="ROUND_CEILING")


def parse_rate(value, *, field: str = "fee_rate") -> Decimal:  # noqa: ANN001
    """A claim's rate: a Decimal share (0.05) or percent text ('5', '5%')."""
    return validation.rate(value, field=field)


def pct(rate: Decimal | None) -> str:
    """0.0525 → '5.25%'."""
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"
