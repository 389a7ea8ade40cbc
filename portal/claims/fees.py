"""The service-fee floor (DOMAIN.md rule 6): a city's rate, never below the province's, of the
deal amount, rounded up to the fen."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlmodel import Session

from db.models.enums import ContractKind
from portal.core.errors import ValidationError
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


def pct(rate: Decimal | None) -> str:
    """0.0525 → '5.25%'."""
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"
