"""Regions, organizations, agencies, users, audit trail, per-city policy and attachments."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from db.models.base import Record
from portal.core.clock import now


class Region(SQLModel, table=True):
    """Zhejiang, its 11 cities and their counties/districts, keyed by the national adcode."""

    code: str = Field(sa_type=String(6), primary_key=True)  # e.g. 330100 Hangzhou
    name_zh: str = Field(sa_type=String(40))
    name_en: str = Field(sa_type=String(60))
    level: str = Field(sa_type=String(10))  # RegionLevel
    parent_code: str | None = Field(default=None, sa_type=String(6), foreign_key="region.code", index=True)


class Organization(Record, table=True):
    """A licensor, enterprise, insurer, agency or platform host."""

    __table_args__ = (Index("ix_organization_city_kind_name", "city_code", "kind", "name"),)

    name: str = Field(sa_type=String(120))
    kind: str = Field(sa_type=String(16))  # OrgKind
    credit_code: str = Field(sa_type=String(18), unique=True)  # 统一社会信用代码
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    county_code: str | None = Field(default=None, sa_type=String(6), foreign_key="region.code")
    size: str | None = Field(default=None, sa_type=String(8))  # EnterpriseSize, enterprises only
    address: str | None = Field(default=None, sa_type=String(200))
    contact_name: str | None = Field(default=None, sa_type=String(40))
    contact_phone: str | None = Field(default=None, sa_type=String(20))
    max_trial_licensees: int | None = Field(default=None)  # licensor's own default limit


class Agency(Record, table=True):
    """A city's operating agency (专责运营机构); one or more per city."""

    __table_args__ = (Index("ix_agency_city", "city_code", "name"),)

    organization_id: uuid.UUID = Field(foreign_key="organization.id", unique=True)
    name: str = Field(sa_type=String(120))
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    county_code: str | None = Field(default=None, sa_type=String(6), foreign_key="region.code")
    contact_name: str | None = Field(default=None, sa_type=String(40))
    contact_phone: str | None = Field(default=None, sa_type=String(20))
    email: str | None = Field(default=None, sa_type=String(80))


class UserAccount(Record, table=True):
    """A person who signs in; role and bindings decide what they see."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "role <> 'city_operator' OR (city_code IS NOT NULL AND agency_id IS NOT NULL)",
            name="operator_bound",
        ),
        CheckConstraint(
            "role <> 'institution_officer' OR organization_id IS NOT NULL", name="officer_bound"
        ),
        CheckConstraint("role <> 'enterprise' OR organization_id IS NOT NULL", name="enterprise_bound"),
    )

    username: str = Field(sa_type=String(40), unique=True)
    display_name: str = Field(sa_type=String(60))
    password_hash: str = Field(sa_type=String(100))
    role: str = Field(sa_type=String(24))  # Role
    city_code: str | None = Field(default=None, sa_type=String(6), foreign_key="region.code", index=True)
    agency_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id")
    organization_id: uuid.UUID | None = Field(default=None, foreign_key="organization.id")
    is_city_admin: bool = False  # a city operator who may edit the city's policy settings
    email: str | None = Field(default=None, sa_type=String(80))
    phone: str | None = Field(default=None, sa_type=String(20))
    disabled: bool = False
    last_login_at: datetime | None = None
    # sign-in guessing is bounded per account (portal.core.auth): failures in the current window,
    # when the window began, and until when the account waits after too many
    failed_logins: int = 0
    first_failed_at: datetime | None = None
    locked_until: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """One change: who, when, what entity, before and after (JSON snapshots)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entity", "entity", "entity_id", "at"),
        Index("ix_audit_city_at", "city_code", "at"),
        Index("ix_audit_at", "at"),  # the province's newest-first feed
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = Field(default_factory=now)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    actor_name: str = Field(sa_type=String(40))  # kept even if the user is renamed
    action: str = Field(sa_type=String(40))
    entity: str = Field(sa_type=String(40))
    entity_id: str = Field(sa_type=String(40))
    city_code: str | None = Field(default=None, sa_type=String(6))
    reason: str | None = Field(default=None, sa_type=Text)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))


class PolicyVersion(SQLModel, table=True):
    """One version of a region's policy settings; the highest version is in force."""

    __tablename__ = "policy_version"
    __table_args__ = (UniqueConstraint("region_code", "version"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    region_code: str = Field(sa_type=String(6), foreign_key="region.code")  # 330000 = province floors
    version: int
    data: dict = Field(sa_column=Column(JSON, nullable=False))
    changed_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    changed_at: datetime = Field(default_factory=now)
    reason: str = Field(default="", sa_type=Text)


class ContractTemplate(SQLModel, table=True):
    """A versioned standard-form contract text with {placeholders}; city_code NULL = province default."""

    __tablename__ = "contract_template"
    __table_args__ = (UniqueConstraint("city_code", "kind", "version"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    city_code: str | None = Field(default=None, sa_type=String(6), foreign_key="region.code")
    kind: str = Field(sa_type=String(16))  # ContractKind
    version: int
    title: str = Field(sa_type=String(120))
    body: str = Field(sa_type=Text)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=now)
    reason: str = Field(default="", sa_type=Text)


class Attachment(Record, table=True):
    """A file kept with a record (patent PDF, pilot report, claim evidence)."""

    __table_args__ = (Index("ix_attachment_owner", "entity", "entity_id"),)

    entity: str = Field(sa_type=String(40))
    entity_id: uuid.UUID
    city_code: str | None = Field(default=None, sa_type=String(6))
    filename: str = Field(sa_type=String(200))
    content_type: str = Field(sa_type=String(100))
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")


class NumberCounter(SQLModel, table=True):
    """The last number handed out per series, city and year (portal.core.numbering): allocated
    under the row's lock, so concurrent writers never get the same number."""

    __tablename__ = "number_counter"

    kind: str = Field(sa_type=String(16), primary_key=True)  # the series: trial, deal, voucher, …
    city_code: str = Field(sa_type=String(6), primary_key=True)
    year: int = Field(primary_key=True)
    last: int = 0


class ActionKey(SQLModel, table=True):
    """A form submission already carried out (portal.core.idempotency): a second click, a retry
    or a reload with the same key gets the record the first one made, not a duplicate."""

    __tablename__ = "action_key"

    key: str = Field(sa_type=String(64), primary_key=True)
    action: str = Field(sa_type=String(40))
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    entity: str = Field(sa_type=String(40))
    entity_id: str = Field(sa_type=String(40))
    created_at: datetime = Field(default_factory=now)

