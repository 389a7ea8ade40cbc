"""Capacity arithmetic in one place: which bookings hold a resource's slots, and on which days.

Date ranges are inclusive. Requested, confirmed, in-progress and done bookings hold capacity;
cancelled ones free it. Booking a resource locks its row first (SELECT … FOR UPDATE on
PostgreSQL; on SQLite the write transaction already began IMMEDIATE), so two writers can never
both see the last free slot.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from db.models import PilotBooking, PilotResource
from db.models.enums import BookingStatus

HOLDING = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.DONE)
MAX_SPAN_DAYS = 366  # one booking covers at most this many days (the services refuse longer ones)


def earliest_start(day: date) -> date:
    """No booking that starts before this can reach day: a lower bound that keeps date-range
    reads on the (…, start_date) indexes short. Reads only; the capacity check does not rely on it."""
    return day - timedelta(days=MAX_SPAN_DAYS - 1)


@dataclass(frozen=True)
class Span:
    """A booking's inclusive date range (what the arithmetic needs of a booking)."""

    id: uuid.UUID
    start: date
    end: date


def days(start: date, end: date) -> list[date]:
    """Every day from start to end, inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def usage(spans: Iterable[Span], start: date, end: date) -> dict[date, int]:
    """How many spans cover each day of [start, end]."""
    diff = [0] * ((end - start).days + 2)
    for span in spans:
        lo, hi = max(span.start, start), min(span.end, end)
        if lo > hi:
            continue
        diff[(lo - start).days] += 1
        diff[(hi - start).days + 1] -= 1
    out: dict[date, int] = {}
    running = 0
    for i, day in enumerate(days(start, end)):
        running += diff[i]
        out[day] = running
    return out


def full_days(spans: Sequence[Span], capacity: int, start: date, end: date) -> list[date]:
    """Days of [start, end] on which one more span would exceed capacity."""
    return [day for day, used in usage(spans, start, end).items() if used + 1 > capacity]


def clashes(spans: Sequence[Span], full: Sequence[date]) -> list[Span]:
    """The spans that cover at least one of the full days, by start date."""
    full_set = set(full)
    return sorted((s for s in spans if any(d in full_set for d in days(s.start, s.end))),
                  key=lambda s: (s.start, s.end))


def lock_resource(s: Session, resource_id: uuid.UUID) -> PilotResource | None:
    """The resource row, locked until the transaction ends (FOR UPDATE is a no-op on SQLite,
    whose write transactions are serialized by BEGIN IMMEDIATE)."""
    return s.exec(select(PilotResource).where(PilotResource.id == resource_id).with_for_update()).first()


def holding_bookings(s: Session, resource_id: uuid.UUID, start: date, end: date, *,
                     exclude: uuid.UUID | None = None) -> list[PilotBooking]:
    """Bookings that hold a slot of resource on some day of [start, end]."""
    stmt = select(PilotBooking).where(
        PilotBooking.resource_id == resource_id, PilotBooking.status.in_(HOLDING),
        PilotBooking.start_date <= end, PilotBooking.end_date >= start)
    if exclude is not None:
        stmt = stmt.where(PilotBooking.id != exclude)
    return list(s.exec(stmt).all())


def spans_of(bookings: Iterable[PilotBooking]) -> list[Span]:
    """The spans of bookings."""
    return [Span(b.id, b.start_date, b.end_date) for b in bookings]


def day_ranges(full: Sequence[date]) -> list[tuple[date, date]]:
    """Consecutive days folded into (first, last) ranges, for a readable message."""
    out: list[tuple[date, date]] = []
    for day in sorted(full):
        if out and day == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out
