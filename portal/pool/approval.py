"""安心屋: submit → approve / return → public notice → listed, objections, withdrawal.

Who may take each step, and from which status, is `rules.RESULT` (and `rules.OBJECTION`).

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

from db.engine import read_session
from db.models import ApprovalStep, Objection, Organization, PublicNotice, Result
from db.models.enums import ObjectionStatus, ResultStatus
from portal.core import idempotency, validation
from portal.core.actor import SYSTEM, Actor
from portal.core.audit import audited_add, audited_change
from portal.core.clock import now
from portal.core.clock import today as clock_today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.policy import current_policy
from portal.core.scope import as_id
from portal.core.service import reader, service
from portal.core.workflow import Columns
from portal.pool.common import COLUMNS, notify_search, readable_result, result_for, step, take
from portal.pool.rules import OBJECTION, RESULT

OPEN_NOTICE = ("running", "paused")
NOTICE_COLUMNS = Columns(city=PublicNotice.city_code, orgs=(Result.owner_org_id,))
OBJECTION_COLUMNS = Columns(city=Objection.city_code, orgs=(Result.owner_org_id,), status=Objection.status)


def _reason(value: str | None, field: str = "pool_reason", *, required: bool = True) -> str:
    return validation.text(value, field=field, max_length=1000, required=required)


def _notice_of(s: Session, result: Result) -> PublicNotice | None:
    return s.exec(select(PublicNotice).where(PublicNotice.result_id == result.id)
                  .order_by(PublicNotice.created_at.desc(), PublicNotice.start_date.desc())
                  .with_for_update()).first()


def _close_notice(s: Session, actor: Actor, notice: PublicNotice | None, reason: str) -> None:
    """Withdraw a running or paused notice (its result is being withdrawn)."""
    if notice is not None and notice.state in OPEN_NOTICE:
        with audited_change(s, actor, "notice.withdraw", notice, reason=reason):
            notice.state = "withdrawn"


@service(RESULT, "submit")
def submit_result(s: Session, *, actor: Actor, result_id: uuid.UUID | str) -> Result:
    """Send a draft (or a returned / withdrawn result) to the institution for approval."""
    return take(s, actor, "submit", result_for(s, actor, "submit", result_id))


@service(RESULT, "approve")
def approve_result(s: Session, *, actor: Actor, result_id: uuid.UUID | str, reason: str = "") -> Result:
    """The institution approves a submitted result for public notice."""
    clean = _reason(reason, required=False)
    return take(s, actor, "approve", result_for(s, actor, "approve", result_id), reason=clean)


@service(RESULT, "return")
def return_result(s: Session, *, actor: Actor, result_id: uuid.UUID | str, reason: str) -> Result:
    """The institution sends a submitted result back with a reason."""
    clean = _reason(reason)
    return take(s, actor, "return", result_for(s, actor, "return", result_id), reason=clean)


@service(RESULT, "start_notice")
def start_notice(s: Session, *, actor: Actor, result_id: uuid.UUID | str, today: date | None = None) -> PublicNotice:
    """The city's staff publish an approved result for the city's notice period (公示)."""
    day = today or clock_today()
    result = result_for(s, actor, "start_notice", result_id)
    days = current_policy(result.city_code, session=s).notice_days
    notice = PublicNotice(result_id=result.id, city_code=result.city_code, days=days, start_date=day,
                          end_date=day + timedelta(days=days), state="running")
    take(s, actor, "start_notice", result, history="notice",
         reason=f"{day.isoformat()} → {notice.end_date.isoformat()}")
    audited_add(s, actor, "notice.start", notice)
    return notice


@service(RESULT, "file_objection")
def file_objection(s: Session, *, actor: Actor, result_id: uuid.UUID | str, objector_name: str,
                   objector_contact: str, reason: str, today: date | None = None,
                   idempotency_key: str | None = None) -> Objection:
    """Record an objection to a result in notice; the notice pauses and keeps its remaining days.
    The same idempotency_key again returns the objection already filed."""
    day = today or clock_today()
    name = validation.text(objector_name, field="pool_objector_name", max_length=80)
    contact = validation.text(objector_contact, field="pool_objector_contact", max_length=80)
    clean = _reason(reason, "pool_objection_reason")
    result = result_for(s, actor, "file_objection", result_id)

    def make() -> Objection:
        notice = _notice_of(s, result)
        if notice is None or notice.state not in OPEN_NOTICE:
            raise ValidationError("pool.error.bad_transition", status=result.status)
        if notice.state == "running":
            if day >= notice.end_date:
                raise ValidationError("pool.error.notice_over", end=notice.end_date.isoformat())
            if day < notice.start_date:
                raise ValidationError("pool.error.notice_not_started", start=notice.start_date.isoformat())
            with audited_change(s, actor, "notice.pause", notice, reason=clean):
                notice.state, notice.paused_on = "paused", day
                notice.remaining_days = (notice.end_date - day).days
        objection = audited_add(s, actor, "objection.file", Objection(
            result_id=result.id, notice_id=notice.id, city_code=result.city_code, objector_name=name,
            objector_contact=contact, reason=clean), reason=clean)
        take(s, actor, "file_objection", result, history="object", reason=f"{name}：{clean}")
        return objection

    return idempotency.once(s, actor, idempotency_key, "objection.file", Objection, make)


@service(OBJECTION, "resolve")
def resolve_objection(s: Session, *, actor: Actor, objection_id: uuid.UUID | str, upheld: bool, resolution: str,
                      today: date | None = None) -> Objection:
    """Uphold (the result is withdrawn) or dismiss (the notice resumes when no objection is left open)."""
    day = today or clock_today()
    clean = _reason(resolution, "pool_resolution")
    oid = as_id(objection_id)
    objection = s.exec(select(Objection).where(Objection.id == oid).with_for_update()).first() if oid else None
    if objection is None or objection.result_id is None:
        raise NotFound()  # contract objections are the contracts' business
    result = s.exec(select(Result).where(Result.id == objection.result_id).with_for_update()).one()
    OBJECTION.require(actor, "resolve", _as_row(objection, result))
    decision = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    with OBJECTION.move(s, actor, "resolve", objection, reason=clean,
                        audit_action="objection.uphold" if upheld else "objection.dismiss"):
        objection.status = decision
        objection.resolved_by, objection.resolved_at, objection.resolution = actor.user_id, now(), clean
    notice = s.get(PublicNotice, objection.notice_id) if objection.notice_id else None
    if upheld:
        _close_notice(s, actor, notice, clean)
        if RESULT.may(actor, "withdraw", result):  # the city's staff may withdraw: only the status decides
            take(s, actor, "withdraw", result, reason=clean)
            notify_search(s, result)
        return objection
    still_open = s.exec(select(func.count()).select_from(Objection).where(
        Objection.notice_id == objection.notice_id, Objection.status == ObjectionStatus.OPEN)).one()
    if notice is not None and notice.state == "paused" and not still_open:
        with audited_change(s, actor, "notice.resume", notice, reason=clean):
            notice.end_date = day + timedelta(days=notice.remaining_days or 0)
            notice.state, notice.paused_on, notice.remaining_days = "running", None, None
        if RESULT.may(actor, "resume", result):
            take(s, actor, "resume", result, reason=clean)
    return objection


@service(RESULT, "withdraw")
def withdraw_result(s: Session, *, actor: Actor, result_id: uuid.UUID | str, reason: str) -> Result:
    """Take a result out of the pool (or out of the approval flow) with a reason."""
    clean = _reason(reason)
    result = result_for(s, actor, "withdraw", result_id)
    was_listed = result.status == ResultStatus.LISTED
    _close_notice(s, actor, _notice_of(s, result), clean)
    take(s, actor, "withdraw", result, reason=clean)
    if was_listed:
        notify_search(s, result)
    return result


@service(RESULT, "list")
def advance_notices(s: Session, today: date | None = None, *, actor: Actor = SYSTEM) -> int:
    """List every result whose notice has run its days by today; returns how many were listed.

    Idempotent: an ended notice is marked 'ended', so a second run finds nothing to do.
    """
    if not RESULT.may(actor, "list"):
        raise PermissionDenied()
    day = today or clock_today()
    listed = 0
    due = s.exec(select(PublicNotice).where(PublicNotice.state == "running", PublicNotice.end_date <= day)
                 .order_by(PublicNotice.end_date).with_for_update()).all()
    for notice in due:
        result = s.get(Result, notice.result_id)
        with audited_change(s, actor, "notice.end", notice):
            notice.state = "ended"
        if result is not None and RESULT.may(actor, "list", result):
            with step(s, actor, "list", result, reason=notice.end_date.isoformat()):
                result.listed_at = now()
            notify_search(s, result)
            listed += 1
    return listed


def advance_notices_if_due(today: date | None = None) -> int:
    """advance_notices, but only opening a write transaction when some notice has run out (pages call it)."""
    day = today or clock_today()
    with read_session() as s:
        due = s.exec(select(PublicNotice.id).where(PublicNotice.state == "running",
                                                   PublicNotice.end_date <= day).limit(1)).first()
    return advance_notices(day) if due is not None else 0


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

    @property
    def open(self) -> bool:
        """Running or paused: the result is still on notice."""
        return self.state in OPEN_NOTICE


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


def latest_notice(s: Session, result: Result) -> PublicNotice | None:
    """The result's most recent notice (None before its first)."""
    return s.exec(select(PublicNotice).where(PublicNotice.result_id == result.id)
                  .order_by(PublicNotice.created_at.desc())).first()


@reader(RESULT)
def current_notice(*, actor: Actor, result_id: uuid.UUID | str, today: date | None = None) -> NoticeView | None:
    """The result's latest notice with its countdown."""
    with read_session() as s:
        notice = latest_notice(s, readable_result(s, actor, result_id))
    return notice_view(notice, today or clock_today())


@dataclass(frozen=True)
class QueueRow:
    """A result waiting in one of the desk's queues."""

    result_id: uuid.UUID
    number: str
    title: str
    owner: str
    status: str
    updated_at: datetime
    city_code: str
    owner_org_id: uuid.UUID
    days_left: int | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class ObjectionRow:
    """An objection to a result, with the result's city and owner (whose officer reads it)."""

    id: uuid.UUID
    result_id: uuid.UUID
    title: str
    objector_name: str
    objector_contact: str
    reason: str
    status: str
    created_at: datetime
    resolution: str
    city_code: str
    owner_org_id: uuid.UUID

    @property
    def pending(self) -> bool:
        """Still open: nobody has decided it yet."""
        return self.status == ObjectionStatus.OPEN


RESULT.govern(QueueRow)
OBJECTION.govern(ObjectionRow)


def _as_row(o: Objection, result: Result) -> ObjectionRow:
    return ObjectionRow(o.id, result.id, result.title, o.objector_name, o.objector_contact, o.reason, o.status,
                        o.created_at, o.resolution, o.city_code, result.owner_org_id)


def _objection_select():  # noqa: ANN202
    return (select(Objection.id, Objection.result_id, Result.title, Objection.objector_name,
                   Objection.objector_contact, Objection.reason, Objection.status, Objection.created_at,
                   Objection.resolution, Objection.city_code, Result.owner_org_id)
            .join(Result, Result.id == Objection.result_id))


@dataclass
class Desk:
    """What the 安心屋 queue shows the actor: the oldest rows of each queue and each queue's size."""

    to_approve: list[QueueRow]
    to_notice: list[QueueRow]
    in_notice: list[QueueRow]
    objections: list[ObjectionRow]
    totals: dict[str, int] = field(default_factory=dict)  # queue name → rows waiting (shown or not)


_QUEUE = (Result.id, Result.number, Result.title, Organization.name, Result.status, Result.updated_at,
          Result.city_code, Result.owner_org_id)


@reader(RESULT, "oversee")
def desk(*, actor: Actor, today: date | None = None, limit: int = 100) -> Desk:
    """Results awaiting the institution, awaiting notice, in notice (running or paused, with
    countdown), and open objections: the `limit` oldest of each, and how many wait in all."""
    day = today or clock_today()
    waiting = (ResultStatus.SUBMITTED, ResultStatus.APPROVED)
    base = RESULT.scope_filter(select(*_QUEUE).join(Organization, Organization.id == Result.owner_org_id),
                               actor, COLUMNS, "oversee")
    per_status = RESULT.scope_filter(select(Result.status, func.count()).where(Result.status.in_(waiting)),
                                     actor, COLUMNS, "oversee")
    # notices by end date (ids only, scoped on the notice's own city), then their rows
    open_notices = RESULT.scope_filter(
        select(PublicNotice.id, PublicNotice.end_date).join(Result, Result.id == PublicNotice.result_id)
        .where(PublicNotice.state.in_(OPEN_NOTICE)), actor, NOTICE_COLUMNS, "oversee")
    obj = OBJECTION.scope_filter(_objection_select().where(Objection.status == ObjectionStatus.OPEN), actor,
                                 OBJECTION_COLUMNS)
    with read_session() as s:
        def rows(status: str) -> list[QueueRow]:  # oldest first: ix_result_(city_)status_updated
            stmt = base.where(Result.status == status).order_by(Result.updated_at).limit(limit)
            return [QueueRow(*r) for r in s.exec(stmt).all()]

        counts = dict(s.exec(per_status.group_by(Result.status)).all())
        first = [i for i, _ in s.exec(open_notices.order_by(PublicNotice.end_date, PublicNotice.id).limit(limit))]
        in_notice = []
        for *head, notice in s.exec(
                select(*_QUEUE, PublicNotice)
                .join(Organization, Organization.id == Result.owner_org_id)
                .join(PublicNotice, PublicNotice.result_id == Result.id)
                .where(PublicNotice.id.in_(first)).order_by(PublicNotice.end_date, PublicNotice.id)).all():
            view = notice_view(notice, day)
            in_notice.append(QueueRow(*head, days_left=view.days_left, end_date=notice.end_date))
        n_notice = s.exec(select(func.count()).select_from(open_notices.subquery())).one() \
            if len(first) == limit else len(first)
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


@reader(RESULT)
def history(*, actor: Actor, result_id: uuid.UUID | str) -> list[StepRow]:
    """Every step of a result: who, when, what and why."""
    with read_session() as s:
        result = readable_result(s, actor, result_id)
        steps = s.exec(select(ApprovalStep).where(ApprovalStep.result_id == result.id)
                       .order_by(ApprovalStep.created_at, ApprovalStep.id)).all()
    return [StepRow(st.created_at, st.action, st.from_status, st.to_status, st.actor_name, st.reason)
            for st in steps]


@reader(OBJECTION)
def objections_of(*, actor: Actor, result_id: uuid.UUID | str) -> list[ObjectionRow]:
    """All objections to a result (open and resolved) the actor may read; none for those who
    only see the listed result."""
    with read_session() as s:
        result = readable_result(s, actor, result_id)
        if not OBJECTION.may(actor, "read"):
            return []
        stmt = OBJECTION.scope_filter(_objection_select().where(Objection.result_id == result.id), actor,
                                      OBJECTION_COLUMNS)
        return [ObjectionRow(*r) for r in s.exec(stmt.order_by(Objection.created_at)).all()]
