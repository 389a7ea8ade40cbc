"""Pilot bookings: requested → confirmed → in progress → done, or cancelled with a reason.

A booking never pushes a resource over its capacity on any day (rules in `capacity`); the
allowed moves live in `ALLOWED` only. When a booking is done the result's record shows it
(`Result.last_pilot_on` and a `pilot_done` history step) and its TRL may be raised with a reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_
from sqlmodel import Session, select

from db.engine import read_session, transaction
from db.models import (
    ApprovalStep,
    Attachment,
    Match,
    Organization,
    PilotBooking,
    PilotPlatform,
    PilotResource,
    Result,
    UserAccount,
)
from db.models.enums import BookingStatus, MatchStage, OrgKind, ResultStatus, Role
from portal.core import audit, numbering, validation
from portal.core.actor import Actor
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.scope import filter_scope, in_scope
from portal.hub import matches
from portal.pilot import capacity as cap
from portal.pilot.platforms import may_manage
from portal.pool.common import notify_search
from portal.scoring import points

ALLOWED: dict[str, tuple[str, ...]] = {
    BookingStatus.REQUESTED: (BookingStatus.CONFIRMED, BookingStatus.CANCELLED),
    BookingStatus.CONFIRMED: (BookingStatus.IN_PROGRESS, BookingStatus.CANCELLED),
    BookingStatus.IN_PROGRESS: (BookingStatus.DONE, BookingStatus.CANCELLED),
    BookingStatus.DONE: (),
    BookingStatus.CANCELLED: (),
}
MAX_DAYS = cap.MAX_SPAN_DAYS
MAX_REPORT_BYTES = 20 * 1024 * 1024
MAX_CLASHES_NAMED = 5
BOOKABLE_RESULT_STATUSES = (ResultStatus.APPROVED, ResultStatus.NOTICE, ResultStatus.PAUSED, ResultStatus.LISTED)


@dataclass(frozen=True)
class BookingRow:
    """A booking as lists and the calendar show it."""

    id: uuid.UUID
    reference: str
    platform_id: uuid.UUID
    platform_name: str
    resource_id: uuid.UUID
    resource_name: str
    city_code: str
    enterprise_name: str
    result_id: uuid.UUID
    result_title: str
    start_date: date
    end_date: date
    status: str
    outcome: str
    cancel_reason: str
    finished_on: date | None
    report_attachment_id: uuid.UUID | None
    price_per_day: Decimal

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def cost(self) -> Decimal:
        """Price per day times the booked days (what the enterprise would pay the platform)."""
        return self.price_per_day * self.days

    @property
    def ref(self) -> str:
        """The reference users quote (ZSYY-3301-2026-0001)."""
        return self.reference


# --- reading -------------------------------------------------------------------------------------

def _can_read_bookings(actor: Actor) -> bool:
    return actor.role != Role.PRESENTER  # presenters see only published roadshow cards


def _readable(actor: Actor, booking: PilotBooking | None) -> PilotBooking:
    if booking is None or not _can_read_bookings(actor) or not in_scope(
            actor, city_code=booking.city_code, org_ids=(booking.enterprise_org_id,)):
        raise NotFound()
    return booking


def _row_select():  # noqa: ANN202
    return (select(PilotBooking, PilotPlatform.name, PilotResource.name, Organization.name, Result.title,
                   PilotResource.price_per_day)
            .join(PilotPlatform, PilotPlatform.id == PilotBooking.platform_id)
            .join(PilotResource, PilotResource.id == PilotBooking.resource_id)
            .join(Organization, Organization.id == PilotBooking.enterprise_org_id)
            .join(Result, Result.id == PilotBooking.result_id))


def _to_row(row) -> BookingRow:  # noqa: ANN001
    b, platform, resource, enterprise, title, price = row
    return BookingRow(b.id, b.reference, b.platform_id, platform, b.resource_id, resource, b.city_code, enterprise,
                      b.result_id, title, b.start_date, b.end_date, b.status, b.outcome, b.cancel_reason,
                      b.finished_on, b.report_attachment_id, price)


def list_bookings(*, actor: Actor, city_code: str | None = None, platform_id: uuid.UUID | None = None,
                  resource_id: uuid.UUID | None = None, status: str | None = None,
                  since: date | None = None, until: date | None = None, enterprise: str = "",
                  page: int = 1, page_size: int = 50) -> tuple[list[BookingRow], int]:
    """Bookings in the actor's scope whose range meets [since, until], newest start first, one page,
    and how many there are in all."""
    if not _can_read_bookings(actor):
        raise PermissionDenied()
    if status:
        validation.choice(status, BookingStatus, field="pilot_status")
    conds = []
    if city_code:
        conds.append(PilotBooking.city_code == city_code)
    if platform_id:
        conds.append(PilotBooking.platform_id == platform_id)
    if resource_id:
        conds.append(PilotBooking.resource_id == resource_id)
    if status:
        conds.append(PilotBooking.status == status)
    if since:
        conds.append(PilotBooking.end_date >= since)
        conds.append(PilotBooking.start_date >= cap.earliest_start(since))
    if until:
        conds.append(PilotBooking.start_date <= until)
    words = str(enterprise or "").strip()[:60]
    if words:
        conds.append(Organization.name.ilike(f"%{words}%"))
    page = max(1, int(page))
    page_size = max(1, min(int(page_size), 200))
    stmt = filter_scope(_row_select().where(*conds), actor, city_col=PilotBooking.city_code,
                        org_cols=(PilotBooking.enterprise_org_id,))
    count = select(func.count()).select_from(PilotBooking)
    if words:  # join only when the name filter needs it, so the count stays on an index
        count = count.join(Organization, Organization.id == PilotBooking.enterprise_org_id)
    count = filter_scope(count.where(*conds), actor, city_col=PilotBooking.city_code,
                         org_cols=(PilotBooking.enterprise_org_id,))
    with read_session() as s:
        total = s.exec(count).one()
        rows = s.exec(stmt.order_by(PilotBooking.start_date.desc(), PilotBooking.id)
                      .offset((page - 1) * page_size).limit(page_size)).all()
    return [_to_row(r) for r in rows], int(total)


def get_booking(*, actor: Actor, booking_id: uuid.UUID) -> BookingRow:
    """One booking in the actor's scope."""
    with read_session() as s:
        row = s.exec(_row_select().where(PilotBooking.id == booking_id)).first() if booking_id else None
        _readable(actor, row[0] if row else None)
    return _to_row(row)


def get_report(*, actor: Actor, booking_id: uuid.UUID) -> Attachment:
    """The booking's report file."""
    with read_session() as s:
        booking = _readable(actor, s.get(PilotBooking, booking_id) if booking_id else None)
        report = s.get(Attachment, booking.report_attachment_id) if booking.report_attachment_id else None
        if report is None:
            raise NotFound()
    return report


def result_pilots(*, actor: Actor, result_id: uuid.UUID) -> list[BookingRow]:
    """Finished pilot tests of a result (date, platform, outcome), newest first: the result's record
    shows these. Anyone who may read the result's bookings, or the result's owner, sees them."""
    with read_session() as s:
        result = s.get(Result, result_id) if result_id else None
        if result is None:
            raise NotFound()
        stmt = _row_select().where(PilotBooking.result_id == result.id, PilotBooking.status == BookingStatus.DONE)
        owner = actor.organization_id is not None and actor.organization_id == result.owner_org_id
        if not owner and not actor.is_province:
            if not _can_read_bookings(actor):
                return []
            stmt = filter_scope(stmt, actor, city_col=PilotBooking.city_code,
                                org_cols=(PilotBooking.enterprise_org_id,))
        rows = s.exec(stmt.order_by(PilotBooking.finished_on.desc())).all()
    return [_to_row(r) for r in rows]


def _require_booker(actor: Actor) -> None:
    if actor.role not in (Role.CITY_OPERATOR, Role.PROVINCE_ADMIN):
        raise PermissionDenied()


@dataclass(frozen=True)
class Option:
    """An (id, label) choice for a form."""

    id: uuid.UUID
    label: str
    detail: str = ""


def enterprise_options(*, actor: Actor, query: str = "", limit: int = 50) -> list[Option]:
    """Enterprises whose name contains query (the operator's city first), for the booking form."""
    _require_booker(actor)
    words = str(query or "").strip()[:60]
    stmt = select(Organization.id, Organization.name, Organization.city_code).where(
        Organization.kind == OrgKind.ENTERPRISE)
    if words:
        stmt = stmt.where(or_(Organization.name.ilike(f"%{words}%"), Organization.credit_code == words.upper()))
    own_city_first = (Organization.city_code != (actor.city_code or "")).asc() if actor.city_code else None
    order = [c for c in (own_city_first, Organization.name) if c is not None]
    with read_session() as s:
        rows = s.exec(stmt.order_by(*order).limit(limit)).all()
    return [Option(i, n) for i, n, _ in rows]


def result_options(*, actor: Actor, query: str = "", limit: int = 50) -> list[Option]:
    """Results that may be pilot-tested whose title or number contains query, for the booking form:
    the latest changed first, the operator's city only until something is typed (walking the
    (city, updated_at) index stops after `limit` rows; sorting 200 k titles took 250 ms)."""
    _require_booker(actor)
    words = str(query or "").strip()[:60]
    stmt = select(Result.id, Result.title, Result.number).where(Result.status.in_(BOOKABLE_RESULT_STATUSES))
    if words:
        stmt = stmt.where(or_(Result.title.ilike(f"%{words}%"), Result.number.ilike(f"%{words}%")))
    elif actor.city_code:
        stmt = stmt.where(Result.city_code == actor.city_code)
    with read_session() as s:
        rows = s.exec(stmt.order_by(Result.updated_at.desc(), Result.id).limit(limit)).all()
    return [Option(i, f"{title}（{number}）") for i, title, number in rows]


def match_options(*, actor: Actor, enterprise_org_id: uuid.UUID | None,
                  result_id: uuid.UUID | None) -> list[Option]:
    """Open match records of the actor's city between this enterprise and this result."""
    _require_booker(actor)
    if not enterprise_org_id or not result_id:
        return []
    stmt = select(Match.id, Match.contact_date, Match.stage).where(
        Match.enterprise_org_id == enterprise_org_id, Match.result_id == result_id,
        Match.stage.not_in(("converted", "dropped")))
    stmt = filter_scope(stmt, actor, city_col=Match.city_code)
    with read_session() as s:
        rows = s.exec(stmt.order_by(Match.contact_date.desc()).limit(20)).all()
    return [Option(i, contact.isoformat(), stage) for i, contact, stage in rows]


def _advance_match(s: Session, actor: Actor, match: Match) -> None:
    """A booking moves its match to the pilot stage when that is a step forward."""
    matches.advance(s, actor, match, MatchStage.PILOT)


# --- booking -------------------------------------------------------------------------------------

def _clash_text(s: Session, clash: list[cap.Span]) -> str:
    bookings = {b.id: b for b in s.exec(select(PilotBooking).where(
        PilotBooking.id.in_([c.id for c in clash[:MAX_CLASHES_NAMED]]))).all()}
    names = dict(s.exec(select(Organization.id, Organization.name).where(
        Organization.id.in_({b.enterprise_org_id for b in bookings.values()}))).all())
    parts = [f"{bookings[c.id].reference} {names.get(bookings[c.id].enterprise_org_id, '')} "
             f"{c.start.isoformat()}~{c.end.isoformat()}" for c in clash[:MAX_CLASHES_NAMED]]
    if len(clash) > MAX_CLASHES_NAMED:
        parts.append(f"… +{len(clash) - MAX_CLASHES_NAMED}")
    return "; ".join(parts)


def _ensure_room(s: Session, resource: PilotResource, start: date, end: date, *,
                 exclude: uuid.UUID | None = None) -> None:
    """Refuse when one more booking of [start, end] would exceed resource's capacity on any day,
    naming the days and the bookings that hold them. The caller holds the resource's lock."""
    held = cap.spans_of(cap.holding_bookings(s, resource.id, start, end, exclude=exclude))
    full = cap.full_days(held, resource.capacity, start, end)
    if not full:
        return
    clash = cap.clashes(held, full)
    ranges = ", ".join(a.isoformat() if a == b else f"{a.isoformat()}~{b.isoformat()}"
                       for a, b in cap.day_ranges(full))
    raise ValidationError("pilot.error.over_capacity", field="pilot_dates", resource=resource.name,
                          capacity=resource.capacity, days=ranges, clashes=_clash_text(s, clash),
                          clash_ids=[c.id for c in clash], full_days=full)


def _range(start_date: date | str | None, end_date: date | str | None) -> tuple[date, date]:
    start = validation.a_date(start_date, field="pilot_start_date")
    end = validation.a_date(end_date, field="pilot_end_date")
    if end < start:
        raise ValidationError("pilot.error.end_before_start", field="pilot_end_date")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError("pilot.error.too_long", field="pilot_end_date", max=MAX_DAYS)
    return start, end


def book_pilot(*, actor: Actor, resource_id: uuid.UUID, enterprise_org_id: uuid.UUID, result_id: uuid.UUID,
               start_date: date | str, end_date: date | str, match_id: uuid.UUID | None = None) -> PilotBooking:
    """Request a resource for an enterprise and a result over [start_date, end_date] (inclusive).

    The resource row is locked before the days are counted, so concurrent requests for the last
    slot end with exactly one booking."""
    start, end = _range(start_date, end_date)
    if start < today():
        raise ValidationError("pilot.error.start_in_past", field="pilot_start_date")
    with transaction() as s:
        resource = cap.lock_resource(s, resource_id) if resource_id else None
        platform = s.get(PilotPlatform, resource.platform_id) if resource else None
        if resource is None or platform is None:
            raise ValidationError("error.required", field="pilot_resource")
        if not may_manage(actor, platform.city_code):
            raise PermissionDenied()
        enterprise = s.get(Organization, enterprise_org_id) if enterprise_org_id else None
        if enterprise is None or enterprise.kind != OrgKind.ENTERPRISE:
            raise ValidationError("pilot.error.not_enterprise", field="pilot_enterprise")
        result = s.get(Result, result_id) if result_id else None
        if result is None:
            raise ValidationError("error.required", field="pilot_result")
        if result.status not in BOOKABLE_RESULT_STATUSES:
            raise ValidationError("pilot.error.result_not_bookable", field="pilot_result")
        if match_id is not None:
            match = s.get(Match, match_id)
            if match is None or match.city_code != platform.city_code:
                raise ValidationError("pilot.error.bad_match", field="pilot_match")
            if match.result_id != result.id or match.enterprise_org_id != enterprise.id:
                raise ValidationError("pilot.error.match_other_parties", field="pilot_match")
        _ensure_room(s, resource, start, end)
        if match_id is not None:
            _advance_match(s, actor, match)
        booking = PilotBooking(reference=numbering.allocate(s, "booking", platform.city_code, today().year),
                               resource_id=resource.id, platform_id=platform.id, city_code=platform.city_code,
                               enterprise_org_id=enterprise.id, result_id=result.id, match_id=match_id,
                               start_date=start, end_date=end, status=BookingStatus.REQUESTED,
                               created_by=actor.user_id)
        s.add(booking)
        audit.record(s, actor, "pilot.book", booking)
    return booking


def reschedule_booking(*, actor: Actor, booking_id: uuid.UUID, start_date: date | str,
                       end_date: date | str) -> PilotBooking:
    """Move a requested or confirmed booking to new dates, within the resource's capacity."""
    start, end = _range(start_date, end_date)
    if start < today():
        raise ValidationError("pilot.error.start_in_past", field="pilot_start_date")
    with transaction() as s:
        booking = _load_for_change(s, actor, booking_id)
        if booking.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
            raise ValidationError("pilot.error.cannot_reschedule", field="pilot_status",
                                  status=booking.status)
        resource = cap.lock_resource(s, booking.resource_id)
        _ensure_room(s, resource, start, end, exclude=booking.id)
        before = audit.snapshot(booking)
        booking.start_date, booking.end_date = start, end
        s.add(booking)
        audit.record(s, actor, "pilot.reschedule", booking, before=before)
    return booking


# --- moving along the lifecycle ------------------------------------------------------------------

def _load_for_change(s: Session, actor: Actor, booking_id: uuid.UUID) -> PilotBooking:
    booking = _readable(actor, s.get(PilotBooking, booking_id) if booking_id else None)
    if not may_manage(actor, booking.city_code):
        raise PermissionDenied()
    return booking


def _move(s: Session, actor: Actor, booking: PilotBooking, target: str) -> dict:
    if target not in ALLOWED[booking.status]:
        raise ValidationError("pilot.error.bad_transition", field="pilot_status",
                              current=booking.status, target=target)
    before = audit.snapshot(booking)
    booking.status = target
    return before


def confirm_booking(*, actor: Actor, booking_id: uuid.UUID) -> PilotBooking:
    """The platform confirmed the requested dates."""
    with transaction() as s:
        booking = _load_for_change(s, actor, booking_id)
        before = _move(s, actor, booking, BookingStatus.CONFIRMED)
        s.add(booking)
        audit.record(s, actor, "pilot.confirm", booking, before=before)
    return booking


def start_booking(*, actor: Actor, booking_id: uuid.UUID) -> PilotBooking:
    """The pilot run began (not before its first booked day)."""
    with transaction() as s:
        booking = _load_for_change(s, actor, booking_id)
        if booking.status == BookingStatus.CONFIRMED and today() < booking.start_date:
            raise ValidationError("pilot.error.start_too_early", field="pilot_start_date",
                                  start=booking.start_date.isoformat())
        before = _move(s, actor, booking, BookingStatus.IN_PROGRESS)
        s.add(booking)
        audit.record(s, actor, "pilot.start", booking, before=before)
    return booking


def cancel_booking(*, actor: Actor, booking_id: uuid.UUID, reason: str) -> PilotBooking:
    """Cancel an open booking with a reason; its days become free."""
    why = validation.text(reason, field="pilot_cancel_reason", max_length=500)
    with transaction() as s:
        booking = _load_for_change(s, actor, booking_id)
        before = _move(s, actor, booking, BookingStatus.CANCELLED)
        booking.cancel_reason = why
        s.add(booking)
        audit.record(s, actor, "pilot.cancel", booking, before=before, reason=why)
    return booking


def _clean_report(report: tuple[str, str, bytes] | None) -> tuple[str, str, bytes] | None:
    if report is None:
        return None
    filename, content_type, data = report
    name = validation.text(filename, field="pilot_report", max_length=200)
    if not data:
        raise ValidationError("pilot.error.report_empty", field="pilot_report")
    if len(data) > MAX_REPORT_BYTES:
        raise ValidationError("pilot.error.report_too_large", field="pilot_report",
                              mb=MAX_REPORT_BYTES // (1024 * 1024))
    return name, str(content_type or "application/octet-stream")[:100], bytes(data)


def _raise_trl(s: Session, actor: Actor, result: Result, new_trl: int | str, reason: str) -> None:
    trl = validation.integer(new_trl, field="pilot_new_trl", minimum=1, maximum=9)
    why = validation.text(reason, field="pilot_trl_reason", max_length=1000)
    if trl <= result.trl:
        raise ValidationError("pilot.error.trl_not_higher", field="pilot_new_trl", current=result.trl)
    before = audit.snapshot(result)
    # the history step keeps the status (as the pool's steps do) and says what changed in reason
    step = ApprovalStep(result_id=result.id, action="trl_change", from_status=result.status,
                        to_status=result.status, actor_id=actor.user_id, actor_name=actor.display_name,
                        reason=f"TRL {result.trl} → {trl}: {why}")
    result.trl = trl
    s.add(result)
    s.add(step)
    audit.record(s, actor, "pilot.trl_change", result, before=before, reason=why)
    audit.record(s, actor, "pilot.history_step", step, city_code=result.city_code)
    notify_search(s, result)  # the index ranks by TRL too


def finish_booking(*, actor: Actor, booking_id: uuid.UUID, outcome: str, finished_on: date | str | None = None,
                   report: tuple[str, str, bytes] | None = None, new_trl: int | str | None = None,
                   trl_reason: str = "") -> PilotBooking:
    """Record a pilot run as done with its outcome (and optional report file); the result's record
    shows it, and its TRL may be raised with a reason. Days after an early finish become free."""
    summary = validation.text(outcome, field="pilot_outcome", max_length=4000)
    finished = validation.a_date(finished_on, field="pilot_finished_on", required=False) or today()
    report = _clean_report(report)
    with transaction() as s:
        booking = _load_for_change(s, actor, booking_id)
        if finished > today() or finished < booking.start_date:
            raise ValidationError("pilot.error.bad_finish_date", field="pilot_finished_on",
                                  start=booking.start_date.isoformat())
        before = _move(s, actor, booking, BookingStatus.DONE)
        booking.outcome = summary
        booking.finished_on = finished
        if finished < booking.end_date:
            booking.end_date = finished  # an early finish frees the rest of the booked days
        if report is not None:
            name, content_type, data = report
            attachment = Attachment(entity="pilot_booking", entity_id=booking.id, city_code=booking.city_code,
                                    filename=name, content_type=content_type, size=len(data), data=data,
                                    uploaded_by=actor.user_id)
            s.add(attachment)
            audit.record(s, actor, "pilot.report", attachment)
            booking.report_attachment_id = attachment.id
        s.add(booking)
        audit.record(s, actor, "pilot.finish", booking, before=before)
        result = s.get(Result, booking.result_id)
        platform = s.get(PilotPlatform, booking.platform_id)
        result_before = audit.snapshot(result)
        result.last_pilot_on = max(result.last_pilot_on or finished, finished)
        s.add(result)
        step = ApprovalStep(result_id=result.id, action="pilot_done", from_status=result.status,
                            to_status=result.status, actor_id=actor.user_id, actor_name=actor.display_name,
                            reason=f"{finished.isoformat()} {platform.name}: {summary}"[:4000])
        s.add(step)
        audit.record(s, actor, "pilot.result_done", result, before=result_before)
        audit.record(s, actor, "pilot.history_step", step, city_code=result.city_code)
        if new_trl not in (None, ""):
            _raise_trl(s, actor, result, new_trl, trl_reason)
        _award_points(s, actor, booking)
    return booking


def raise_trl_after_pilot(*, actor: Actor, booking_id: uuid.UUID, new_trl: int | str, reason: str) -> Result:
    """Raise the TRL of a done booking's result, with the reason kept in its history."""
    with transaction() as s:
        booking = _load_for_change(s, actor, booking_id)
        if booking.status != BookingStatus.DONE:
            raise ValidationError("pilot.error.not_done", field="pilot_status")
        result = s.get(Result, booking.result_id)
        _raise_trl(s, actor, result, new_trl, reason)
    return result


def _award_points(s: Session, actor: Actor, booking: PilotBooking) -> None:
    """`pilot_done` points for the booking agency: the acting operator's, else the booking creator's."""
    agency_id = actor.agency_id
    if agency_id is None and booking.created_by is not None:
        creator = s.get(UserAccount, booking.created_by)
        agency_id = creator.agency_id if creator else None
    if agency_id is None:
        return
    points.award(s, actor=actor, kind="pilot_done", agency_id=agency_id, city_code=booking.city_code,
                 entity="pilot_booking", entity_id=booking.id, occurred_on=booking.finished_on)