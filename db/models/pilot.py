"""Pilot testing (验证中试): platforms, their bookable resources, bookings."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlmodel import Field

from db.models.base import Record, money_field


class PilotPlatform(Record, table=True):
    """A verification / pilot-run platform hosted by an organization."""

    __tablename__ = "pilot_platform"
    __table_args__ = (Index("ix_pilot_platform_city", "city_code", "name"),)

    name: str = Field(sa_type=String(120))
    host_org_id: uuid.UUID = Field(foreign_key="organization.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    county_code: str | None = Field(default=None, sa_type=String(6), foreign_key="region.code")
    capabilities: str = Field(default="", sa_type=Text)
    tags: str = Field(default="", sa_type=String(200))  # comma separated
    opening_hours: str = Field(default="", sa_type=String(100))
    contact_name: str = Field(default="", sa_type=String(40))
    contact_phone: str = Field(default="", sa_type=String(20))


class PilotResource(Record, table=True):
    """A bookable line or piece of equipment; capacity = parallel bookings per day."""

    __tablename__ = "pilot_resource"
    __table_args__ = (CheckConstraint("capacity > 0", name="capacity_positive"),)

    platform_id: uuid.UUID = Field(foreign_key="pilot_platform.id", index=True)
    name: str = Field(sa_type=String(120))
    capacity: int = 1
    price_per_day: Decimal = money_field(default=Decimal("0"))


class PilotBooking(Record, table=True):
    """A resource booked for an enterprise and a result over an inclusive date range."""

    __tablename__ = "pilot_booking"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="date_order"),
        Index("ix_pilot_booking_resource_dates", "resource_id", "status", "start_date", "end_date"),
        Index("ix_pilot_booking_city_status_start", "city_code", "status", "start_date"),
        Index("ix_pilot_booking_city_start", "city_code", "start_date"),  # a city's list, newest first
        Index("ix_pilot_booking_start_status", "start_date", "status"),  # the province's list
        # utilization: bookings that meet a window, found by end date, without touching the table
        Index("ix_pilot_booking_city_end", "city_code", "end_date", "status", "start_date", "platform_id"),
        Index("ix_pilot_booking_end", "end_date", "status", "start_date", "platform_id"),
        Index("ix_pilot_booking_platform_start", "platform_id", "start_date", "end_date"),  # a platform's calendar
        Index("ix_pilot_booking_enterprise", "enterprise_org_id"),
        Index("ix_pilot_booking_result", "result_id"),
    )

    reference: str = Field(sa_type=String(24), unique=True)  # ZSYY-3301-2026-0001 (portal.core.numbering)
    resource_id: uuid.UUID = Field(foreign_key="pilot_resource.id")
    platform_id: uuid.UUID = Field(foreign_key="pilot_platform.id")
    city_code: str = Field(sa_type=String(6), foreign_key="region.code")
    enterprise_org_id: uuid.UUID = Field(foreign_key="organization.id")
    result_id: uuid.UUID = Field(foreign_key="result.id")
    match_id: uuid.UUID | None = Field(default=None, foreign_key="match_record.id")
    start_date: date
    end_date: date
    status: str = Field(default="requested", sa_type=String(12))  # BookingStatus
    outcome: str = Field(default="", sa_type=Text)
    cancel_reason: str = Field(default="", sa_type=Text)
    report_attachment_id: uuid.UUID | None = Field(default=None, foreign_key="attachment.id")
    finished_on: date | None = None
    request_note: str = Field(default="", sa_type=Text)  # what an enterprise asking for the booking wants tested
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
