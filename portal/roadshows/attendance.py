"""Who came to a roadshow: enterprises registered (one row per credit code) and marked present."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from db.engine import read_session
from db.models import Organization, RoadshowAttendance
from portal.core import idempotency, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add, audited_change
from portal.core.errors import NotFound, PermissionDenied
from portal.core.scope import as_id
from portal.core.service import reader, service
from portal.roadshows import names
from portal.roadshows.records import load_show
from portal.roadshows.rules import ROADSHOW


@service(ROADSHOW, "attend")
def register_attendance(s: Session, *, actor: Actor, roadshow_id: uuid.UUID, company_name: str, credit_code: str,
                        present: bool = False, idempotency_key: str | None = None) -> RoadshowAttendance:
    """Register an enterprise for a roadshow (one row per company; a repeat updates it); the same
    idempotency_key again returns the row without a second entry in the trail."""
    name = names.company_name(company_name)  # no markup, some letters, as on the QR page
    code = validation.credit_code(credit_code, field="credit_code")
    show = load_show(s, actor, "attend", roadshow_id, lock=True)

    def make() -> RoadshowAttendance:
        row = s.exec(select(RoadshowAttendance).where(RoadshowAttendance.roadshow_id == show.id,
                                                      RoadshowAttendance.credit_code == code)).first()
        org = s.exec(select(Organization.id).where(Organization.credit_code == code)).first()
        if row is None:
            return audited_add(s, actor, "roadshow.attendance", RoadshowAttendance(
                roadshow_id=show.id, company_name=name, credit_code=code, present=bool(present),
                enterprise_org_id=org), city_code=show.city_code)
        with audited_change(s, actor, "roadshow.attendance", row, city_code=show.city_code):
            row.company_name = name
            row.present = bool(present) or row.present
            row.enterprise_org_id = org or row.enterprise_org_id
        return row

    return idempotency.once(s, actor, idempotency_key, "roadshow.attendance", RoadshowAttendance, make)


@service(ROADSHOW, "attend")
def set_present(s: Session, *, actor: Actor, attendance_id: uuid.UUID, present: bool) -> RoadshowAttendance:
    """Mark a registered enterprise as present (or not)."""
    if not ROADSHOW.may(actor, "attend"):
        raise PermissionDenied()
    aid = as_id(attendance_id)
    row = s.get(RoadshowAttendance, aid) if aid else None
    if row is None:
        raise NotFound()
    show = load_show(s, actor, "attend", row.roadshow_id, lock=True)
    with audited_change(s, actor, "roadshow.presence", row, city_code=show.city_code):
        row.present = bool(present)
    return row


@dataclass(frozen=True)
class AttendanceRow:
    """A registered enterprise, as the attendance tab lists it."""

    id: uuid.UUID
    company_name: str
    credit_code: str
    present: bool


@reader(ROADSHOW, "read_details")
def list_attendance(*, actor: Actor, roadshow_id: uuid.UUID) -> list[AttendanceRow]:
    """The enterprises registered for a roadshow, by name."""
    with read_session() as s:
        show = load_show(s, actor, "read_details", roadshow_id)
        rows = s.exec(select(RoadshowAttendance).where(RoadshowAttendance.roadshow_id == show.id)
                      .order_by(RoadshowAttendance.company_name)).all()
        return [AttendanceRow(r.id, r.company_name, r.credit_code, r.present) for r in rows]
