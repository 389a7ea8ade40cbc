"""The period a dashboard or ranking covers: checked, and the presets of the period filter."""

from __future__ import annotations

from datetime import date

from portal.core.clock import today
from portal.core.errors import ValidationError

MAX_DAYS = 3660  # ten years: longer periods are a typing slip, and slow


def check_period(start: date, end: date) -> None:
    """Refuse a period that ends before it starts or spans more than ten years."""
    if end < start:
        raise ValidationError("dash.error.period_order", field="until")
    if (end - start).days > MAX_DAYS:
        raise ValidationError("dash.error.period_long", field="since")


def period_presets(day: date | None = None) -> dict[str, tuple[date, date]]:
    """Common periods for the filter: this year, last 12 months, this quarter, last year."""
    d = day or today()
    q_start = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return {
        "this_year": (date(d.year, 1, 1), d),
        "last_12_months": (date(d.year - 1, d.month, 1), d),
        "this_quarter": (q_start, d),
        "last_year": (date(d.year - 1, 1, 1), date(d.year - 1, 12, 31)),
    }
