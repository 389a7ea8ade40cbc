"""What the contract modules share: loading a contract the actor may see, trial dates, rates."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, select

from db.models import Contract
from portal.contracts.rules import CONTRACT, RUNNING
from portal.core.actor import Actor
from portal.core.scope import as_id
from portal.core.workflow import Columns

__all__ = ["COLUMNS", "RUNNING", "locked_contract", "months_between", "percent", "readable_contract", "trial_end"]

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
    """The last day of a trial of months starting on start (12 months from 1 Jan end on 31 Dec)."""
    return start + relativedelta(months=months) - relativedelta(days=1)


def months_between(start: date, end: date) -> int:
    """Whole months covered by [start, end], rounded up (a trial of 12 months and 1 day is 13)."""
    delta = relativedelta(end + relativedelta(days=1), start)
    return delta.years * 12 + delta.months + (1 if delta.days else 0)


def percent(rate) -> str:  # noqa: ANN001
    """A rate as a percentage without trailing zeros: Decimal('0.90') → '90', '0.825' → '82.5'."""
    return f"{(Decimal(rate) * 100).normalize():f}"
