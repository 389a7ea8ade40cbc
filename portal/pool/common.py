"""What the pool modules share: loading a result for reading or for a step, taking a step with
its history entry, trial slots, and the search hook."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from db.models import ApprovalStep, Contract, Result
from db.models.enums import ContractKind, ContractStatus, LicenceType
from portal.core.actor import Actor
from portal.core.clock import TZ
from portal.core.errors import NotFound
from portal.core.scope import as_id
from portal.core.workflow import Columns
from portal.pool.rules import RESULT

# A trial in one of these states takes one of the result's licensee slots today.
RUNNING_TRIAL = (ContractStatus.ACTIVE, ContractStatus.EXTENDED)
COLUMNS = Columns(city=Result.city_code, orgs=(Result.owner_org_id,), status=Result.status)


def _load(s: Session, result_id: uuid.UUID | str | None, *, lock: bool) -> Result | None:
    rid = as_id(result_id)
    if rid is None:
        return None
    stmt = select(Result).where(Result.id == rid)
    return s.exec(stmt.with_for_update() if lock else stmt).first()


def readable_result(s: Session, actor: Actor, result_id: uuid.UUID | str | None) -> Result:
    """The result, or NotFound when missing or out of the actor's sight."""
    return RESULT.readable(actor, _load(s, result_id, lock=False))


def result_for(s: Session, actor: Actor, action: str, result_id: uuid.UUID | str | None) -> Result:
    """The result locked for action: NotFound unless the actor oversees it (a listed result of
    another city is no more theirs to change than a draft), then the table's refusals."""
    result = _load(s, result_id, lock=True)
    if result is None or not RESULT.may(actor, "oversee", result):
        raise NotFound()
    RESULT.require(actor, action, result)
    return result


@contextmanager
def step(s: Session, actor: Actor, action: str, result: Result, *, reason: str = "",
         history: str | None = None) -> Iterator[Result]:
    """Take action on result through the table (status moved, audit entry "result.<history>")
    and keep the step in the result's history; the block sets the step's other fields."""
    name = history or action
    from_status = result.status
    with RESULT.move(s, actor, action, result, reason=reason or None, audit_action=f"result.{name}"):
        yield result
    # microseconds kept: several steps of one result may happen within a second, in order
    s.add(ApprovalStep(result_id=result.id, action=name, from_status=from_status, to_status=result.status,
                       actor_id=actor.user_id, actor_name=actor.display_name, reason=reason,
                       created_at=datetime.now(TZ)))


def take(s: Session, actor: Actor, action: str, result: Result, *, reason: str = "",
         history: str | None = None) -> Result:
    """A step that changes nothing but the status (see `step`)."""
    with step(s, actor, action, result, reason=reason, history=history):
        return result


def notify_search(s: Session, result: Result) -> None:
    """Tell the search index that a result was listed, withdrawn or changed (same transaction)."""
    from portal.search import on_result_changed  # imported late: the index pulls in jieba and scipy

    on_result_changed(s, result)


def running_trials(s: Session, result_ids: list[uuid.UUID], day: date) -> dict[uuid.UUID, int]:
    """Ordinary-licence trials running on day, per result."""
    if not result_ids:
        return {}
    stmt = (
        select(Contract.result_id, func.count())
        .where(Contract.result_id.in_(result_ids), Contract.kind == ContractKind.TRIAL,
               Contract.licence_type == LicenceType.ORDINARY, Contract.status.in_(RUNNING_TRIAL),
               Contract.start_date <= day)
        .group_by(Contract.result_id)
    )
    return {rid: int(n) for rid, n in s.exec(stmt).all()}


def slots_left(max_licensees: int | None, running: int) -> int | None:
    """Trial slots still open: the licensor's limit minus trials running; None = unlimited."""
    if max_licensees is None:
        return None
    return max(0, max_licensees - running)
