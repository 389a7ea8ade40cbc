"""The result pool (成果池) and 安心屋: results, approval steps, public notices, objections."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlmodel import Field

from db.models.base import Record


class Result(Record, table=True):
    """A technology result offered (or to be offered) for use-first trials."""

    __table_args__ = (
        CheckConstraint("trl BETWEEN 1 AND 9", name="trl_range"),
        CheckConstraint("trial_months > 0", name="trial_months_positive"),
        CheckConstraint(
            "max_trial_licensees IS NULL OR max_trial_licensees > 0", name="max_licensees_positive"
        ),
        Index("ix_result_city_status_field_listed", "city_code", "status", "field", "listed_at"),
        Index("ix_result_status_listed", "status", "listed_at"),
        # a city's pool newest first, any field (the pool with a city chosen, a city's home figure):
        # without it SQLite sorted all of the city's listed results, 170 ms for Hangzhou at 200 k
        Index("ix_result_city_status_listed", "city_code", "status", "listed_at"),
        Index("ix_result_status_city", "status", "city_code"),  # province home: listed per city
        Index("ix_result_owner_status", "owner_org_id", "status"),
        Index("ix_result_fiscal", "fiscally_funded", "grant_date"),
        Index("ix_result_city_fiscal", "city_code", "fiscally_funded", "grant_date"),  # three-year list of a city
        Index("ix_result_city_updated", "city_code", "updated_at"),  # a city's results, latest change first
        Index("ix_result_updated", "updated_at"),  # the province's results, latest change first
        Index("ix_result_status_updated", "status", "updated_at"),  # 安心屋 queues, oldest first (province)
        Index("ix_result_city_status_updated", "city_code", "status", "updated_at"),  # … of a city
        Index("ix_result_owner_fiscal", "owner_org_id", "fiscally_funded", "grant_date"),  # an institution's three-year list
    )

    number: str = Field(sa_type=String(40), unique=True)  # patent application no. or registration no.
    type: str = Field(sa_type=String(16))  # ResultType
    title: str = Field(sa_type=String(200))
    inventors: str = Field(default="", sa_type=String(200))
    owner_org_id: uuid.UUID = Field(foreign_key="organization.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")  # the owner's city
    field: str = Field(sa_type=String(24))  # Field_
    trl: int = 4
    abstract: str = Field(default="", sa_type=Text)
    keywords: str = Field(default="", sa_type=String(200))  # comma separated
    summary_plain: str = Field(default="", sa_type=Text)  # plain-language summary for roadshow cards
    advantages: str = Field(default="", sa_type=Text)  # key advantages, one per line
    fiscally_funded: bool = False
    grant_date: date | None = None  # grant or completion date (three-year rule)
    exclusion_reason: str | None = Field(default=None, sa_type=String(24))  # ExclusionReason
    trial_months: int = 12
    max_trial_licensees: int | None = None  # None = unlimited
    price_guidance: str = Field(default="", sa_type=String(200))
    status: str = Field(default="draft", sa_type=String(12))  # ResultStatus
    listed_at: datetime | None = None
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    last_pilot_on: date | None = None  # the latest finished pilot test (feeds the card)


class ApprovalStep(Record, table=True):
    """One step of a result's history: submit, approve, return, notice, object, list, withdraw, TRL change."""

    __tablename__ = "approval_step"
    __table_args__ = (Index("ix_approval_step_result", "result_id", "created_at"),)

    result_id: uuid.UUID = Field(foreign_key="result.id")
    action: str = Field(sa_type=String(24))
    from_status: str | None = Field(default=None, sa_type=String(12))
    to_status: str | None = Field(default=None, sa_type=String(12))
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    actor_name: str = Field(default="", sa_type=String(60))
    reason: str = Field(default="", sa_type=Text)


class PublicNotice(Record, table=True):
    """A public notice (公示) of a result; an objection pauses it and keeps the days left."""

    __tablename__ = "public_notice"
    __table_args__ = (
        CheckConstraint("days > 0", name="days_positive"),
        Index("ix_public_notice_state_end", "state", "end_date"),
        Index("ix_public_notice_city_state_end", "city_code", "state", "end_date"),  # a city's notices by end
        Index("ix_public_notice_result", "result_id"),
    )

    result_id: uuid.UUID = Field(foreign_key="result.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    days: int
    start_date: date
    end_date: date  # the day listing happens; moved when a pause ends
    state: str = Field(default="running", sa_type=String(10))  # running / paused / ended / withdrawn
    paused_on: date | None = None
    remaining_days: int | None = None  # days left when paused


class Objection(Record, table=True):
    """An objection (异议) to a result in notice or to a contract, and how it was resolved."""

    __table_args__ = (
        CheckConstraint("result_id IS NOT NULL OR contract_id IS NOT NULL", name="has_subject"),
        Index("ix_objection_city_status", "city_code", "status"),
    )

    result_id: uuid.UUID | None = Field(default=None, foreign_key="result.id", index=True)
    contract_id: uuid.UUID | None = Field(default=None, foreign_key="contract.id", index=True)
    notice_id: uuid.UUID | None = Field(default=None, foreign_key="public_notice.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    objector_name: str = Field(sa_type=String(80))
    objector_contact: str = Field(sa_type=String(80))
    reason: str = Field(sa_type=Text)
    status: str = Field(default="open", sa_type=String(10))  # ObjectionStatus
    resolved_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    resolved_at: datetime | None = None
    resolution: str = Field(default="", sa_type=Text)

