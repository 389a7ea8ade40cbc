"""Contracts (trial / paid licence / transfer), insurance policies, vouchers and redemptions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlmodel import Field

from db.models.base import Record, money_field


class Contract(Record, table=True):
    """A use-first trial (ordinary licence, zero fee) or the paid licence / transfer it became."""

    __table_args__ = (
        CheckConstraint("kind <> 'trial' OR licence_type = 'ordinary'", name="trial_is_ordinary"),
        CheckConstraint("kind <> 'trial' OR fee = 0", name="trial_is_free"),
        CheckConstraint("kind = 'trial' OR deal_amount > 0", name="deal_has_amount"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="date_order"),
        Index("ix_contract_city_kind_status_end", "city_code", "kind", "status", "end_date"),
        Index("ix_contract_result_kind_status", "result_id", "kind", "status"),
        Index("ix_contract_licensor", "licensor_org_id", "kind"),
        Index("ix_contract_licensee", "licensee_org_id", "kind"),
        Index("ix_contract_parent", "parent_trial_id"),
        Index("ix_contract_kind_city_amount", "kind", "city_code", "deal_amount"),  # deals per city, index-only
        Index("ix_contract_kind_status_city_end", "kind", "status", "city_code", "end_date"),  # province: trials running, ending, per city
        Index("ix_contract_kind_signed", "kind", "signing_date", "deal_amount"),  # province: deals in a period
        Index("ix_contract_kind_end", "kind", "end_date", "status"),  # province: trials ending soonest
        # the contracts list: newest start first, within a city or province-wide (issue 7)
        Index("ix_contract_city_start", "city_code", "start_date", "number"),
        Index("ix_contract_start", "start_date", "number"),
    )

    kind: str = Field(sa_type=String(14))  # ContractKind
    licence_type: str = Field(default="ordinary", sa_type=String(10))  # LicenceType
    result_id: uuid.UUID = Field(foreign_key="result.id")
    licensor_org_id: uuid.UUID = Field(foreign_key="organization.id")
    licensee_org_id: uuid.UUID = Field(foreign_key="organization.id")
    agency_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")  # the agency's city
    match_id: uuid.UUID | None = Field(default=None, foreign_key="match_record.id")
    parent_trial_id: uuid.UUID | None = Field(default=None, foreign_key="contract.id")
    number: str = Field(sa_type=String(40), unique=True)
    territory: str = Field(default="中华人民共和国境内", sa_type=String(100))
    start_date: date
    end_date: date | None = None  # trials always have one
    original_end_date: date | None = None  # a trial's first end date, kept when extended
    fee: Decimal = money_field(default=Decimal("0"))
    deal_amount: Decimal | None = money_field(nullable=True)
    signing_date: date | None = None
    payment_terms: str = Field(default="", sa_type=Text)
    status: str = Field(default="active", sa_type=String(12))  # ContractStatus
    status_reason: str = Field(default="", sa_type=Text)  # extension / termination reason
    termination_reason: str | None = Field(default=None, sa_type=String(20))  # TerminationReason
    template_id: uuid.UUID | None = Field(default=None, foreign_key="contract_template.id")
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")


class InsurancePolicy(Record, table=True):
    """Insurance covering a trial's risk; its premium can be refunded by vouchers."""

    __tablename__ = "insurance_policy"
    __table_args__ = (
        CheckConstraint("premium > 0", name="premium_positive"),
        Index("ix_insurance_city_start", "city_code", "start_date"),
    )

    contract_id: uuid.UUID = Field(foreign_key="contract.id", index=True)
    insurer_org_id: uuid.UUID = Field(foreign_key="organization.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    policy_number: str = Field(sa_type=String(40), unique=True)
    product: str = Field(sa_type=String(120))
    premium: Decimal = money_field()
    coverage: Decimal = money_field()
    start_date: date
    end_date: date


class Voucher(Record, table=True):
    """An innovation voucher (创新券) issued to an enterprise; the balance never goes negative."""

    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("balance <= amount", name="balance_within_amount"),
        Index("ix_voucher_city_status", "city_code", "status"),
        Index("ix_voucher_enterprise", "enterprise_org_id"),
    )

    code: str = Field(sa_type=String(30), unique=True)
    enterprise_org_id: uuid.UUID = Field(foreign_key="organization.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    county_code: str | None = Field(default=None, sa_type=String(6), foreign_key="region.code")
    amount: Decimal = money_field()
    balance: Decimal = money_field()
    issued_on: date
    expires_on: date
    status: str = Field(default="active", sa_type=String(10))  # VoucherStatus


class VoucherRedemption(Record, table=True):
    """A voucher used against a policy's premium; the insurer may be the redeeming party."""

    __tablename__ = "voucher_redemption"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_redemption_voucher", "voucher_id"),
        Index("ix_redemption_policy", "policy_id"),
        Index("ix_redemption_city_at", "city_code", "redeemed_at"),
    )

    voucher_id: uuid.UUID = Field(foreign_key="voucher.id")
    policy_id: uuid.UUID = Field(foreign_key="insurance_policy.id")
    redeemed_by_org_id: uuid.UUID = Field(foreign_key="organization.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    amount: Decimal = money_field()
    rate: Decimal = Field(default=Decimal("0.80"), max_digits=5, decimal_places=4)
    redeemed_at: datetime
