"""Roadshows (路演展示): plan an event, order its results, publish, close, record attendance,
build the presenter's result cards, and sum up what came of it.

A roadshow belongs to its organizer agency's city. Operators of that city (and the province)
change it; presenters of the city see it only while it is published (DOMAIN.md rule 9).
Each item carries an unguessable token that opens the public intent page (portal.intents).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, select

from db.engine import read_session, transaction
from db.models import (
    Agency,
    Contract,
    Intent,
    Match,
    Organization,
    Result,
    Roadshow,
    RoadshowAttendance,
    RoadshowItem,
    UserAccount,
)
from db.models.enums import ContractKind, Field_, ResultStatus, RoadshowStatus, Role
from portal.core import audit, validation
from portal.core.actor import Actor
from portal.core.clock import TZ, today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.regions import all_regions
from portal.core.scope import acting_agency, ensure_readable, filter_scope
from portal.core.settings import get_settings
from portal.scoring import points

WRITER_ROLES = (Role.CITY_OPERATOR, Role.PROVINCE_ADMIN)
READER_ROLES = (Role.CITY_OPERATOR, Role.PROVINCE_ADMIN, Role.PRESENTER, Role.MANAGER)
INTENT_PAGE = "intent"  # the public page's URL path (portal.navigation.PUBLIC_PAGES)


# --- helpers -----------------------------------------------------------------------------------

def _check_writer(actor: Actor) -> None:
    if actor.role not in WRITER_ROLES:
        raise PermissionDenied()


def _readable_show(s: Session, actor: Actor, roadshow_id: uuid.UUID | None) -> Roadshow:
    """The roadshow if the actor may see it: presenters only see published ones."""
    if actor.role not in READER_ROLES:
        raise NotFound()
    show = s.get(Roadshow, roadshow_id) if roadshow_id else None
    ensure_readable(actor, show, city_code=show.city_code if show else None)
    if actor.role == Role.PRESENTER and show.status != RoadshowStatus.PUBLISHED:
        raise NotFound()
    return show


def _writable_show(s: Session, actor: Actor, roadshow_id: uuid.UUID | None, *,
                   lock: bool = True) -> Roadshow:
    _check_writer(actor)
    show = s.get(Roadshow, roadshow_id, with_for_update=lock) if roadshow_id else None
    ensure_readable(actor, show, city_code=show.city_code if show else None)
    return show


def _not_closed(show: Roadshow) -> None:
    if show.status == RoadshowStatus.CLOSED:
        raise ValidationError("roadshows.error.closed", field="roadshow_status")


def _moment(value: datetime | date | str | None, *, field: str, required: bool = True) -> datetime | None:
    """An aware local datetime from a datetime, a date (midnight) or ISO text."""
    if value is None or value == "":
        if required:
            raise ValidationError("error.required", field=field)
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError("roadshows.error.datetime_shape", field=field) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return value if value.tzinfo else value.replace(tzinfo=TZ)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored UTC); PostgreSQL aware ones."""
    if value is None:
        return None
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def new_token() -> str:
    """An item's public token: 32 URL-safe characters from the OS's random source (192 bits),
    with no relation to any id."""
    return secrets.token_urlsafe(24)


def intent_url(token: str) -> str:
    """The public intent page for an item, as printed in its QR code."""
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/{INTENT_PAGE}?t={token}"


# --- plan and edit -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RoadshowInput:
    """What the plan form collects."""

    title: str
    starts_at: datetime | date | str | None
    ends_at: datetime | date | str | None = None
    theme_field: str | None = None
    venue: str = ""
    online_link: str = ""
    county_code: str | None = None
    description: str = ""


def _clean(data: RoadshowInput, city_code: str) -> dict:
    title = validation.text(data.title, field="roadshow_title", max_length=200)
    theme = validation.choice(data.theme_field, Field_, field="roadshow_theme", required=False)
    starts = _moment(data.starts_at, field="roadshow_starts_at")
    ends = _moment(data.ends_at, field="roadshow_ends_at", required=False)
    if ends is not None and ends <= starts:
        raise ValidationError("roadshows.error.ends_before_start", field="roadshow_ends_at")
    venue = validation.text(data.venue, field="roadshow_venue", max_length=200, required=False)
    link = validation.text(data.online_link, field="roadshow_online_link", max_length=300, required=False)
    if link and not link.lower().startswith(("http://", "https://")):
        raise ValidationError("roadshows.error.link_shape", field="roadshow_online_link")
    if not venue and not link:
        raise ValidationError("roadshows.error.venue_or_link", field="roadshow_venue")
    county = data.county_code or None
    if county is not None:
        region = all_regions().get(county)
        if region is None or region.parent != city_code:
            raise ValidationError("roadshows.error.county_not_in_city", field="county")
    description = validation.text(data.description, field="roadshow_description", max_length=4000,
                                  required=False)
    return dict(title=title, theme_field=theme, starts_at=starts, ends_at=ends, venue=venue,
                online_link=link, county_code=county, description=description)


def create_roadshow(*, actor: Actor, data: RoadshowInput, agency_id: uuid.UUID | None = None) -> Roadshow:
    """Plan a roadshow (draft) for the operator's agency and city."""
    _check_writer(actor)
    with transaction() as s:
        agency = acting_agency(s, actor, agency_id)
        values = _clean(data, agency.city_code)
        show = Roadshow(**values, city_code=agency.city_code, agency_id=agency.id,
                        status=RoadshowStatus.DRAFT, created_by=actor.user_id)
        s.add(show)
        audit.record(s, actor, "roadshow.create", show)
    return show


def update_roadshow(*, actor: Actor, roadshow_id: uuid.UUID, data: RoadshowInput) -> Roadshow:
    """Change a roadshow's details while it is not closed."""
    with transaction() as s:
        show = _writable_show(s, actor, roadshow_id)
        _not_closed(show)
        values = _clean(data, show.city_code)
        before = audit.snapshot(show)
        for key, value in values.items():
            setattr(show, key, value)
        s.add(show)
        audit.record(s, actor, "roadshow.update", show, before=before)
    return show


def _items(s: Session, roadshow_id: uuid.UUID) -> list[RoadshowItem]:
    return list(s.exec(select(RoadshowItem).where(RoadshowItem.roadshow_id == roadshow_id)
                       .order_by(RoadshowItem.position)).all())


def _slot(show: Roadshow, start: datetime | str | None, end: datetime | str | None) -> tuple:
    slot_start = _moment(start, field="roadshow_slot_start", required=False)
    slot_end = _moment(end, field="roadshow_slot_end", required=False)
    if slot_start and slot_end and slot_end <= slot_start:
        raise ValidationError("roadshows.error.slot_order", field="roadshow_slot_end")
    if slot_start is not None and slot_start < aware(show.starts_at):
        raise ValidationError("roadshows.error.slot_before_start", field="roadshow_slot_start")
    return slot_start, slot_end


def _presenter(s: Session, actor: Actor, show: Roadshow, name: str,
               user_id: uuid.UUID | None) -> tuple[str, uuid.UUID | None]:
    name = validation.text(name, field="roadshow_presenter", max_length=60, required=False)
    if user_id is not None:
        user = s.get(UserAccount, user_id)
        if user is None or user.role != Role.PRESENTER or user.city_code != show.city_code:
            raise ValidationError("roadshows.error.not_a_presenter", field="roadshow_presenter")
        name = name or user.display_name
    if not name:
        raise ValidationError("error.required", field="roadshow_presenter")
    return name, user_id


def add_item(*, actor: Actor, roadshow_id: uuid.UUID, result_id: uuid.UUID, presenter_name: str = "",
             presenter_user_id: uuid.UUID | None = None, slot_start: datetime | str | None = None,
             slot_end: datetime | str | None = None) -> RoadshowItem:
    """Put a listed result at the end of the running order, with its presenter and time slot."""
    with transaction() as s:
        show = _writable_show(s, actor, roadshow_id)
        _not_closed(show)
        result = s.get(Result, result_id) if result_id else None
        if result is None or result.status != ResultStatus.LISTED:
            raise ValidationError("roadshows.error.result_not_listed", field="roadshow_result")
        items = _items(s, show.id)
        if any(i.result_id == result.id for i in items):
            raise ValidationError("roadshows.error.result_already_on", field="roadshow_result")
        name, user_id = _presenter(s, actor, show, presenter_name, presenter_user_id)
        start, end = _slot(show, slot_start, slot_end)
        item = RoadshowItem(roadshow_id=show.id, result_id=result.id,
                            position=(items[-1].position + 1) if items else 1, presenter_name=name,
                            presenter_user_id=user_id, slot_start=start, slot_end=end, token=new_token())
        s.add(item)
        audit.record(s, actor, "roadshow.item_add", item, city_code=show.city_code)
    return item


def update_item(*, actor: Actor, item_id: uuid.UUID, presenter_name: str = "",
                presenter_user_id: uuid.UUID | None = None, slot_start: datetime | str | None = None,
                slot_end: datetime | str | None = None) -> RoadshowItem:
    """Change an item's presenter and time slot."""
    with transaction() as s:
        item = s.get(RoadshowItem, item_id) if item_id else None
        show = _writable_show(s, actor, item.roadshow_id if item else None)
        _not_closed(show)
        name, user_id = _presenter(s, actor, show, presenter_name, presenter_user_id)
        start, end = _slot(show, slot_start, slot_end)
        before = audit.snapshot(item)
        item.presenter_name, item.presenter_user_id = name, user_id
        item.slot_start, item.slot_end = start, end
        s.add(item)
        audit.record(s, actor, "roadshow.item_update", item, before=before, city_code=show.city_code)
    return item


def remove_item(*, actor: Actor, item_id: uuid.UUID) -> None:
    """Take a result off a roadshow that has no intents on it yet; the others close ranks."""
    with transaction() as s:
        item = s.get(RoadshowItem, item_id) if item_id else None
        show = _writable_show(s, actor, item.roadshow_id if item else None)
        _not_closed(show)
        if s.exec(select(Intent.id).where(Intent.roadshow_item_id == item.id)).first() is not None:
            raise ValidationError("roadshows.error.item_has_intents", field="roadshow_result")
        before = audit.snapshot(item)
        audit.record(s, actor, "roadshow.item_remove", item, before=before, city_code=show.city_code)
        s.delete(item)
        s.flush()
        _renumber(s, actor, show, [i.id for i in _items(s, show.id)])


def _renumber(s: Session, actor: Actor, show: Roadshow, order: list[uuid.UUID]) -> None:
    items = {i.id: i for i in _items(s, show.id)}
    for position, item_id in enumerate(order, start=1):
        item = items[item_id]
        if item.position != position:
            before = audit.snapshot(item)
            item.position = position
            s.add(item)
            audit.record(s, actor, "roadshow.item_move", item, before=before, city_code=show.city_code)


def reorder_items(*, actor: Actor, roadshow_id: uuid.UUID, item_ids: list[uuid.UUID]) -> None:
    """Set the running order: item_ids must name every item of the roadshow exactly once."""
    with transaction() as s:
        show = _writable_show(s, actor, roadshow_id)
        _not_closed(show)
        current = {i.id for i in _items(s, show.id)}
        if len(item_ids) != len(current) or set(item_ids) != current:
            raise ValidationError("roadshows.error.bad_order", field="roadshow_order")
        _renumber(s, actor, show, list(item_ids))


def move_item(*, actor: Actor, item_id: uuid.UUID, step: int) -> None:
    """Move an item up (step -1) or down (+1) the running order."""
    with read_session() as s:
        item = s.get(RoadshowItem, item_id) if item_id else None
        if item is None:
            raise NotFound()
        order = [i.id for i in _items(s, item.roadshow_id)]
    here = order.index(item_id)
    there = max(0, min(len(order) - 1, here + step))
    order[here], order[there] = order[there], order[here]
    reorder_items(actor=actor, roadshow_id=item.roadshow_id, item_ids=order)


def publish_roadshow(*, actor: Actor, roadshow_id: uuid.UUID) -> Roadshow:
    """Draft → published: presenters can now open it; it needs at least one result."""
    with transaction() as s:
        show = _writable_show(s, actor, roadshow_id)
        if show.status != RoadshowStatus.DRAFT:
            raise ValidationError("roadshows.error.not_draft", field="roadshow_status")
        if not _items(s, show.id):
            raise ValidationError("roadshows.error.no_items", field="roadshow_result")
        before = audit.snapshot(show)
        show.status = RoadshowStatus.PUBLISHED
        s.add(show)
        audit.record(s, actor, "roadshow.publish", show, before=before)
    return show


def close_roadshow(*, actor: Actor, roadshow_id: uuid.UUID) -> Roadshow:
    """Published → closed: the event is over; its QR pages still take intents."""
    with transaction() as s:
        show = _writable_show(s, actor, roadshow_id)
        if show.status != RoadshowStatus.PUBLISHED:
            raise ValidationError("roadshows.error.not_published", field="roadshow_status")
        before = audit.snapshot(show)
        show.status = RoadshowStatus.CLOSED
        s.add(show)
        audit.record(s, actor, "roadshow.close", show, before=before)
        points.award(s, actor=actor, kind="roadshow_held", agency_id=show.agency_id,
                     city_code=show.city_code, entity="roadshow", entity_id=show.id)
    return show


# --- attendance --------------------------------------------------------------------------------

def register_attendance(*, actor: Actor, roadshow_id: uuid.UUID, company_name: str, credit_code: str,
                        present: bool = False) -> RoadshowAttendance:
    """Register an enterprise for a roadshow (one row per company; a repeat updates it)."""
    name = validation.text(company_name, field="intent_company_name", max_length=120)
    code = validation.credit_code(credit_code, field="credit_code")
    with transaction() as s:
        show = _writable_show(s, actor, roadshow_id)
        row = s.exec(select(RoadshowAttendance).where(RoadshowAttendance.roadshow_id == show.id,
                                                      RoadshowAttendance.credit_code == code)).first()
        org = s.exec(select(Organization).where(Organization.credit_code == code)).first()
        before = audit.snapshot(row)
        if row is None:
            row = RoadshowAttendance(roadshow_id=show.id, company_name=name, credit_code=code)
        row.company_name = name
        row.present = present or row.present
        row.enterprise_org_id = org.id if org is not None else row.enterprise_org_id
        s.add(row)
        audit.record(s, actor, "roadshow.attendance", row, before=before, city_code=show.city_code)
    return row


def set_present(*, actor: Actor, attendance_id: uuid.UUID, present: bool) -> RoadshowAttendance:
    """Mark a registered enterprise as present (or not)."""
    with transaction() as s:
        row = s.get(RoadshowAttendance, attendance_id) if attendance_id else None
        show = _writable_show(s, actor, row.roadshow_id if row else None)
        before = audit.snapshot(row)
        row.present = bool(present)
        s.add(row)
        audit.record(s, actor, "roadshow.presence", row, before=before, city_code=show.city_code)
    return row


@dataclass(frozen=True)
class AttendanceRow:
    id: uuid.UUID
    company_name: str
    credit_code: str
    present: bool


def list_attendance(*, actor: Actor, roadshow_id: uuid.UUID) -> list[AttendanceRow]:
    """The enterprises registered for a roadshow, by name."""
    with read_session() as s:
        show = _readable_show(s, actor, roadshow_id)
        if actor.role == Role.PRESENTER:
            raise NotFound()
        rows = s.exec(select(RoadshowAttendance).where(RoadshowAttendance.roadshow_id == show.id)
                      .order_by(RoadshowAttendance.company_name)).all()
        return [AttendanceRow(r.id, r.company_name, r.credit_code, r.present) for r in rows]


# --- reads -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RoadshowRow:
    """One line of the roadshow list."""

    id: uuid.UUID
    title: str
    status: str
    starts_at: datetime
    ends_at: datetime | None
    venue: str
    online_link: str
    city_code: str
    county_code: str | None
    theme_field: str | None
    agency_name: str
    description: str
    items: int
    intents: int


def _show_row(show: Roadshow, agency: str, items: int, intents: int) -> RoadshowRow:
    return RoadshowRow(show.id, show.title, show.status, aware(show.starts_at), aware(show.ends_at),
                       show.venue, show.online_link, show.city_code, show.county_code, show.theme_field,
                       agency, show.description, items, intents)


def list_roadshows(*, actor: Actor, status: str | None = None, offset: int = 0,
                   limit: int = 50) -> tuple[list[RoadshowRow], int]:
    """Roadshows in the actor's scope, newest first, one page at a time; and how many in all."""
    if actor.role not in READER_ROLES:
        return [], 0
    if actor.role == Role.PRESENTER:
        status = RoadshowStatus.PUBLISHED
    items = (select(func.count()).select_from(RoadshowItem)
             .where(RoadshowItem.roadshow_id == Roadshow.id).scalar_subquery())
    intents = (select(func.count()).select_from(Intent)
               .where(Intent.roadshow_id == Roadshow.id).scalar_subquery())
    stmt = select(Roadshow, Agency.name, items, intents).join(Agency, Agency.id == Roadshow.agency_id)
    count = select(func.count()).select_from(Roadshow)
    stmt = filter_scope(stmt, actor, city_col=Roadshow.city_code)
    count = filter_scope(count, actor, city_col=Roadshow.city_code)
    if status:
        stmt, count = stmt.where(Roadshow.status == status), count.where(Roadshow.status == status)
    with read_session() as s:
        total = int(s.exec(count).one())
        rows = s.exec(stmt.order_by(Roadshow.starts_at.desc()).offset(offset).limit(limit)).all()
        return [_show_row(show, agency, n_items, n_intents) for show, agency, n_items, n_intents in rows], total


def get_roadshow(*, actor: Actor, roadshow_id: uuid.UUID) -> RoadshowRow:
    """One roadshow the actor may see."""
    with read_session() as s:
        show = _readable_show(s, actor, roadshow_id)
        agency = s.get(Agency, show.agency_id)
        n_items = s.exec(select(func.count()).select_from(RoadshowItem)
                         .where(RoadshowItem.roadshow_id == show.id)).one()
        n_intents = s.exec(select(func.count()).select_from(Intent).where(Intent.roadshow_id == show.id)).one()
        return _show_row(show, agency.name if agency else "", int(n_items), int(n_intents))


@dataclass(frozen=True)
class ItemRow:
    """One result on the running order."""

    id: uuid.UUID
    position: int
    result_id: uuid.UUID
    result_title: str
    result_number: str
    institution: str
    presenter_name: str
    presenter_user_id: uuid.UUID | None
    slot_start: datetime | None
    slot_end: datetime | None
    intents: int


def list_items(*, actor: Actor, roadshow_id: uuid.UUID) -> list[ItemRow]:
    """The running order of a roadshow, with the intents each item drew."""
    intents = (select(func.count()).select_from(Intent)
               .where(Intent.roadshow_item_id == RoadshowItem.id).scalar_subquery())
    with read_session() as s:
        show = _readable_show(s, actor, roadshow_id)
        rows = s.exec(
            select(RoadshowItem, Result.title, Result.number, Organization.name, intents)
            .join(Result, Result.id == RoadshowItem.result_id)
            .join(Organization, Organization.id == Result.owner_org_id)
            .where(RoadshowItem.roadshow_id == show.id).order_by(RoadshowItem.position)).all()
        return [ItemRow(i.id, i.position, i.result_id, title, number, org, i.presenter_name,
                        i.presenter_user_id, aware(i.slot_start), aware(i.slot_end), int(n))
                for i, title, number, org, n in rows]


@dataclass(frozen=True)
class ResultChoice:
    id: uuid.UUID
    title: str
    number: str
    field: str
    institution: str
    city_code: str


def listed_results(*, actor: Actor, query: str = "", field: str | None = None,
                   limit: int = 30) -> list[ResultChoice]:
    """Listed results of the province's pool to put on a roadshow, newest first, filtered by text."""
    _check_writer(actor)
    query = validation.text(query, field="roadshow_result_search", max_length=60, required=False)
    stmt = (select(Result.id, Result.title, Result.number, Result.field, Organization.name, Result.city_code)
            .join(Organization, Organization.id == Result.owner_org_id)
            .where(Result.status == ResultStatus.LISTED))
    if field:
        stmt = stmt.where(Result.field == field)
    if query:
        like = f"%{query}%"
        stmt = stmt.where(or_(Result.title.like(like), Result.number.like(like), Organization.name.like(like)))
    with read_session() as s:
        rows = s.exec(stmt.order_by(Result.listed_at.desc()).limit(limit)).all()
        return [ResultChoice(*row) for row in rows]


@dataclass(frozen=True)
class AgencyChoice:
    id: uuid.UUID
    name: str
    city_code: str


def agencies_for(*, actor: Actor) -> list[AgencyChoice]:
    """The agencies the actor may organize roadshows for: an operator's own, every one for the province."""
    if actor.role not in WRITER_ROLES:
        return []
    stmt = select(Agency).order_by(Agency.city_code, Agency.name)
    if actor.role == Role.CITY_OPERATOR:
        stmt = stmt.where(Agency.id == actor.agency_id)
    with read_session() as s:
        return [AgencyChoice(a.id, a.name, a.city_code) for a in s.exec(stmt).all()]


@dataclass(frozen=True)
class PresenterChoice:
    id: uuid.UUID
    name: str


def list_presenters(*, actor: Actor, roadshow_id: uuid.UUID) -> list[PresenterChoice]:
    """Presenter accounts of the roadshow's city."""
    with read_session() as s:
        show = _writable_show(s, actor, roadshow_id, lock=False)
        users = s.exec(select(UserAccount).where(UserAccount.role == Role.PRESENTER,
                                                 UserAccount.city_code == show.city_code,
                                                 UserAccount.disabled == False)  # noqa: E712
                       .order_by(UserAccount.display_name)).all()
        return [PresenterChoice(u.id, u.display_name) for u in users]


# --- cards -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    """What the presenter shows for one result, and what the deck prints."""

    position: int
    total: int
    roadshow_title: str
    title: str
    number: str
    institution: str
    field: str
    trl: int
    summary: str
    advantages: list[str]
    trial_months: int
    free_during_trial: bool
    max_licensees: int | None
    slots_left: int | None  # None = unlimited
    agency_name: str
    contact_name: str
    contact_phone: str
    contact_email: str
    presenter_name: str
    slot_start: datetime | None
    slot_end: datetime | None
    token: str
    url: str = ""


def summary_text(result: Result, limit: int = 160) -> str:
    text = (result.summary_plain or result.abstract or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _running_today(s: Session, result_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    from portal.contracts.common import RUNNING  # what counts as a running trial lives there

    day = today()
    rows = s.exec(select(Contract.result_id, func.count()).where(
        Contract.result_id.in_(result_ids), Contract.kind == ContractKind.TRIAL,
        Contract.status.in_(RUNNING), Contract.start_date <= day,
        or_(Contract.end_date.is_(None), Contract.end_date >= day)).group_by(Contract.result_id)).all()
    return {rid: int(n) for rid, n in rows}


def cards(*, actor: Actor, roadshow_id: uuid.UUID) -> list[Card]:
    """The roadshow's result cards in running order."""
    from portal.contracts.trials import max_licensees  # the licensee limit rule lives there

    with read_session() as s:
        show = _readable_show(s, actor, roadshow_id)
        agency = s.get(Agency, show.agency_id)
        rows = s.exec(select(RoadshowItem, Result, Organization)
                      .join(Result, Result.id == RoadshowItem.result_id)
                      .join(Organization, Organization.id == Result.owner_org_id)
                      .where(RoadshowItem.roadshow_id == show.id).order_by(RoadshowItem.position)).all()
        running = _running_today(s, [r.id for _, r, _ in rows])
        out = []
        for n, (item, result, owner) in enumerate(rows, start=1):
            limit = max_licensees(result)
            slots = None if limit is None else max(0, limit - running.get(result.id, 0))
            advantages = [line.strip(" -•·\t") for line in (result.advantages or "").splitlines()]
            out.append(Card(
                position=n, total=len(rows), roadshow_title=show.title, title=result.title,
                number=result.number, institution=owner.name, field=result.field, trl=result.trl,
                summary=summary_text(result), advantages=[a for a in advantages if a][:4],
                trial_months=result.trial_months, free_during_trial=result.free_during_trial,
                max_licensees=limit, slots_left=slots, agency_name=agency.name if agency else "",
                contact_name=(agency.contact_name if agency else "") or "",
                contact_phone=(agency.contact_phone if agency else "") or "",
                contact_email=(agency.email if agency else "") or "",
                presenter_name=item.presenter_name, slot_start=aware(item.slot_start),
                slot_end=aware(item.slot_end), token=item.token, url=intent_url(item.token)))
        return out


# --- numbers -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResultNumbers:
    position: int
    title: str
    intents: int
    wants_trial: int
    matches: int


@dataclass(frozen=True)
class Summary:
    """What a roadshow led to: results shown, attendance, intents, matches and trials later."""

    results_shown: int
    registered: int
    present: int
    intents: int
    companies: int
    matches: int
    trials: int
    conversions: int
    per_result: list[ResultNumbers]


def summary(*, actor: Actor, roadshow_id: uuid.UUID) -> Summary:
    """A roadshow's numbers, each counted in SQL."""
    with read_session() as s:
        show = _readable_show(s, actor, roadshow_id)
        if actor.role == Role.PRESENTER:
            raise NotFound()
        rid = show.id

        def one(stmt) -> int:  # noqa: ANN001
            return int(s.exec(stmt).one() or 0)

        shown = one(select(func.count()).select_from(RoadshowItem).where(RoadshowItem.roadshow_id == rid))
        registered = one(select(func.count()).select_from(RoadshowAttendance)
                         .where(RoadshowAttendance.roadshow_id == rid))
        present = one(select(func.count()).select_from(RoadshowAttendance)
                      .where(RoadshowAttendance.roadshow_id == rid, RoadshowAttendance.present == True))  # noqa: E712
        intents = one(select(func.count()).select_from(Intent).where(Intent.roadshow_id == rid))
        companies = one(select(func.count(func.distinct(Intent.credit_code))).where(Intent.roadshow_id == rid))
        matches = one(select(func.count()).select_from(Match).where(Match.roadshow_id == rid))
        # Trials that came from it: through one of its matches, or signed by an enterprise that left
        # an intent for that result at this roadshow, on or after the roadshow's day.
        # Contracts of the roadshow's results only (ix_contract_result_kind_status), with the few
        # ids they hang on fetched first: one OR across subqueries made PostgreSQL scan contracts.
        result_ids = list(s.exec(select(RoadshowItem.result_id).where(RoadshowItem.roadshow_id == rid)).all())
        match_ids = list(s.exec(select(Match.id).where(Match.roadshow_id == rid)).all())
        from_intent = select(Intent.id).where(
            Intent.roadshow_id == rid, Intent.result_id == Contract.result_id,
            Intent.enterprise_org_id == Contract.licensee_org_id).exists()
        since = aware(show.starts_at).astimezone(TZ).date()
        of_results = Contract.result_id.in_(result_ids)
        trial_ids = list(s.exec(select(Contract.id).where(
            of_results, Contract.kind == ContractKind.TRIAL,
            or_(Contract.match_id.in_(match_ids), and_(Contract.start_date >= since, from_intent)))).all())
        conversions = one(select(func.count()).select_from(Contract).where(
            of_results, Contract.kind != ContractKind.TRIAL,
            or_(Contract.parent_trial_id.in_(trial_ids), Contract.match_id.in_(match_ids))))
        n_trials = len(trial_ids)
        want_trial = func.sum(case((Intent.wants.like("%trial%"), 1), else_=0))
        per = s.exec(
            select(RoadshowItem.position, Result.title,
                   select(func.count()).select_from(Intent)
                   .where(Intent.roadshow_item_id == RoadshowItem.id).scalar_subquery(),
                   select(func.coalesce(want_trial, 0)).where(Intent.roadshow_item_id == RoadshowItem.id)
                   .scalar_subquery(),
                   select(func.count()).select_from(Match)
                   .where(Match.roadshow_id == rid, Match.result_id == RoadshowItem.result_id).scalar_subquery())
            .join(Result, Result.id == RoadshowItem.result_id)
            .where(RoadshowItem.roadshow_id == rid).order_by(RoadshowItem.position)).all()
        return Summary(shown, registered, present, intents, companies, matches, n_trials, conversions,
                       [ResultNumbers(p, title, int(n), int(w or 0), int(m)) for p, title, n, w, m in per])

