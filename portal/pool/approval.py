"""安心屋: submit → approve / return → public notice → listed, objections, withdrawal.

The notice arithmetic: a notice of N days started on day S ends (and the result is listed) on
S + N. An objection on day P pauses it with `remaining_days = end_date − P`; dismissing the last
open objection on day D resumes it with `end_date = D + remaining_days`. Listing is done only by
`advance_notices(today)`, which the pages and `portal tick` call; a second run changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import read_session, transaction
from db.models import ApprovalStep, Objection, Organization, PublicNotice, Result
from db.models.enums import ObjectionStatus, ResultStatus, Role
from portal.core import audit, validation
from portal.core.actor import SYSTEM, Actor
from portal.core.clock import now
from portal.core.clock import today as clock_today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.policy import current_policy
from portal.core.scope import as_id, filter_scope, in_scope
from portal.pool.common import (
    DISCLOSERS,
    OPERATORS,
    UNLISTED_READERS,
    notify_search,
    readable_result,
    record_step,
    writable_result,
)

APPROVERS = (Role.INSTITUTION_OFFICER, Role.PROVINCE_ADMIN)  # the institution's own decision
SUBMITTABLE = (ResultStatus.DRAFT, ResultStatus.RETURNED, ResultStatus.WITHDRAWN)
WITHDRAWABLE = (ResultStatus.SUBMITTED, ResultStatus.APPROVED, ResultStatus.NOTICE, ResultStatus.PAUSED,
                ResultStatus.LISTED)


def _reason(value: str | None, field: str = "pool_reason") -> str:
    return validation.text(value, field=field, max_length=1000)


def _require_status(result: Result, *allowed: str) -> None:
    if result.status not in allowed:
        raise ValidationError("pool.error.bad_transition", status=result.status)


def _notice_of(s: Session, result: Result) -> PublicNotice | None:
    return s.exec(select(PublicNotice).where(PublicNotice.result_id == result.id)
                  .order_by(PublicNotice.created_at.desc(), PublicNotice.start_date.desc())
                  .with_for_update()).first()


def submit_result(*, actor: Actor, result_id: uuid.UUID | str) -> Result:
    """Send a draft (or a returned / withdrawn result) to the institution for approval."""
    with transaction() as s:
        result = writable_result(s, actor, result_id, DISCLOSERS)
        _require_status(result, *SUBMITTABLE)
        record_step(s, actor, result, "submit", ResultStatus.SUBMITTED)
    return result


def approve_result(*, actor: Actor, result_id: uuid.UUID | str, reason: str = "") -> Result:
    """The institution approves a submitted result for public notice."""
    with transaction() as s:
        result = writable_result(s, actor, result_id, APPROVERS)
        _require_status(result, ResultStatus.SUBMITTED)
        record_step(s, actor, result, "approve", ResultStatus.APPROVED,
                    reason=validation.text(reason, field="pool_reason", max_length=1000, required=False))
    return result


def return_result(*, actor: Actor, result_id: uuid.UUID | str, reason: str) -> Result:
    """The institution sends a submitted result back with a reason."""
    clean = _reason(reason)
    with transaction() as s:
        result = writable_result(s, actor, result_id, APPROVERS)
        _require_status(result, ResultStatus.SUBMITTED)
        record_step(s, actor, result, "return", ResultStatus.RETURNED, reason=clean)
    return result


def start_notice(*, actor: Actor, result_id: uuid.UUID | str, today: date | None = None) -> PublicNotice:
    """The city's operator publishes an approved result for the city's notice period (公示)."""
    day = today or clock_today()
    with transaction() as s:
        result = writable_result(s, actor, result_id, OPERATORS)
        _require_status(result, ResultStatus.APPROVED)
        days = current_policy(result.city_code, session=s).notice_days
        notice = PublicNotice(result_id=result.id, city_code=result.city_code, days=days, start_date=day,
                              end_date=day + timedelta(days=days), state="running")
        s.add(notice)
        record_step(s, actor, result, "notice", ResultStatus.NOTICE,
                    reason=f"{day.isoformat()} → {notice.end_date.isoformat()}")
        audit.record(s, actor, "notice.start", notice)
    return notice


def file_objection(*, actor: Actor, result_id: uuid.UUID | str, objector_name: str, objector_contact: str,
                   reason: str, today: date | None = None) -> Objection:
    """Record an objection to a result in notice; the notice pauses and keeps its remaining days."""
    day = today or clock_today()
    name = validation.text(objector_name, field="pool_objector_name", max_length=80)
    contact = validation.text(objector_contact, field="pool_objector_contact", max_length=80)
    clean = _reason(reason, "pool_objection_reason")
    with transaction() as s:
        result = writable_result(s, actor, result_id, OPERATORS)
        _require_status(result, ResultStatus.NOTICE, ResultStatus.PAUSED)
        notice = _notice_of(s, result)
        if notice is None or notice.state not in ("running", "paused"):
            raise ValidationError("pool.error.bad_transition", status=result.status)
        if notice.state == "running":
            if day >= notice.end_date:
                raise ValidationError("pool.error.notice_over", end=notice.end_date.isoformat())
            if day < notice.start_date:
                raise ValidationError("pool.error.notice_not_started", start=notice.start_date.isoformat())
            before = audit.snapshot(notice)
            notice.state, notice.paused_on = "paused", day
            notice.remaining_days = (notice.end_date - day).days
            s.add(notice)
            audit.record(s, actor, "notice.pause", notice, before=before, reason=clean)
        objection = Objection(result_id=result.id, notice_id=notice.id, city_code=result.city_code,
                              objector_name=name, objector_contact=contact, reason=clean)
        s.add(objection)
        audit.record(s, actor, "objection.file", objection, reason=clean)
        record_step(s, actor, result, "object", ResultStatus.PAUSED, reason=f"{name}：{clean}")
    return objection


def resolve_objection(*, actor: Actor, objection_id: uuid.UUID | str, upheld: bool, resolution: str,
                      today: date | None = None) -> Objection:
    """Uphold (the result is withdrawn) or dismiss (the notice resumes when no objection is left open)."""
    day = today or clock_today()
    clean = _reason(resolution, "pool_resolution")
    with transaction() as s:
        oid = as_id(objection_id)
        objection = s.exec(select(Objection).where(Objection.id == oid).with_for_update()).first() if oid else None
        if objection is None or objection.result_id is None or not in_scope(actor, city_code=objection.city_code):
            raise NotFound()
        result = writable_result(s, actor, objection.result_id, OPERATORS)
        if objection.status != ObjectionStatus.OPEN:
            raise ValidationError("pool.error.objection_closed")
        before = audit.snapshot(objection)
        objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        objection.resolved_by, objection.resolved_at, objection.resolution = actor.user_id, now(), clean
        s.add(objection)
        s.flush()
        audit.record(s, actor, "objection.uphold" if upheld else "objection.dismiss", objection,
                     before=before, reason=clean)
        notice = s.get(PublicNotice, objection.notice_id) if objection.notice_id else None
        if upheld:
            if notice is not None and notice.state in ("running", "paused"):
                before_n = audit.snapshot(notice)
                notice.state = "withdrawn"
                s.add(notice)
                audit.record(s, actor, "notice.withdraw", notice, before=before_n, reason=clean)
            if result.status in WITHDRAWABLE:
                record_step(s, actor, result, "withdraw", ResultStatus.WITHDRAWN, reason=clean)
                notify_search(s, result)
            return objection
        still_open = s.exec(select(func.count()).select_from(Objection).where(
            Objection.notice_id == objection.notice_id, Objection.status == ObjectionStatus.OPEN)).one()
        if notice is not None and notice.state == "paused" and not still_open:
            before_n = audit.snapshot(notice)
            notice.end_date = day + timedelta(days=notice.remaining_days or 0)
            notice.state, notice.paused_on, notice.remaining_days = "running", None, None
            s.add(notice)
            audit.record(s, actor, "notice.resume", notice, before=before_n, reason=clean)
            record_step(s, actor, result, "resume", ResultStatus.NOTICE, reason=clean)
    return objection


def withdraw_result(*, actor: Actor, result_id: uuid.UUID | str, reason: str) -> Result:
    """Take a result out of the pool (or out of the approval flow) with a reason."""
    clean = _reason(reason)
    with transaction() as s:
        result = writable_result(s, actor, result_id, DISCLOSERS)
        _require_status(result, *WITHDRAWABLE)
        notice = _notice_of(s, result)
        if notice is not None and notice.state in ("running", "paused"):
            before = audit.snapshot(notice)
            notice.state = "withdrawn"
            s.add(notice)
            audit.record(s, actor, "notice.withdraw", notice, before=before, reason=clean)
        was_listed = result.status == ResultStatus.LISTED
        record_step(s, actor, result, "withdraw", ResultStatus.WITHDRAWN, reason=clean)
        if was_listed:
            notify_search(s, result)
    return result


def advance_notices(today: date | None = None, *, actor: Actor = SYSTEM) -> int:
    """List every result whose notice has run its days by today; returns how many were listed.

    Idempotent: an ended notice is marked 'ended', so a second run finds nothing to do.
    """
    day = today or clock_today()
    listed = 0
    with transaction() as s:
        due = s.exec(select(PublicNotice).where(PublicNotice.state == "running", PublicNotice.end_date <= day)
                     .order_by(PublicNotice.end_date).with_for_update()).all()
        for notice in due:
            result = s.get(Result, notice.result_id)
            before = audit.snapshot(notice)
            notice.state = "ended"
            s.add(notice)
            audit.record(s, actor, "notice.end", notice, before=before)
            if result is not None and result.status == ResultStatus.NOTICE:
                result.listed_at = now()
                record_step(s, actor, result, "list", ResultStatus.LISTED,
                            reason=notice.end_date.isoformat())
                notify_search(s, result)
                listed += 1
    return listed


# --- reading the desk ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NoticeView:
    """A notice as its result page shows it: days left counts down, or is frozen while paused."""

    id: uuid.UUID
    state: str
    days: int
    start_date: date
    end_date: date
    days_left: int
    paused_on: date | None


def notice_view(notice: PublicNotice | None, day: date) -> NoticeView | None:
    if notice is None:
        return None
    if notice.state == "paused":
        left = notice.remaining_days or 0
    elif notice.state == "running":
        left = max(0, (notice.end_date - day).days)
    else:
        left = 0
    return NoticeView(notice.id, notice.state, notice.days, notice.start_date, notice.end_date, left,
                      notice.paused_on)


def current_notice(*, actor: Actor, result_id: uuid.UUID | str, today: date | None = None) -> NoticeView | None:
    """The result's latest notice with its countdown."""
    with read_session() as s:
        result = readable_result(s, actor, result_id)
        notice = s.exec(select(PublicNotice).where(PublicNotice.result_id == result.id)
                        .order_by(PublicNotice.created_at.desc())).first()
    return notice_view(notice, today or clock_today())


@dataclass(frozen=True)
class QueueRow:
    result_id: uuid.UUID
    number: str
    title: str
    owner: str
    status: str
    updated_at: datetime
    days_left: int | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class ObjectionRow:
    id: uuid.UUID
    result_id: uuid.UUID
    title: str
    objector_name: str
    objector_contact: str
    reason: str
    status: str
    created_at: datetime
    resolution: str


@dataclass
class Desk:
    """What the 安心屋 queue shows the actor: the oldest rows of each queue and each queue's size."""

    to_approve: list[QueueRow]
    to_notice: list[QueueRow]
    in_notice: list[QueueRow]
    objections: list[ObjectionRow]
    totals: dict[str, int] = field(default_factory=dict)  # queue name → rows waiting (shown or not)


def desk(*, actor: Actor, today: date | None = None, limit: int = 100) -> Desk:
    """Results awaiting the institution, awaiting notice, in notice (with countdown), and open
    objections: the `limit` oldest of each, and how many wait in all."""
    if actor.role not in UNLISTED_READERS:
        raise PermissionDenied()
    day = today or clock_today()
    waiting = (ResultStatus.SUBMITTED, ResultStatus.APPROVED)
    with read_session() as s:
        base = select(Result.id, Result.number, Result.title, Organization.name, Result.status,
                      Result.updated_at).join(Organization, Organization.id == Result.owner_org_id)
        base = filter_scope(base, actor, city_col=Result.city_code, org_cols=(Result.owner_org_id,))

        def rows(status: str) -> list[QueueRow]:  # oldest first: ix_result_(city_)status_updated
            stmt = base.where(Result.status == status).order_by(Result.updated_at).limit(limit)
            return [QueueRow(*r) for r in s.exec(stmt).all()]

        per_status = filter_scope(select(Result.status, func.count()).where(Result.status.in_(waiting)), actor,
                                  city_col=Result.city_code, org_cols=(Result.owner_org_id,))
        counts = dict(s.exec(per_status.group_by(Result.status)).all())

        # the page's notices by end date first (ids only, scoped on the notice's own city), then their rows
        open_notices = filter_scope(
            select(PublicNotice.id, PublicNotice.end_date).join(Result, Result.id == PublicNotice.result_id)
            .where(PublicNotice.state.in_(("running", "paused"))),
            actor, city_col=PublicNotice.city_code, org_cols=(Result.owner_org_id,))
        first = [i for i, _ in s.exec(open_notices.order_by(PublicNotice.end_date, PublicNotice.id).limit(limit))]
        in_notice = []
        for *head, notice in s.exec(
                select(Result.id, Result.number, Result.title, Organization.name, Result.status, Result.updated_at,
                       PublicNotice)
                .join(Organization, Organization.id == Result.owner_org_id)
                .join(PublicNotice, PublicNotice.result_id == Result.id)
                .where(PublicNotice.id.in_(first)).order_by(PublicNotice.end_date, PublicNotice.id)).all():
            view = notice_view(notice, day)
            in_notice.append(QueueRow(*head, days_left=view.days_left, end_date=notice.end_date))
        n_notice = s.exec(select(func.count()).select_from(open_notices.subquery())).one() if len(first) == limit \
            else len(first)
        obj = select(Objection.id, Objection.result_id, Result.title, Objection.objector_name,
                     Objection.objector_contact, Objection.reason, Objection.status, Objection.created_at,
                     Objection.resolution).join(Result, Result.id == Objection.result_id).where(
            Objection.status == ObjectionStatus.OPEN)
        obj = filter_scope(obj, actor, city_col=Objection.city_code, org_cols=(Result.owner_org_id,))
        objections = [ObjectionRow(*r) for r in s.exec(obj.order_by(Objection.created_at).limit(limit)).all()]
        n_objections = s.exec(select(func.count()).select_from(obj.subquery())).one()
        totals = {"to_approve": counts.get(ResultStatus.SUBMITTED, 0), "to_notice": counts.get(ResultStatus.APPROVED, 0),
                  "in_notice": int(n_notice), "objections": int(n_objections)}
        return Desk(rows(ResultStatus.SUBMITTED), rows(ResultStatus.APPROVED), in_notice, objections, totals)


@dataclass(frozen=True)
class StepRow:
    at: datetime
    action: str
    from_status: str | None
    to_status: str | None
    actor_name: str
    reason: str


def history(*, actor: Actor, result_id: uuid.UUID | str) -> list[StepRow]:
    """Every step of a result: who, when, what and why."""
    with read_session() as s:
        result = readable_result(s, actor, result_id)
        steps = s.exec(select(ApprovalStep).where(ApprovalStep.result_id == result.id)
                       .order_by(ApprovalStep.created_at, ApprovalStep.id)).all()
    return [StepRow(st.created_at, st.action, st.from_status, st.to_status, st.actor_name, st.reason)
            for st in steps]


def objections_of(*, actor: Actor, result_id: uuid.UUID | str) -> list[ObjectionRow]:
    """All objections to a result (open and resolved), for those who may see unlisted data."""
    with read_session() as s:
        result = readable_result(s, actor, result_id)
        if actor.role not in UNLISTED_READERS or not in_scope(
                actor, city_code=result.city_code, org_ids=(result.owner_org_id,)):
            return []
        rows = s.exec(select(Objection.id, Objection.result_id, Result.title, Objection.objector_name,
                             Objection.objector_contact, Objection.reason, Objection.status,
                             Objection.created_at, Objection.resolution)
                      .join(Result, Result.id == Objection.result_id)
                      .where(Objection.result_id == result.id).order_by(Objection.created_at)).all()
    return [ObjectionRow(*r) for r in rows]


def advance_notices_if_due(today: date | None = None) -> int:
    """advance_notices, but only opening a write transaction when some notice has run out (pages call it)."""
    day = today or clock_today()
    with read_session() as s:
        due = s.exec(select(PublicNotice.id).where(PublicNotice.state == "running",
                                                   PublicNotice.end_date <= day).limit(1)).first()
    return advance_notices(day) if due is not None else 0
