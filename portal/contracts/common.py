"""What the contract modules share: who may write, loading a contract in scope, numbering."""

from __future__ import annotations

import uuid
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, select

from db.models import Contract
from db.models.enums import ContractStatus, Role
from portal.core import scope
from portal.core.actor import Actor
from portal.core.errors import NotFound, PermissionDenied

WRITERS = (Role.CITY_OPERATOR, Role.PROVINCE_ADMIN)
# A trial in one of these states holds one of the result's licensee slots.
RUNNING = (ContractStatus.ACTIVE, ContractStatus.EXTENDED, ContractStatus.DISPUTED)


def party_ids(contract: Contract) -> tuple[uuid.UUID, uuid.UUID]:
    """The organizations an institution officer or enterprise user must belong to, to see it."""
    return (contract.licensor_org_id, contract.licensee_org_id)


def check_writer(actor: Actor, city_code: str | None = None) -> None:
    """Refuse unless a city operator of city_code (when given) or the province admin."""
    if actor.role not in WRITERS:
        raise PermissionDenied()
    if city_code is not None and actor.role == Role.CITY_OPERATOR and actor.city_code != city_code:
        raise PermissionDenied()


def readable_contract(s: Session, actor: Actor, contract_id: uuid.UUID | str | None) -> Contract:
    """The contract, or NotFound when missing or outside the actor's scope."""
    cid = scope.as_id(contract_id)
    contract = s.get(Contract, cid) if cid else None
    if contract is None:
        raise NotFound()
    return scope.ensure_readable(actor, contract, city_code=contract.city_code, org_ids=party_ids(contract))


def writable_contract(s: Session, actor: Actor, contract_id: uuid.UUID | str | None) -> Contract:
    """The contract locked for update (PostgreSQL), after scope and role checks."""
    readable_contract(s, actor, contract_id)
    contract = s.exec(select(Contract).where(Contract.id == scope.as_id(contract_id)).with_for_update()).one()
    check_writer(actor, contract.city_code)
    return contract


def trial_end(start: date, months: int) -> date:
    """The last day of a trial of months starting on start (12 months from 1 Jan end on 31 Dec)."""
    return start + relativedelta(months=months) - relativedelta(days=1)


def months_between(start: date, end: date) -> int:
    """Whole months covered by [start, end], rounded up (a trial of 12 months and 1 day is 13)."""
    delta = relativedelta(end + relativedelta(days=1), start)
    return delta.years * 12 + delta.months + (1 if delta.days else 0)


def percent(rate) -> str:  # noqa: ANN001
    """A rate as a percentage without trailing zeros: Decimal('0.90') → '90', '0.825' → '82.5'."""
    from decimal import Decimal

    return f"{(Decimal(rate) * 100).normalize():f}"
