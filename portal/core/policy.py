"""Per-city policy settings (the 'low code' part): defaults, province floors, the version in force.

Every capability reads the settings in force from here; saving, validating and the history of
versions are the administration's (portal.admin.settings, governed by portal.admin.rules).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field
from sqlmodel import Session, select

from db.engine import read_session
from db.models import PolicyVersion
from portal.core.regions import PROVINCE_CODE

# Floors set by the province plan: service fee ≥ 5 % of the deal, voucher refund ≥ 80 % of premium.
PROVINCE_FEE_FLOOR = Decimal("0.05")
PROVINCE_VOUCHER_FLOOR = Decimal("0.80")


class CityPolicy(BaseModel):
    """Settings a city administrator edits; every field has the province default."""

    service_fee_rate: Decimal = PROVINCE_FEE_FLOOR
    voucher_refund_rate: Decimal = PROVINCE_VOUCHER_FLOOR
    notice_days: int = Field(default=15, ge=1, le=90)
    trial_reminder_days: int = Field(default=30, ge=1, le=365)
    labels: dict[str, str] = Field(default_factory=dict)
    activity_weights: dict[str, Decimal] = Field(default_factory=lambda: {
        "listed": Decimal("1"), "trials": Decimal("3"), "conversions": Decimal("10"),
        "deal_amount_wan": Decimal("0.1"), "timeliness": Decimal("2"),
    })
    points_rules: dict[str, int] = Field(default_factory=lambda: {
        "roadshow_held": 5, "match_recorded": 1, "pilot_done": 3, "trial_signed": 5,
        "conversion": 10, "claim_paid": 2,
    })


class ProvinceFloors(BaseModel):
    """The province's floors under every city's rates."""

    service_fee_floor: Decimal = PROVINCE_FEE_FLOOR
    voucher_refund_floor: Decimal = PROVINCE_VOUCHER_FLOOR


def _latest_data(s: Session, region_code: str) -> dict | None:
    return s.exec(
        select(PolicyVersion.data).where(PolicyVersion.region_code == region_code)
        .order_by(PolicyVersion.version.desc()).limit(1)
    ).first()


def current_policy(city_code: str | None, *, session: Session | None = None) -> CityPolicy:
    """The policy in force for a city (its latest version over the defaults).

    Read from the database on every call (one indexed row), never cached, so that a saved
    version takes effect in every process at once. Pass the caller's session inside a write.
    """
    if not city_code:
        return CityPolicy()
    if session is not None:
        row = _latest_data(session, city_code)
    else:
        with read_session() as s:
            row = _latest_data(s, city_code)
    return CityPolicy.model_validate(row) if row else CityPolicy()


def province_floors(*, session: Session | None = None) -> ProvinceFloors:
    """The floors in force (the province's latest version over the plan's 5 % / 80 %)."""
    if session is not None:
        row = _latest_data(session, PROVINCE_CODE)
    else:
        with read_session() as s:
            row = _latest_data(s, PROVINCE_CODE)
    return ProvinceFloors.model_validate(row) if row else ProvinceFloors()


# --- what a city's settings consist of (edited in portal.admin.settings) -------------------------

ACTIVITY_COMPONENTS = ("listed", "trials", "conversions", "deal_amount_wan", "timeliness")
LABEL_KEYS = ("scheme", "service_fee", "voucher_refund", "operating_subsidy")  # local programme names
