"""Pilot bookings: requested → confirmed → in progress → done, or cancelled with a reason.

Who may take which step, from which status, is `rules.BOOKING`. A booking never pushes a resource
over its capacity on any day (rules in `capacity`). When a booking is done the result's record
shows it (`Result.last_pilot_on` and a `pilot_done` history step) and its TRL may be raised with
a reason. The pickers of the booking form offer exactly what `book_pilot` accepts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, or_
from sqlmodel import Session, select

from db.engine import read_session
from db.models import (
    ApprovalStep,
    Match,
    Organization,
    PilotBooking,
    PilotPlatform,
    PilotResource,
    Result,
    UserAccount,
)
from db.models.enums import BookingStatus, MatchStage, ResultStatus
from portal.core import attachments, directory, idempotency, numbering, validation
from portal.core.actor import Actor
from portal.core.attachments import Upload
from portal.core.audit import audited_add, audited_change
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.paging import Page, paginate
from portal.core.scope import as_id
from portal.core.service import reader, service
from portal.core.workflow import Columns, Subject
from portal.hub import matches
from portal.hub.rules import MATCH
from portal.pilot import capacity as cap
from portal.pilot import platforms as pf
from portal.pilot.rules import BOOKING, PLATFORM
from portal.pool.common import notify_search
from portal.roadshows.moments import aware
from portal.scoring import points

MAX_DAYS = cap.MAX_SPAN_DAYS
MAX_CLASHES_NAMED = 5
# a listed result may be pilot-tested from any city; one approved but not yet listed (in notice,
# paused by an objection) only by its own city (`BOOKING`'s "book_unlisted")
UNLISTED_BOOKABLE = (ResultStatus.APPROVED, ResultStatus.NOTICE, ResultStatus.PAUSED)
BOOKABLE_RESULT_STATUSES = (*UNLISTED_BOOKABLE, ResultStatus.LISTED)
COLUMNS = Columns(city=PilotBooking.city_code, orgs=(PilotBooking.enterprise_org_id,), status=PilotBooking.status,
                  creator=PilotBooking.created_by)
RESULT_COLUMNS = Columns(city=Result.city_code)
REPORT = "pilot_booking"  # the attachments' entity


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
    enterprise_org_id: uuid.UUID
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
    request_note: str = ""  # what an enterprise asking for the booking wants tested
    requested_at: datetime | None = None
    updated_at: datetime | None = None

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


BOOKING.govern(BookingRow)


# --- reading -------------------------------------------------------------------------------------

def _row_select():  # noqa: ANN202
    return (select(PilotBooking, PilotPlatform.name, PilotResource.name, Organization.name, Result.title,
                   PilotResource.price_per_day)
            .join(PilotPlatform, PilotPlatform.id == PilotBooking.platform_id)
            .join(PilotResource, PilotResource.id == PilotBooking.resource_id)
            .join(Organization, Organization.id == PilotBooking.enterprise_org_id)
            .join(Result, Result.id == PilotBooking.result_id))


def _to_row(row) -> BookingRow:  # noqa: ANN001
    b, platform, resource, enterprise, title, price = row
    return BookingRow(b.id, b.reference, b.platform_id, platform, b.resource_id, resource, b.city_code,
                      b.enterprise_org_id, enterprise, b.result_id, title, b.start_date, b.end_date, b.status,
                      b.outcome, b.cancel_reason, b.finished_on, b.report_attachment_id, price, b.request_note,
                      aware(b.created_at), aware(b.updated_at))


@reader(BOOKING)
def list_bookings(*, actor: Actor, city_code: str | None = None, platform_id: uuid.UUID | None = None,
                  resource_id: uuid.UUID | None = None, status: str | None = None,
                  since: date | None = None, until: date | None = None, enterprise: str = "",
                  page: int | None = 1, page_size: int = 50) -> Page[BookingRow]:
    """One page (from 1) of the bookings actor may read whose range meets [since, until], newest
    start first."""
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
    stmt = BOOKING.scope_filter(_row_select(), actor, COLUMNS).where(*conds)
    count = select(func.count()).select_from(PilotBooking)
    if words:  # join only when the name filter needs it, so the count stays on an index
        count = count.join(Organization, Organization.id == PilotBooking.enterprise_org_id)
    count = BOOKING.scope_filter(count, actor, COLUMNS).where(*conds)
    order = (PilotBooking.start_date.desc(), PilotBooking.id)
    with read_session() as s:
        def fetch(offset: int, limit: int) -> list[BookingRow]:
            return [_to_row(r) for r in s.exec(stmt.order_by(*order).offset(offset).limit(limit)).all()]

        return paginate(s, count, fetch, page=page, size=max(1, min(int(page_size), 200)))


@reader(BOOKING)
def get_booking(*, actor: Actor, booking_id: uuid.UUID) -> BookingRow:
    """One booking actor may read (NotFound otherwise)."""
    bid = as_id(booking_id)
    with read_session() as s:
        row = s.exec(_row_select().where(PilotBooking.id == bid)).first() if bid else None
    BOOKING.readable(actor, row[0] if row else None)
    return _to_row(row)


@reader(BOOKING)
def get_report(*, actor: Actor, booking_id: uuid.UUID) -> Upload:
    """The booking's report file: (filename, content type, body)."""
    bid = as_id(booking_id)
    with read_session() as s:
        booking = BOOKING.readable(actor, s.get(PilotBooking, bid) if bid else None)
        return attachments.body(s, REPORT, booking.id, booking.report_attachment_id)


@reader(BOOKING, "read", "read_history")
def result_pilots(*, actor: Actor, result_id: uuid.UUID) -> list[BookingRow]:
    """Finished pilot tests of a result (date, platform, outcome), newest first, for the result's
    record: the result's owner sees them all, anyone else those of the bookings they may read."""
    rid = as_id(result_id)
    with read_session() as s:
        result = s.get(Result, rid) if rid else None
        if result is None:
            raise NotFound()
        stmt = _row_select().where(PilotBooking.result_id == result.id, PilotBooking.status == BookingStatus.DONE)
        if BOOKING.may(actor, "read_history", Subject(org_ids=(result.owner_org_id,))):
            pass  # the result's owner (and the province) see every pilot of it
        elif BOOKING.may(actor, "read"):
            stmt = BOOKING.scope_filter(stmt, actor, COLUMNS)
        elif BOOKING.may(actor, "read_history"):
            return []  # another institution's result: nothing of its pilots
        else:
            raise PermissionDenied()
        rows = s.exec(stmt.order_by(PilotBooking.finished_on.desc(), PilotBooking.id)).all()
    return [_to_row(r) for r in rows]


# --- the booking form's pickers: what book_pilot accepts, and nothing else ------------------------

@dataclass(frozen=True)
class Option:
    """An (id, label) choice for a form."""

    id: uuid.UUID
    label: str
    detail: str = ""


def _platform_city(actor: Actor, platform_id: uuid.UUID | None) -> str:
    """The city of a platform actor may book on (PermissionDenied otherwise)."""
    if not BOOKING.may(actor, "book"):
        raise PermissionDenied()
    pid = as_id(platform_id)
    with read_session() as s:
        platform = PLATFORM.readable(actor, s.get(PilotPlatform, pid) if pid else None)
    BOOKING.require(actor, "book", Subject(city_code=platform.city_code))
    return platform.city_code


@reader(BOOKING, "book")
def bookable_platforms(*, actor: Actor, city_code: str | None = None) -> list[pf.PlatformRow]:
    """Platforms (of city_code, if given) with resources that actor may book."""
    if not BOOKING.may(actor, "book"):
        raise PermissionDenied()
    return [p for p in pf.list_platforms(actor=actor, city_code=city_code)
            if p.resources and BOOKING.may(actor, "book", Subject(city_code=p.city_code))]


@reader(BOOKING, "book")
def enterprise_options(*, actor: Actor, platform_id: uuid.UUID | None, query: str = "",
                       limit: int = 50) -> list[Option]:
    """Enterprises of the platform's city whose name contains query (or whose credit code it is)."""
    city = _platform_city(actor, platform_id)
    return [Option(c.id, c.name) for c in directory.enterprises(actor=actor, query=query, city_code=city,
                                                                 limit=limit)]


@reader(BOOKING, "book")
def result_options(*, actor: Actor, query: str = "", limit: int = 50) -> list[Option]:
    """Results actor may pilot-test whose title or number contains query: listed ones anywhere,
    unlisted approved ones of the actor's city; the latest changed first, the actor's city only
    until something is typed (walking the (city, updated_at) index stops after `limit` rows)."""
    if not BOOKING.may(actor, "book"):
        raise PermissionDenied()
    words = str(query or "").strip()[:60]

    def narrowed(stmt):  # noqa: ANN001, ANN202
        if words:
            stmt = stmt.where(or_(Result.title.ilike(f"%{words}%"), Result.number.ilike(f"%{words}%")))
        elif actor.city_code:  # a default, not a rule: typing reaches the other cities' listed results
            stmt = stmt.where(Result.city_code == actor.city_code)
        return stmt.order_by(Result.updated_at.desc(), Result.id).limit(limit)

    columns = select(Result.id, Result.title, Result.number, Result.updated_at)
    listed = narrowed(columns.where(Result.status == ResultStatus.LISTED))
    unlisted = narrowed(BOOKING.scope_filter(columns.where(Result.status.in_(UNLISTED_BOOKABLE)), actor,
                                             RESULT_COLUMNS, action="book_unlisted"))
    with read_session() as s:
        rows = [*s.exec(listed).all(), *s.exec(unlisted).all()]
    rows.sort(key=lambda r: r[0])
    rows.sort(key=lambda r: r[3], reverse=True)  # latest changed first, then by id (sorts are stable)
    return [Option(i, f"{title}（{number}）") for i, title, number, _ in rows[:limit]]


@reader(BOOKING, "book")
def match_options(*, actor: Actor, platform_id: uuid.UUID | None, enterprise_org_id: uuid.UUID | None,
                  result_id: uuid.UUID | None) -> list[Option]:
    """Open match records of the platform's city between this enterprise and this result that
    actor may work on (`MATCH`'s follow-up)."""
    city = _platform_city(actor, platform_id)
    if not enterprise_org_id or not result_id:
        return []
    stmt = MATCH.scope_filter(select(Match.id, Match.contact_date, Match.stage), actor, matches.COLUMNS,
                              action="follow_up").where(
        Match.enterprise_org_id == enterprise_org_id, Match.result_id == result_id, Match.city_code == city)
    with read_session() as s:
        rows = s.exec(stmt.order_by(Match.contact_date.desc(), Match.id).limit(20)).all()
    return [Option(i, contact.isoformat(), stage) for i, contact, stage in rows]


def _bookable_result(s: Session, actor: Actor, result_id: uuid.UUID | None) -> Result:
    rid = as_id(result_id)
    result = s.get(Result, rid) if rid else None
    if result is None:
        raise ValidationError("error.required", field="pilot_result")
    if result.status not in BOOKABLE_RESULT_STATUSES:
        raise ValidationError("pilot.error.result_not_bookable", field="pilot_result")
    if result.status != ResultStatus.LISTED and \
            not BOOKING.may(actor, "book_unlisted", Subject(city_code=result.city_code)):
        raise ValidationError("pilot.error.result_out_of_reach", field="pilot_result")
    return result


def _linked_match(s: Session, actor: Actor, match_id: uuid.UUID | None, city_code: str,
                  enterprise: Organization, result: Result) -> Match:
    mid = as_id(match_id)
    match = s.get(Match, mid) if mid else None
    if match is None or match.city_code != city_code or not MATCH.may(actor, "read", match):
        raise ValidationError("pilot.error.bad_match", field="pilot_match")
    if not MATCH.may(actor, "follow_up", match):
        raise ValidationError("pilot.error.match_closed", field="pilot_match")
    if match.result_id != result.id or match.enterprise_org_id != enterprise.id:
        raise ValidationError("pilot.error.match_other_parties", field="pilot_match")
    return match


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
    """The booked days, starting today at the earliest."""
    start = validation.a_date(start_date, field="pilot_start_date")
    end = validation.a_date(end_date, field="pilot_end_date")
    if end < start:
        raise ValidationError("pilot.error.end_before_start", field="pilot_end_date")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError("pilot.error.too_long", field="pilot_end_date", max=MAX_DAYS)
    if start < today():
        raise ValidationError("pilot.error.start_in_past", field="pilot_start_date")
    return start, end


@service(BOOKING, "book")
def book_pilot(s: Session, *, actor: Actor, resource_id: uuid.UUID, enterprise_org_id: uuid.UUID,
               result_id: uuid.UUID, start_date: date | str, end_date: date | str,
               match_id: uuid.UUID | None = None, idempotency_key: str | None = None) -> PilotBooking:
    """Request a resource for an enterprise of the platform's city and a result over
    [start_date, end_date] (inclusive); the same idempotency_key again returns the booking made.

    The resource row is locked before the days are counted, so concurrent requests for the last
    slot end with exactly one booking."""
    if not BOOKING.may(actor, "book"):
        raise PermissionDenied()
    start, end = _range(start_date, end_date)
    rid = as_id(resource_id)
    resource = cap.lock_resource(s, rid) if rid else None
    platform = s.get(PilotPlatform, resource.platform_id) if resource else None
    if resource is None or platform is None:
        raise ValidationError("error.required", field="pilot_resource")
    BOOKING.require(actor, "book", Subject(city_code=platform.city_code))
    enterprise = directory.named(s, actor, as_id(enterprise_org_id), kinds=directory.ENTERPRISES,
                                 field="pilot_enterprise", city_code=platform.city_code)
    result = _bookable_result(s, actor, result_id)

    def make() -> PilotBooking:  # a second click would find its own days taken and its match moved on
        match = _linked_match(s, actor, match_id, platform.city_code, enterprise, result) \
            if match_id is not None else None
        _ensure_room(s, resource, start, end)
        if match is not None:
            _advance_match(s, actor, match)
        return audited_add(s, actor, "pilot.book", PilotBooking(
            reference=numbering.allocate(s, "booking", platform.city_code, today().year), resource_id=resource.id,
            platform_id=platform.id, city_code=platform.city_code, enterprise_org_id=enterprise.id,
            result_id=result.id, match_id=match.id if match else None, start_date=start, end_date=end,
            status=BookingStatus.REQUESTED, created_by=actor.user_id))

    return idempotency.once(s, actor, idempotency_key, "pilot.book", PilotBooking, make)


def _load(s: Session, actor: Actor, booking_id: uuid.UUID | str | None) -> PilotBooking:
    """The booking, locked for the change, or NotFound when missing or out of actor's sight."""
    bid = as_id(booking_id)
    booking = s.exec(select(PilotBooking).where(PilotBooking.id == bid).with_for_update()).first() \
        if bid else None
    return BOOKING.readable(actor, booking)


@service(BOOKING, "reschedule")
def reschedule_booking(s: Session, *, actor: Actor, booking_id: uuid.UUID, start_date: date | str,
                       end_date: date | str) -> PilotBooking:
    """Move a requested or confirmed booking to new dates, within the resource's capacity."""
    start, end = _range(start_date, end_date)
    booking = _load(s, actor, booking_id)
    with BOOKING.move(s, actor, "reschedule", booking):
        resource = cap.lock_resource(s, booking.resource_id)
        _ensure_room(s, resource, start, end, exclude=booking.id)
        booking.start_date, booking.end_date = start, end
    return booking


# --- moving along the lifecycle ------------------------------------------------------------------

@service(BOOKING, "confirm")
def confirm_booking(s: Session, *, actor: Actor, booking_id: uuid.UUID) -> PilotBooking:
    """The platform confirmed the requested dates."""
    booking = _load(s, actor, booking_id)
    with BOOKING.move(s, actor, "confirm", booking):
        pass
    return booking


@service(BOOKING, "start")
def start_booking(s: Session, *, actor: Actor, booking_id: uuid.UUID) -> PilotBooking:
    """The pilot run began (not before its first booked day)."""
    booking = _load(s, actor, booking_id)
    BOOKING.require(actor, "start", booking)
    if today() < booking.start_date:
        raise ValidationError("pilot.error.start_too_early", field="pilot_start_date",
                              start=booking.start_date.isoformat())
    with BOOKING.move(s, actor, "start", booking):
        pass
    return booking


@service(BOOKING, "cancel")
def cancel_booking(s: Session, *, actor: Actor, booking_id: uuid.UUID, reason: str) -> PilotBooking:
    """Cancel an open booking with a reason; its days become free."""
    why = validation.text(reason, field="pilot_cancel_reason", max_length=500)
    booking = _load(s, actor, booking_id)
    with BOOKING.move(s, actor, "cancel", booking, reason=why):
        booking.cancel_reason = why
    return booking


def _raise_trl(s: Session, actor: Actor, result: Result, new_trl: int | str, reason: str) -> None:
    trl = validation.integer(new_trl, field="pilot_new_trl", minimum=1, maximum=9)
    why = validation.text(reason, field="pilot_trl_reason", max_length=1000)
    if trl <= result.trl:
        raise ValidationError("pilot.error.trl_not_higher", field="pilot_new_trl", current=result.trl)
    # the history step keeps the status (as the pool's steps do) and says what changed in reason
    step = ApprovalStep(result_id=result.id, action="trl_change", from_status=result.status,
                        to_status=result.status, actor_id=actor.user_id, actor_name=actor.display_name,
                        reason=f"TRL {result.trl} → {trl}: {why}")
    with audited_change(s, actor, "pilot.trl_change", result, reason=why):
        result.trl = trl
    audited_add(s, actor, "pilot.history_step", step, city_code=result.city_code)
    notify_search(s, result)  # the index ranks by TRL too


def _record_on_result(s: Session, actor: Actor, booking: PilotBooking, summary: str) -> Result:
    """The result's record shows the finished pilot: its date, and a `pilot_done` history step."""
    result = s.get(Result, booking.result_id)
    platform = s.get(PilotPlatform, booking.platform_id)
    finished = booking.finished_on
    with audited_change(s, actor, "pilot.result_done", result):
        result.last_pilot_on = max(result.last_pilot_on or finished, finished)
    audited_add(s, actor, "pilot.history_step", ApprovalStep(
        result_id=result.id, action="pilot_done", from_status=result.status, to_status=result.status,
        actor_id=actor.user_id, actor_name=actor.display_name,
        reason=f"{finished.isoformat()} {platform.name}: {summary}"[:4000]), city_code=result.city_code)
    return result


@service(BOOKING, "finish")
def finish_booking(s: Session, *, actor: Actor, booking_id: uuid.UUID, outcome: str,
                   finished_on: date | str | None = None, report: Upload | tuple[str, str, bytes] | None = None,
                   new_trl: int | str | None = None, trl_reason: str = "") -> PilotBooking:
    """Record a pilot run as done with its outcome (and optional report file); the result's record
    shows it, and its TRL may be raised with a reason. Days after an early finish become free."""
    summary = validation.text(outcome, field="pilot_outcome", max_length=4000)
    finished = validation.a_date(finished_on, field="pilot_finished_on", required=False) or today()
    upload = attachments.check_upload(*report, field="pilot_report") if report is not None else None
    booking = _load(s, actor, booking_id)
    BOOKING.require(actor, "finish", booking)
    if finished > today() or finished < booking.start_date:
        raise ValidationError("pilot.error.bad_finish_date", field="pilot_finished_on",
                              start=booking.start_date.isoformat())
    with BOOKING.move(s, actor, "finish", booking):
        booking.outcome = summary
        booking.finished_on = finished
        if finished < booking.end_date:
            booking.end_date = finished  # an early finish frees the rest of the booked days
        if upload is not None:
            booking.report_attachment_id = attachments.store(
                s, actor, upload, entity=REPORT, entity_id=booking.id, city_code=booking.city_code,
                action="pilot.report").id
    result = _record_on_result(s, actor, booking, summary)
    if new_trl not in (None, ""):
        _raise_trl(s, actor, result, new_trl, trl_reason)
    _award_points(s, actor, booking)
    return booking


@service(BOOKING, "raise_trl")
def raise_trl_after_pilot(s: Session, *, actor: Actor, booking_id: uuid.UUID, new_trl: int | str,
                          reason: str) -> Result:
    """Raise the TRL of a done booking's result, with the reason kept in its history."""
    booking = _load(s, actor, booking_id)
    BOOKING.require(actor, "raise_trl", booking)
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
