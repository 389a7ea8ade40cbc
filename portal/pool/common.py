"""What the pool modules share: loading a result within scope, recording a step, the search hook."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from db.models import ApprovalStep, Contract, Result
from db.models.enums import ContractKind, ContractStatus, LicenceType, ResultStatus, Role
from portal.core import audit
from portal.core.actor import Actor
from portal.core.clock import TZ
from portal.core.errors import NotFound, PermissionDenied
from portal.core.scope import as_id, in_scope

# A trial in one of these states takes one of the result's licensee slots today.
RUNNING_TRIAL = (ContractStatus.ACTIVE, ContractStatus.EXTENDED)
# Roles that may see results that are not (yet) listed, within their scope.
UNLISTED_READERS = (Role.PROVINCE_ADMIN, Role.CITY_OPERATOR, Role.INSTITUTION_OFFICER, Role.MANAGER)
# Roles that may enter and submit results (the institution, or the city's operator on its behalf).
DISCLOSERS = (Role.PROVINCE_ADMIN, Role.CITY_OPERATOR, Role.INSTITUTION_OFFICER)
OPERATORS = (Role.PROVINCE_ADMIN, Role.CITY_OPERATOR)


def may_read(actor: Actor, result: Result) -> bool:
    """Listed results are open to every signed-in user; the rest only within scope."""
    if result.status == ResultStatus.LISTED:
        return True
    if actor.role not in UNLISTED_READERS:
        return False
    return in_scope(actor, city_code=result.city_code, org_ids=(result.owner_org_id,))


def readable_result(s: Session, actor: Actor, result_id: uuid.UUID | str | None) -> Result:
    """The result, or NotFound when missing or out of the actor's sight."""
    result = s.get(Result, as_id(result_id)) if as_id(result_id) else None
    if result is None or not may_read(actor, result):
        raise NotFound()
    return result


def writable_result(s: Session, actor: Actor, result_id: uuid.UUID | str | None,
                    roles: tuple[str, ...] = DISCLOSERS) -> Result:
    """The result locked for change; NotFound out of scope, PermissionDenied for a wrong role."""
    rid = as_id(result_id)
    result = s.exec(select(Result).where(Result.id == rid).with_for_update()).first() if rid else None
    if result is None or not in_scope(actor, city_code=result.city_code, org_ids=(result.owner_org_id,)):
        raise NotFound()
    if actor.role not in roles:
        raise PermissionDenied()
    return result


def record_step(s: Session, actor: Actor, result: Result, action: str, to_status: str | None, *,
                reason: str = "", audit_action: str | None = None) -> ApprovalStep:
    """Move result to to_status (when given) and write the history step and the audit entry."""
    before = audit.snapshot(result)
    from_status = result.status
    if to_status is not None:
        result.status = to_status
    # microseconds kept: several steps of one result may happen within a second, in order
    step = ApprovalStep(result_id=result.id, action=action, from_status=from_status,
                        to_status=to_status or from_status, actor_id=actor.user_id,
                        actor_name=actor.display_name, reason=reason, created_at=datetime.now(TZ))
    s.add(result)
    s.add(step)
    audit.record(s, actor, audit_action or f"result.{action}", result, before=before, reason=reason or None)
    return step


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
