"""Roadshow times: what forms hand in (a datetime, a date or ISO text) as aware local datetimes,
and what the databases hand back as aware datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from portal.core.clock import TZ
from portal.core.errors import ValidationError


def moment(value: datetime | date | str | None, *, field: str, required: bool = True) -> datetime | None:
    """An aware local datetime from a datetime, a date (midnight) or ISO text."""
    if value is None or value == "":
        if required:
            raise ValidationError("error.required", field=field)
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError("roadshows.error.datetime_shape", field=field) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return value if value.tzinfo else value.replace(tzinfo=TZ)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored UTC); PostgreSQL aware ones."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
