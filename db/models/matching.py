"""供需荟: enterprise demands, match records and intents."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlmodel import Field, SQLModel

from db.models.base import Record, money_field
from portal.core.clock import now


class Demand(Record, table=True):
    """An enterprise's technology need."""

    __table_args__ = (
        CheckConstraint(
            "budget_min IS NULL OR budget_max IS NULL OR budget_min <= budget_max", name="budget_range"
        ),
        Index("ix_demand_city_status_created", "city_code", "status", "created_at"),
        Index("ix_demand_city_created", "city_code", "created_at"),  # a city's list, newest first
        Index("ix_demand_created", "created_at"),  # the province's list
        Index("ix_demand_enterprise", "enterprise_org_id", "created_at"),
    )

    enterprise_org_id: uuid.UUID = Field(foreign_key="organization.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    county_code: str | None = Field(default=None, sa_type=String(6), foreign_key="region.code")
    title: str = Field(sa_type=String(200))
    description: str = Field(default="", sa_type=Text)
    field: str = Field(sa_type=String(24))  # Field_
    budget_min: Decimal | None = money_field(nullable=True)
    budget_max: Decimal | None = money_field(nullable=True)
    wanted_by: date | None = None
    cooperation: str = Field(default="trial", sa_type=String(60))  # Cooperation values, comma separated
    status: str = Field(default="open", sa_type=String(10))  # DemandStatus
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    # jieba tokens of title + description plus their domain expansions, space separated (search)
    terms: str = Field(default="", sa_type=Text)


class Match(Record, table=True):
    """A contact between a demand / enterprise and a result, and how far it got."""

    __tablename__ = "match_record"
    __table_args__ = (
        CheckConstraint("stage <> 'dropped' OR drop_reason IS NOT NULL", name="dropped_has_reason"),
        Index("ix_match_city_stage_follow", "city_code", "stage", "next_follow_up"),
        Index("ix_match_city_contact", "city_code", "contact_date"),  # a city's list, latest first
        Index("ix_match_city_follow", "city_code", "next_follow_up"),  # a city's overdue follow-ups
        Index("ix_match_contact", "contact_date"),  # the province's list
        Index("ix_match_stage_follow", "stage", "next_follow_up"),  # the province's pipeline
        Index("ix_match_result", "result_id", "stage"),
        Index("ix_match_demand", "demand_id"),
        Index("ix_match_enterprise", "enterprise_org_id"),
        Index("ix_match_roadshow", "roadshow_id"),
        Index("ix_match_intent", "intent_id"),  # "already matched" check when an intent becomes a match
    )

    demand_id: uuid.UUID | None = Field(default=None, foreign_key="demand.id")
    result_id: uuid.UUID = Field(foreign_key="result.id")
    enterprise_org_id: uuid.UUID = Field(foreign_key="organization.id")
    agency_id: uuid.UUID = Field(foreign_key="agency.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    channel: str = Field(sa_type=String(10))  # Channel
    contact_date: date
    people: str = Field(default="", sa_type=String(200))
    notes: str = Field(default="", sa_type=Text)
    next_follow_up: date | None = None
    stage: str = Field(default="contacted", sa_type=String(12))  # MatchStage
    drop_reason: str | None = Field(default=None, sa_type=String(12))  # DropReason
    intent_id: uuid.UUID | None = Field(default=None, foreign_key="intent.id")
    roadshow_id: uuid.UUID | None = Field(default=None, foreign_key="roadshow.id")
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")


class Intent(Record, table=True):
    """An enterprise's interest in a result, left at a roadshow (QR page) or in the hub."""

    __table_args__ = (
        # every submission is its own row (credit codes are public: nobody overwrites another's);
        # the operator sees a company's submissions together and merges them
        Index("ix_intent_item_company", "roadshow_item_id", "credit_code"),
        Index("ix_intent_city_created", "city_code", "created_at"),
        Index("ix_intent_result", "result_id"),
        Index("ix_intent_roadshow", "roadshow_id"),
        # an enterprise's own requests (我的申请), newest first; the city's open requests
        Index("ix_intent_enterprise_created", "enterprise_org_id", "created_at"),
        Index("ix_intent_city_request", "city_code", "request_status", "created_at"),
        Index("ix_intent_created", "created_at"),  # the province's list of requests, newest first
    )

    result_id: uuid.UUID = Field(foreign_key="result.id")
    roadshow_id: uuid.UUID | None = Field(default=None, foreign_key="roadshow.id")
    roadshow_item_id: uuid.UUID | None = Field(default=None, foreign_key="roadshow_item.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")  # the organizer's city
    source: str = Field(default="roadshow", sa_type=String(10))  # roadshow / hub
    company_name: str = Field(sa_type=String(120))
    credit_code: str = Field(sa_type=String(18))
    contact_person: str = Field(sa_type=String(40))
    phone: str = Field(sa_type=String(20))
    wants: str = Field(default="info", sa_type=String(30))  # IntentWant values, comma separated
    note: str = Field(default="", sa_type=Text)
    enterprise_org_id: uuid.UUID | None = Field(default=None, foreign_key="organization.id")
    merged_into_id: uuid.UUID | None = Field(default=None, foreign_key="intent.id")  # the operator's merge
    # an enterprise's own request from the portal (source "hub"; portal/requests): empty for QR submissions.
    # The trial it became is found through its match (Contract.match_id), not stored twice.
    kind: str | None = Field(default=None, sa_type=String(10))  # RequestKind
    request_status: str | None = Field(default=None, sa_type=String(10))  # RequestStatus
    requested_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    reply: str = Field(default="", sa_type=Text)  # the operator's word: why declined, what comes next
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = None


class ResultTerms(SQLModel, table=True):
    """A result's stored search tokens, so the ranking index is rebuilt without re-tokenizing.

    One row per result ever listed; `listed` false is a tombstone. `seq` orders changes so that
    each process's in-memory index applies only what changed since it last looked.
    """

    __tablename__ = "result_terms"
    __table_args__ = (Index("ix_result_terms_seq", "seq"),)

    result_id: uuid.UUID = Field(foreign_key="result.id", primary_key=True)
    terms: str = Field(default="", sa_type=Text)  # "token:count token:count …"
    field: str = Field(sa_type=String(24))
    trl: int = Field(default=4, sa_type=SmallInteger)
    listed: bool = True
    seq: int = Field(sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=now, nullable=False)


class ResultVector(SQLModel, table=True):
    """A result's sentence embedding (portal.search.embed), stored beside its terms.

    `digest` fingerprints the model and the embedded text: a listed text that changes gets a new
    vector. `seq` (from `search_state`) orders changes so each process's matrix reads only new rows.
    """

    __tablename__ = "result_vector"
    __table_args__ = (Index("ix_result_vector_seq", "seq"),)

    result_id: uuid.UUID = Field(foreign_key="result.id", primary_key=True)
    model: str = Field(sa_type=String(40))
    digest: str = Field(sa_type=String(16))
    vector: bytes = Field(sa_type=LargeBinary)  # little-endian float32
    seq: int = Field(sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=now, nullable=False)


class DemandVector(SQLModel, table=True):
    """A demand's sentence embedding, computed when it is posted or edited."""

    __tablename__ = "demand_vector"
    # the operator's "no good match yet" list reads the few rows with good_matches = 0; without
    # this index the planner walked every demand newest first and probed its vector row (200 ms
    # at 100 k demands, and past the vector's overflow pages once they are embedded)
    __table_args__ = (Index("ix_demand_vector_unmatched", "good_matches", "demand_id"),)

    demand_id: uuid.UUID = Field(foreign_key="demand.id", primary_key=True)
    model: str = Field(sa_type=String(40))
    digest: str = Field(sa_type=String(16))
    vector: bytes = Field(sa_type=LargeBinary)
    # results above the score floor when it was posted or edited: 0 puts it on the operator's
    # "no good match yet" list (rechecked when the list is read, as new results arrive)
    good_matches: int = Field(default=0, sa_type=SmallInteger)
    updated_at: datetime = Field(default_factory=now, nullable=False)


class SearchState(SQLModel, table=True):
    """The search index's change counter (one row); epoch changes when the tokens are rebuilt."""

    __tablename__ = "search_state"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_type=BigInteger)
    epoch: str = Field(sa_type=String(32))
