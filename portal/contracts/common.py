"""What the contract modules share: loading a contract the actor may see, trial dates, rates."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, select

from db.models import Contract
from portal.contracts.rules import CONTRACT, RUNNING
from portal.core.actor import Actor
from portal.core.scope import as_id
from portal.core.workflow import Columns

__all__ = ["COLUMNS", "RUNNING", "locked_contract", "months_between", "percent", "period", "readable_contract",
           "trial_end"]

# where a contract's scope lives, for lists and counts (`CONTRACT.scope_filter`)
COLUMNS = Columns(city=Contract.city_code, orgs=(Contract.licensor_org_id, Contract.licensee_org_id),
                  agency=Contract.agency_id, status=Contract.status, creator=Contract.created_by)


def readable_contract(s: Session, actor: Actor, contract_id: uuid.UUID | str | None) -> Contract:
    """The contract, or NotFound when missing or out of the actor's sight."""
    cid = as_id(contract_id)
    return CONTRACT.readable(actor, s.get(Contract, cid) if cid else None)


def locked_contract(s: Session, actor: Actor, contract_id: uuid.UUID | str | None) -> Contract:
    """The contract locked for update (PostgreSQL), or NotFound when missing or out of sight."""
    cid = as_id(contract_id)
    row = s.exec(select(Contract).where(Contract.id == cid).with_for_update()).first() if cid else None
    return CONTRACT.readable(actor, row)


def trial_end(start: date, months: int) -> date:
    """The last day of a trial of months starting on start: the day before the same date months
    later (12 months from 1 Jan end on 31 Dec), or, where that month has no such date, its last
    day (the Civil Code's rule, art. 202: one month from 31 Jan ends on 28 or 29 Feb)."""
    later = start + relativedelta(months=months)  # clamped to the month's end when the day is missing
    return later if later.day != start.day else later - timedelta(days=1)


def months_between(start: date, end: date) -> int:
    """Whole months covered by [start, end], rounded up (a trial of 12 months and 1 day is 13)."""
    delta = relativedelta(end + relativedelta(days=1), start)
    return delta.years * 12 + delta.months + (1 if delta.days else 0)


def period(start: date, end: date) -> tuple[int, int]:
    """The length of [start, end], both days included, as a contract states it: the whole months
    (as trial_end counts them) and the days after the last of them. 2026-01-01 → 2026-12-31 is
    (12, 0); 2025-07-07 → 2026-12-29 is (17, 23); trial_end(start, n) always gives (n, 0)."""
    if end < start:
        raise ValueError(f"{end} is before {start}")
    months = max(0, (end.year - start.year) * 12 + end.month - start.month)
    while months and trial_end(start, months) > end:
        months -= 1
    while trial_end(start, months + 1) <= end:
        months += 1
    last = trial_end(start, months) if months else start - timedelta(days=1)
    return months, (end - last).days


def percent(rate) -> str:  # noqa: ANN001
    """A rate as a percentage without trailing zeros: Decimal('0.90') → '90', '0.825' → '82.5'."""
    return f"{(Decimal(rate) * 100).normalize():f}"
