"""The portal's notion of now. Timestamps are timezone-aware (stored as UTC); dates and display
use Asia/Shanghai, as every user of the portal is in Zhejiang."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """Current time, aware, in Asia/Shanghai."""
    return datetime.now(TZ).replace(microsecond=0)


def today() -> date:
    """Current local date."""
    return now().date()


def local(moment: datetime | None) -> datetime | None:
    """A stored (UTC) timestamp in local time, for display."""
    return moment.astimezone(TZ) if moment is not None else None


def start_of(day: date) -> datetime:
    """Local midnight at the start of day, aware."""
    return datetime.combine(day, time.min, tzinfo=TZ)


def fmt(moment: datetime | None) -> str:
    """'2026-11-25 14:03' in local time."""
    return local(moment).strftime("%Y-%m-%d %H:%M") if moment is not None else ""
