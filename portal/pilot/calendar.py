"""The calendar (resources × days, free capacity at a glance) and utilization over time.

Utilization of a month = booked resource-days / (capacity × days), counting the bookings that
hold capacity (everything but cancelled), summed in SQL.
"""

from __future__ import annotations

import calendar as cal
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Date, Integer, and_, case, cast, func, literal
from sqlmodel import select

from db.engine import get_engine, read_session
from db.models import PilotBooking, PilotPlatform, PilotResource
from portal.core.actor import Actor
from portal.core.scope import as_id
from portal.core.service import reader
from portal.core.workflow import Columns, Subject
from portal.pilot import capacity as cap
from portal.pilot.bookings import BookingRow, list_bookings
from portal.pilot.rules import BOOKING, PLATFORM

MAX_CALENDAR_DAYS = 62


@dataclass(frozen=True)
class CalendarCell:
    """One resource on one day."""

    resource_id: uuid.UUID
    resource_name: str
    day: date
    capacity: int
    used: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.used, 0)


@dataclass(frozen=True)
class CalendarView:
    """A platform's resources × days, and the bookings behind them (when the actor may see them)."""

    platform_id: uuid.UUID
    platform_name: str
    city_code: str
    days: list[date]
    cells: list[CalendarCell]
    bookings: list[BookingRow]


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday around day."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def month_of(day: date) -> tuple[date, date]:
    """The first to the last day of day's month."""
    last = cal.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


@reader(PLATFORM)
def platform_calendar(*, actor: Actor, platform_id: uuid.UUID, start: date, end: date) -> CalendarView:
    """Used and free slots of every resource of a platform per day of [start, end] (whoever may
    browse the platform sees its free capacity; the bookings themselves those who read the
    bookings of the platform's city)."""
    end = min(end, start + timedelta(days=MAX_CALENDAR_DAYS - 1))
    pid = as_id(platform_id)
    with read_session() as s:
        platform = PLATFORM.readable(actor, s.get(PilotPlatform, pid) if pid else None)
        resources = s.exec(select(PilotResource).where(PilotResource.platform_id == platform.id)
                           .order_by(PilotResource.name)).all()
        held = s.exec(select(PilotBooking.id, PilotBooking.resource_id, PilotBooking.start_date,
                             PilotBooking.end_date)
                      .where(PilotBooking.resource_id.in_([r.id for r in resources]),
                             PilotBooking.status.in_(cap.HOLDING),
                             PilotBooking.start_date <= end, PilotBooking.start_date >= cap.earliest_start(start),
                             PilotBooking.end_date >= start)).all()
    spans: dict[uuid.UUID, list[cap.Span]] = {r.id: [] for r in resources}
    for bid, rid, b_start, b_end in held:
        spans[rid].append(cap.Span(bid, b_start, b_end))
    cells = [CalendarCell(r.id, r.name, day, r.capacity, used)
             for r in resources for day, used in cap.usage(spans[r.id], start, end).items()]
    bookings: list[BookingRow] = []
    if BOOKING.may(actor, "read", Subject(city_code=platform.city_code)):
        bookings = list_bookings(actor=actor, platform_id=platform.id, since=start, until=end, page_size=200).rows
    return CalendarView(platform.id, platform.name, platform.city_code, cap.days(start, end), cells, bookings)


@dataclass(frozen=True)
class UtilizationRow:
    """Booked and available resource-days of one platform in one month."""

    month: date
    platform_id: uuid.UUID
    platform_name: str
    city_code: str
    booked_days: int
    capacity_days: int

    @property
    def rate(self) -> Decimal:
        if not self.capacity_days:
            return Decimal("0")
        return (Decimal(self.booked_days) / Decimal(self.capacity_days)).quantize(Decimal("0.0001"))


def _months(last: date, count: int) -> list[tuple[date, date]]:
    out = []
    first = last.replace(day=1)
    for _ in range(count):
        out.append(month_of(first))
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


def _overlap_days(first: date, last: date):  # noqa: ANN202
    """SQL: inclusive days of a booking inside [first, last], 0 when it does not meet it."""
    lo = case((PilotBooking.start_date < first, literal(first, Date)), else_=PilotBooking.start_date)
    hi = case((PilotBooking.end_date > last, literal(last, Date)), else_=PilotBooking.end_date)
    if get_engine().dialect.name == "sqlite":
        days = cast(func.julianday(hi) - func.julianday(lo), Integer) + 1
    else:
        days = (hi - lo) + 1
    meets = and_(PilotBooking.start_date <= last, PilotBooking.end_date >= first)
    return case((meets, days), else_=0)


@reader(PLATFORM, "utilization")
def utilization(*, actor: Actor, last_month: date, months: int = 12,
                city_code: str | None = None) -> list[UtilizationRow]:
    """Monthly utilization per platform for the months up to last_month: the platforms of the
    cities actor reads utilization of (`PLATFORM`'s "utilization"), of city_code when given.

    One pass in SQL: the bookings that meet the window (found by end date, on a covering index)
    grouped by platform, with one sum of overlapping days per month."""
    spans = _months(last_month, max(1, min(int(months), 36)))
    sums = [func.sum(_overlap_days(a, b)) for a, b in spans]
    stmt = (select(PilotBooking.platform_id, *sums)
            .where(PilotBooking.end_date >= spans[0][0], PilotBooking.status.in_(cap.HOLDING),
                   PilotBooking.start_date <= spans[-1][1])
            .group_by(PilotBooking.platform_id))
    pstmt = (select(PilotPlatform.id, PilotPlatform.name, PilotPlatform.city_code,
                    func.coalesce(func.sum(PilotResource.capacity), 0))
             .join(PilotResource, PilotResource.platform_id == PilotPlatform.id, isouter=True)
             .group_by(PilotPlatform.id, PilotPlatform.name, PilotPlatform.city_code))
    stmt = PLATFORM.scope_filter(stmt, actor, Columns(city=PilotBooking.city_code), "utilization")
    pstmt = PLATFORM.scope_filter(pstmt, actor, Columns(city=PilotPlatform.city_code), "utilization")
    if city_code:
        stmt = stmt.where(PilotBooking.city_code == city_code)
        pstmt = pstmt.where(PilotPlatform.city_code == city_code)
    with read_session() as s:
        platforms = {pid: (name, code, int(capacity)) for pid, name, code, capacity in s.exec(pstmt).all()}
        booked = {row[0]: [int(n or 0) for n in row[1:]] for row in s.exec(stmt).all()}
    return [UtilizationRow(m_first, pid, name, code, booked.get(pid, [0] * len(spans))[i],
                           capacity * ((m_last - m_first).days + 1))
            for i, (m_first, m_last) in enumerate(spans) for pid, (name, code, capacity) in platforms.items()]


def city_utilization(rows: list[UtilizationRow]) -> list[tuple[date, str, Decimal]]:
    """The per-platform rows rolled up to (month, city, rate)."""
    sums: dict[tuple[date, str], list[int]] = {}
    for r in rows:
        acc = sums.setdefault((r.month, r.city_code), [0, 0])
        acc[0] += r.booked_days
        acc[1] += r.capacity_days
    return [(m, c, (Decimal(b) / Decimal(t)).quantize(Decimal("0.0001")) if t else Decimal("0"))
            for (m, c), (b, t) in sorted(sums.items())]
