"""An enterprise asks for pilot testing itself (DOMAIN.md rule 12): a booking in the requested
state for its own organization, on any platform, for a listed result; the platform's city's
operators confirm it (`bookings.confirm_booking`) or cancel it with a reason, and the enterprise
may withdraw it while it is still requested. Capacity is counted as for any booking."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Contract, Intent, Organization, PilotBooking, PilotPlatform, Result
from db.models.enums import BookingStatus, OrgKind, ResultStatus
from portal.core import idempotency, numbering, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add
from portal.core.clock import today
from portal.core.errors import PermissionDenied, ValidationError
from portal.core.scope import as_id
from portal.core.service import reader, service
from portal.core.workflow import Subject
from portal.pilot import capacity as cap
from portal.pilot.bookings import Option, _ensure_room, _load, _range
from portal.pilot.rules import BOOKING

WITHDRAWN_REASON = "企业撤回申请"  # the cancel reason the operator's list shows


@service(BOOKING, "request")
def request_pilot(s: Session, *, actor: Actor, resource_id: uuid.UUID, result_id: uuid.UUID,
                  start_date: date | str, end_date: date | str, note: str = "",
                  idempotency_key: str | None = None) -> PilotBooking:
    """Ask for a resource over [start_date, end_date] (inclusive) to pilot-test a listed result,
    for the actor's own enterprise; within the resource's capacity like any booking. The same
    idempotency_key again returns the request made."""
    if not BOOKING.may(actor, "request"):
        raise PermissionDenied()
    start, end = _range(start_date, end_date)
    wants = validation.text(note, field="pilot_request_note", max_length=1000, required=False)
    oid = actor.organization_id
    org = s.exec(select(Organization).where(Organization.id == oid)).first() if oid else None
    if org is None or org.kind != OrgKind.ENTERPRISE:
        raise PermissionDenied()
    rid = as_id(resource_id) if resource_id else None
    resource = cap.lock_resource(s, rid) if rid else None
    platform = s.get(PilotPlatform, resource.platform_id) if resource else None
    if resource is None or platform is None:
        raise ValidationError("error.required", field="pilot_resource")
    BOOKING.require(actor, "request", Subject(city_code=platform.city_code, org_ids=(org.id,)))
    xid = as_id(result_id) if result_id else None
    result = s.get(Result, xid) if xid else None
    if result is None or result.status != ResultStatus.LISTED:
        raise ValidationError("pilot.error.result_not_bookable", field="pilot_result")

    def make() -> PilotBooking:
        _ensure_room(s, resource, start, end)
        return audited_add(s, actor, "pilot.request", PilotBooking(
            reference=numbering.allocate(s, "booking", platform.city_code, today().year), resource_id=resource.id,
            platform_id=platform.id, city_code=platform.city_code, enterprise_org_id=org.id, result_id=result.id,
            start_date=start, end_date=end, status=BookingStatus.REQUESTED, request_note=wants,
            created_by=actor.user_id))

    return idempotency.once(s, actor, idempotency_key, "pilot.request", PilotBooking, make)


@reader(BOOKING, "request")
def request_result_options(*, actor: Actor, query: str = "", limit: int = 50) -> list[Option]:
    """Listed results an enterprise may ask to pilot-test: those it already asked about or has a
    contract for first, then (when query is typed) listed results whose title or number contains it."""
    if not BOOKING.may(actor, "request"):
        raise PermissionDenied()
    words = str(query or "").strip()[:60]
    org = actor.organization_id
    columns = select(Result.id, Result.title, Result.number).where(Result.status == ResultStatus.LISTED)
    own = columns.where(or_(
        Result.id.in_(select(Intent.result_id).where(Intent.enterprise_org_id == org)),
        Result.id.in_(select(Contract.result_id).where(Contract.licensee_org_id == org))))
    if words:
        own = own.where(or_(Result.title.ilike(f"%{words}%"), Result.number.ilike(f"%{words}%")))
    with read_session() as s:
        rows = list(s.exec(own.order_by(Result.title, Result.id).limit(limit)).all()) if org else []
        if words and len(rows) < limit:
            seen = {r[0] for r in rows}
            more = s.exec(columns.where(or_(Result.title.ilike(f"%{words}%"), Result.number.ilike(f"%{words}%")))
                          .order_by(Result.updated_at.desc(), Result.id).limit(limit)).all()
            rows += [r for r in more if r[0] not in seen][:limit - len(rows)]
    return [Option(i, f"{title}（{number}）") for i, title, number in rows]


@service(BOOKING, "withdraw")
def withdraw_pilot_request(s: Session, *, actor: Actor, booking_id: uuid.UUID) -> PilotBooking:
    """The enterprise takes back a booking of its own that is still requested; its days are free again."""
    booking = _load(s, actor, booking_id)
    with BOOKING.move(s, actor, "withdraw", booking, reason=WITHDRAWN_REASON):
        booking.cancel_reason = WITHDRAWN_REASON
    return booking
