"""Roadshows (路演展示): events, their ordered result items, attendance."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlmodel import Field

from db.models.base import Record


class Roadshow(Record, table=True):
    """An event where results are presented to enterprises."""

    __table_args__ = (Index("ix_roadshow_city_status_start", "city_code", "status", "starts_at"),)

    title: str = Field(sa_type=String(200))
    theme_field: str | None = Field(default=None, sa_type=String(24))  # Field_
    starts_at: datetime
    ends_at: datetime | None = None
    venue: str = Field(default="", sa_type=String(200))
    online_link: str = Field(default="", sa_type=String(300))
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    county_code: str | None = Field(default=None, sa_type=String(6), foreign_key="region.code")
    agency_id: uuid.UUID = Field(foreign_key="agency.id")
    status: str = Field(default="draft", sa_type=String(10))  # RoadshowStatus
    description: str = Field(default="", sa_type=Text)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")


class RoadshowItem(Record, table=True):
    """One result on a roadshow's running order; token opens its public intent page."""

    __tablename__ = "roadshow_item"
    __table_args__ = (
        UniqueConstraint("roadshow_id", "result_id", name="uq_roadshow_item_result"),
        Index("ix_roadshow_item_order", "roadshow_id", "position"),
    )

    roadshow_id: uuid.UUID = Field(foreign_key="roadshow.id")
    result_id: uuid.UUID = Field(foreign_key="result.id")
    position: int
    presenter_name: str = Field(default="", sa_type=String(60))
    presenter_user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    slot_start: datetime | None = None
    slot_end: datetime | None = None
    token: str = Field(sa_type=String(64), unique=True)  # unguessable, not derived from ids


class RoadshowAttendance(Record, table=True):
    """An enterprise registered for, and perhaps present at, a roadshow."""

    __tablename__ = "roadshow_attendance"
    __table_args__ = (UniqueConstraint("roadshow_id", "credit_code", name="uq_attendance_company"),)

    roadshow_id: uuid.UUID = Field(foreign_key="roadshow.id", index=True)
    enterprise_org_id: uuid.UUID | None = Field(default=None, foreign_key="organization.id")
    company_name: str = Field(sa_type=String(120))
    credit_code: str = Field(sa_type=String(18))
    registered: bool = True
    present: bool = False
