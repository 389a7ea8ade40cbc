"""The three-year rule (DOMAIN.md rule 4), computed and never stored.

A fiscally funded result "should be in the pool" when three years have passed since its grant or
completion date, it has not been converted, and no exclusion reason applies. "Within three years"
includes the anniversary itself: a result granted on 2023-05-10 is flagged from 2026-05-11 on
(1 day overdue). "Converted" means a paid licence or transfer contract for the result exists that
was not terminated; it is derived from the contracts, not kept on the result.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Contract, Organization, Result
from db.models.enums import ContractKind, ContractStatus, ResultStatus
from portal.core.actor import Actor
from portal.core.cache import cached
from portal.core.clock import today as clock_today
from portal.core.paging import Page, clamp
from portal.core.scope import scope_key
from portal.core.service import reader
from portal.pool.common import COLUMNS, readable_result
from portal.pool.rules import RESULT

YEARS = 3


def due_date(grant: date) -> date:
    """The last day of the three years after grant (29 February falls back to 28 February)."""
    return grant + relativedelta(years=YEARS)


def _converted():  # noqa: ANN202
    return (
        select(Contract.id)
        .where(Contract.result_id == Result.id,
               Contract.kind.in_((ContractKind.PAID_LICENCE, ContractKind.TRANSFER)),
               Contract.status != ContractStatus.TERMINATED)
        .correlate(Result).exists()
    )


def _flag_conditions(day: date) -> list:
    cutoff = day - relativedelta(years=YEARS)  # grant < cutoff  ⇔  due_date(grant) < day
    return [Result.fiscally_funded.is_(True), Result.grant_date.is_not(None), Result.grant_date < cutoff,
            Result.exclusion_reason.is_(None), ~_converted()]


def is_converted(s: Session, result_id: uuid.UUID) -> bool:
    """Whether a paid licence or transfer of the result exists (and was not terminated)."""
    return s.exec(select(Contract.id).where(
        Contract.result_id == result_id, Contract.kind.in_((ContractKind.PAID_LICENCE, ContractKind.TRANSFER)),
        Contract.status != ContractStatus.TERMINATED).limit(1)).first() is not None


def should_be_in_pool(s: Session, result: Result, today: date | None = None) -> bool:
    """The flag for one result."""
    return days_overdue(s, result, today or clock_today()) is not None


def days_overdue(s: Session, result: Result, day: date) -> int | None:
    """Days since the three years ran out when the result is flagged on day, else None."""
    if not result.fiscally_funded or result.grant_date is None or result.exclusion_reason:
        return None
    due = due_date(result.grant_date)
    if due >= day or is_converted(s, result.id):
        return None
    return (day - due).days


@dataclass(frozen=True)
class FlagRow:
    result_id: uuid.UUID
    number: str
    title: str
    owner: str
    city_code: str
    grant_date: date
    due_date: date
    days_overdue: int
    status: str


@dataclass(frozen=True)
class InstitutionCount:
    owner: str
    city_code: str
    flagged: int
    not_listed: int


def _not_listed():  # noqa: ANN202
    return func.sum(case((Result.status != ResultStatus.LISTED, 1), else_=0))


def _flagged_query(actor: Actor, day: date, *, not_listed_only: bool, owner_org_id: uuid.UUID | None):  # noqa: ANN202
    conds = _flag_conditions(day)
    if not_listed_only:
        conds.append(Result.status != ResultStatus.LISTED)
    if owner_org_id:
        conds.append(Result.owner_org_id == owner_org_id)
    stmt = (select(Result.id, Result.number, Result.title, Organization.name, Result.city_code,
                   Result.grant_date, Result.status)
            .join(Organization, Organization.id == Result.owner_org_id).where(and_(*conds)))
    return RESULT.scope_filter(stmt, actor, COLUMNS, "oversee")


def _flag_row(row: tuple, day: date) -> FlagRow:
    rid, number, title, owner, city, grant, status = row
    due = due_date(grant)
    return FlagRow(rid, number, title, owner, city, grant, due, (day - due).days, status)


@reader(RESULT, "oversee")
def flagged_results(*, actor: Actor, today: date | None = None, not_listed_only: bool = True,
                    owner_org_id: uuid.UUID | None = None, page: int = 1, page_size: int = 50) -> Page[FlagRow]:
    """Flagged results in the actor's scope, most overdue first: one page of them, with the total.
    The total is cached per scope and day: counting the whole province's flagged results takes
    50–150 ms, and it changes only with a write (so the page is clamped here, not by paginate)."""
    day = today or clock_today()
    stmt = _flagged_query(actor, day, not_listed_only=not_listed_only, owner_org_id=owner_org_id)
    key, city = scope_key(actor)
    with read_session() as s:
        total = cached(("three_year_count", day, not_listed_only, owner_org_id, *key),
                       lambda: int(s.exec(select(func.count()).select_from(stmt.subquery())).one()), city=city)
        number = clamp(page, total, page_size)
        rows = s.exec(stmt.order_by(Result.grant_date, Result.id)
                      .offset((number - 1) * page_size).limit(page_size)).all() if total else []
    return Page([_flag_row(r, day) for r in rows], total, number, page_size)


@reader(RESULT, "oversee")
def iter_flagged(*, actor: Actor, today: date | None = None, not_listed_only: bool = True,
                 batch: int = 2000) -> Iterator[FlagRow]:
    """Every flagged result in the actor's scope, most overdue first, streamed (for the export);
    refused at the call, not at the first row."""
    day = today or clock_today()
    stmt = _flagged_query(actor, day, not_listed_only=not_listed_only, owner_org_id=None)

    def rows() -> Iterator[FlagRow]:
        with read_session() as s:
            for row in s.exec(stmt.order_by(Result.grant_date, Result.id).execution_options(yield_per=batch)):
                yield _flag_row(row, day)

    return rows()


@reader(RESULT, "oversee")
def flagged_by_institution(*, actor: Actor, today: date | None = None) -> list[InstitutionCount]:
    """Per institution: results flagged, and how many of them are not listed yet, most first.

    An aggregate over every fiscally funded result in scope (0.1–0.3 s for the province), cached
    per scope and day until a write."""
    day = today or clock_today()
    base = RESULT.scope_filter(select(Organization.name, Organization.city_code, func.count(), _not_listed())
                               .join(Organization, Organization.id == Result.owner_org_id), actor, COLUMNS, "oversee")

    def compute() -> list[InstitutionCount]:
        with read_session() as s:
            stmt = (base.where(and_(*_flag_conditions(day))).group_by(Organization.name, Organization.city_code)
                    .order_by(func.count().desc(), Organization.name))
            return [InstitutionCount(n, c, int(k), int(nl or 0)) for n, c, k, nl in s.exec(stmt).all()]

    key, city = scope_key(actor)
    return cached(("three_year_by_institution", day, *key), compute, city=city)


@reader(RESULT)
def should_be_in_pool_for(*, actor: Actor, result_id: uuid.UUID, today: date | None = None) -> bool:
    """The flag of one result the actor may see (NotFound for results out of sight)."""
    with read_session() as s:
        return should_be_in_pool(s, readable_result(s, actor, result_id), today)
