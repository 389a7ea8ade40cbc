"""Document numbers that never collide: contracts, deals, vouchers, bookings and claims.

Each series counts per city and year in a `number_counter` row. `allocate` bumps the row in one
INSERT … ON CONFLICT DO UPDATE … RETURNING, which holds the row's lock until the caller's
transaction ends, so two concurrent writers get consecutive numbers (PostgreSQL), and SQLite's
writers are serial anyway. A rolled-back transaction gives its number back; a number another
transaction used is never handed out twice. The numbers stay readable: `XYSY-3301-2026-0023`.

When a series' counter does not exist yet (a database filled before counters, a new year), it
starts after the highest number of that series already stored, so old numbers are not reused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from db.models import Contract, FeeClaim, NumberCounter, PilotBooking, Voucher


@dataclass(frozen=True)
class Series:
    """A kind of number: its printed shape and the column that stores it."""

    kind: str
    shape: str  # with {city} (the city code's first four digits), {year} and {seq}
    column: Any

    def render(self, city_code: str, year: int, seq: int) -> str:
        """The number seq of city_code's year."""
        return self.shape.format(city=city_code[:4], year=year, seq=seq)

    def prefix(self, city_code: str, year: int) -> str:
        """What every number of the city's year starts with."""
        return self.shape.split("{seq")[0].format(city=city_code[:4], year=year)


SERIES: dict[str, Series] = {s.kind: s for s in (
    Series("trial", "XYSY-{city}-{year}-{seq:04d}", Contract.number),  # 先用试用 trial contracts
    Series("deal", "XYZH-{city}-{year}-{seq:04d}", Contract.number),  # 先用转化 paid licences, transfers
    Series("voucher", "CXQ{city}{year}{seq:05d}", Voucher.code),  # 创新券
    Series("booking", "ZSYY-{city}-{year}-{seq:04d}", PilotBooking.reference),  # 中试预约
    Series("claim", "FYSQ-{city}-{year}-{seq:04d}", FeeClaim.reference),  # 费用申请
)}


def number(kind: str, city_code: str, year: int, seq: int) -> str:
    """Render a number without allocating it (loaders that number their own rows)."""
    return SERIES[kind].render(city_code, year, seq)


def allocate(s: Session, kind: str, city_code: str, year: int) -> str:
    """The next number of kind for city_code's year, taken inside the caller's transaction."""
    series = SERIES[kind]
    table = NumberCounter.__table__  # type: ignore[attr-defined]
    key = {"kind": kind, "city_code": city_code, "year": year}
    exists = s.exec(select(NumberCounter.last).where(
        NumberCounter.kind == kind, NumberCounter.city_code == city_code, NumberCounter.year == year)).first()
    start = 1 if exists is not None else highest_stored(s, series, city_code, year) + 1
    postgres = s.get_bind().dialect.name == "postgresql"
    insert = (pg_insert if postgres else sqlite_insert)(table).values(**key, last=start)
    bigger = func.greatest if postgres else func.max  # SQLite's two-argument max() is scalar
    stmt = insert.on_conflict_do_update(
        index_elements=["kind", "city_code", "year"],
        set_={"last": bigger(table.c.last + 1, insert.excluded.last)},
    ).returning(table.c.last)
    seq = s.connection().execute(stmt).scalar_one()
    return series.render(city_code, year, seq)


def highest_stored(s: Session, series: Series, city_code: str, year: int) -> int:
    """The highest sequence of the series already stored for the city's year (0 when none)."""
    prefix = series.prefix(city_code, year)
    tail = re.compile(r"(\d+)$")
    best = 0
    stored = s.connection().execute(select(series.column).where(series.column.like(prefix + "%")))
    for (value,) in stored:
        found = tail.search(str(value)[len(prefix):])
        if found:
            best = max(best, int(found.group(1)))
    return best
