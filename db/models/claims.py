"""Fee claims (service fees, voucher refunds, operating subsidies), budgets and points."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlmodel import Field

from db.models.base import Record, money_field


class FeeClaim(Record, table=True):
    """A claim an agency makes; reviewed and approved by the city against a budget."""

    __tablename__ = "fee_claim"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("kind <> 'service_fee' OR contract_id IS NOT NULL", name="fee_has_contract"),
        CheckConstraint(
            "kind <> 'voucher_refund' OR redemption_id IS NOT NULL", name="refund_has_redemption"
        ),
        # One service-fee claim per deal and agency (NULL contract ids do not collide).
        UniqueConstraint("kind", "contract_id", "agency_id", name="uq_fee_claim_deal_agency"),
        # One voucher-refund claim per redemption (NULL redemption ids do not collide).
        UniqueConstraint("kind", "redemption_id", name="uq_fee_claim_redemption"),
        Index("ix_fee_claim_city_status_created", "city_code", "status", "created_at"),
        Index("ix_fee_claim_agency_status", "agency_id", "status"),
        Index("ix_fee_claim_budget", "budget_region_code", "budget_year", "kind", "status"),
        Index("ix_fee_claim_city_created", "city_code", "created_at"),  # the claims list, newest first
        Index("ix_fee_claim_agency_created", "agency_id", "created_at"),
    )

    reference: str = Field(sa_type=String(24), unique=True)  # FYSQ-3301-2026-0001 (portal.core.numbering)
    kind: str = Field(sa_type=String(18))  # ClaimKind
    agency_id: uuid.UUID = Field(foreign_key="agency.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    budget_region_code: str = Field(sa_type=String(6), foreign_key="region.code")  # city or county
    budget_year: int
    contract_id: uuid.UUID | None = Field(default=None, foreign_key="contract.id")
    redemption_id: uuid.UUID | None = Field(default=None, foreign_key="voucher_redemption.id")
    programme: str = Field(default="", sa_type=String(120))  # operating subsidies
    period_start: date | None = None
    period_end: date | None = None
    basis_amount: Decimal | None = money_field(nullable=True)  # deal amount / premium
    rate: Decimal | None = Field(default=None, max_digits=5, decimal_places=4)
    amount: Decimal = money_field()
    justification: str = Field(default="", sa_type=Text)
    status: str = Field(default="draft", sa_type=String(10))  # ClaimStatus
    idempotency_key: str | None = Field(default=None, sa_type=String(64), unique=True)
    submitted_at: datetime | None = None
    reviewed_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    reviewed_at: datetime | None = None
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = None
    reject_reason: str = Field(default="", sa_type=Text)
    paid_on: date | None = None
    payment_ref: str = Field(default="", sa_type=String(60))
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")


class Budget(Record, table=True):
    """A yearly budget of a city or county for one kind of claim."""

    __table_args__ = (
        UniqueConstraint("region_code", "year", "kind", name="uq_budget_region_year_kind"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_budget_city_year", "city_code", "year"),
    )

    region_code: str = Field(sa_type=String(6), foreign_key="region.code")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    year: int
    kind: str = Field(sa_type=String(18))  # ClaimKind
    amount: Decimal = money_field()


class PointsEvent(Record, table=True):
    """Points earned by an agency (and one of its staff) for scheme work (积分管理)."""

    __tablename__ = "points_event"
    __table_args__ = (
        Index("ix_points_city_at", "city_code", "occurred_on"),
        Index("ix_points_agency", "agency_id", "occurred_on"),
    )

    agency_id: uuid.UUID = Field(foreign_key="agency.id")
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    kind: str = Field(sa_type=String(16))  # PointsKind
    points: int
    entity: str = Field(default="", sa_type=String(40))
    entity_id: str = Field(default="", sa_type=String(40))
    occurred_on: date
