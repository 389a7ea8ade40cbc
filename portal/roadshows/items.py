"""A roadshow's running order: listed results with their presenter and time slot, in order; and
the pickers its form offers (listed results, the city's presenter accounts)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Intent, Organization, Result, Roadshow, RoadshowItem, UserAccount
from db.models.enums import ResultStatus, Role
from portal.core import idempotency, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add, audited_change, audited_delete
from portal.core.errors import PermissionDenied, ValidationError
from portal.core.service import reader, service
from portal.roadshows.counting import companies_of
from portal.roadshows.links import new_token
from portal.roadshows.moments import aware, moment
from portal.roadshows.records import items_of, load_item, load_show
from portal.roadshows.rules import ROADSHOW


def _slot(show: Roadshow, start: datetime | str | None, end: datetime | str | None) -> tuple:
    slot_start = moment(start, field="roadshow_slot_start", required=False)
    slot_end = moment(end, field="roadshow_slot_end", required=False)
    if slot_start and slot_end and slot_end <= slot_start:
        raise ValidationError("roadshows.error.slot_order", field="roadshow_slot_end")
    if slot_start is not None and slot_start < aware(show.starts_at):
        raise ValidationError("roadshows.error.slot_before_start", field="roadshow_slot_start")
    return slot_start, slot_end


def _presenter(s: Session, show: Roadshow, name: str, user_id: uuid.UUID | None) -> tuple[str, uuid.UUID | None]:
    name = validation.text(name, field="roadshow_presenter", max_length=60, required=False)
    if user_id is not None:
        user = s.get(UserAccount, user_id)
        # the account named must be a presenter's (a fact about the account, not a grant)
        if user is None or user.role != Role.PRESENTER or user.city_code != show.city_code or user.disabled:
            raise ValidationError("roadshows.error.not_a_presenter", field="roadshow_presenter")
        name = name or user.display_name
    if not name:
        raise ValidationError("error.required", field="roadshow_presenter")
    return name, user_id


@service(ROADSHOW, "arrange")
def add_item(s: Session, *, actor: Actor, roadshow_id: uuid.UUID, result_id: uuid.UUID, presenter_name: str = "",
             presenter_user_id: uuid.UUID | None = None, slot_start: datetime | str | None = None,
             slot_end: datetime | str | None = None, idempotency_key: str | None = None) -> RoadshowItem:
    """Put a listed result at the end of the running order, with its presenter and time slot; the
    same idempotency_key again returns the item already added."""
    show = load_show(s, actor, "arrange", roadshow_id, lock=True)
    result = s.get(Result, result_id) if result_id else None
    if result is None or result.status != ResultStatus.LISTED:
        raise ValidationError("roadshows.error.result_not_listed", field="roadshow_result")
    name, user_id = _presenter(s, show, presenter_name, presenter_user_id)
    start, end = _slot(show, slot_start, slot_end)

    def make() -> RoadshowItem:  # a second click finds the result on already: not refused, the same item
        items = items_of(s, show.id)
        if any(i.result_id == result.id for i in items):
            raise ValidationError("roadshows.error.result_already_on", field="roadshow_result")
        item = RoadshowItem(roadshow_id=show.id, result_id=result.id,
                            position=(items[-1].position + 1) if items else 1, presenter_name=name,
                            presenter_user_id=user_id, slot_start=start, slot_end=end, token=new_token())
        return audited_add(s, actor, "roadshow.item_add", item, city_code=show.city_code)

    return idempotency.once(s, actor, idempotency_key, "roadshow.item_add", RoadshowItem, make)


@service(ROADSHOW, "arrange")
def update_item(s: Session, *, actor: Actor, item_id: uuid.UUID, presenter_name: str = "",
                presenter_user_id: uuid.UUID | None = None, slot_start: datetime | str | None = None,
                slot_end: datetime | str | None = None) -> RoadshowItem:
    """Change an item's presenter and time slot."""
    item, show = load_item(s, actor, "arrange", item_id, lock=True)
    name, user_id = _presenter(s, show, presenter_name, presenter_user_id)
    start, end = _slot(show, slot_start, slot_end)
    with audited_change(s, actor, "roadshow.item_update", item, city_code=show.city_code):
        item.presenter_name, item.presenter_user_id = name, user_id
        item.slot_start, item.slot_end = start, end
    return item


@service(ROADSHOW, "arrange")
def remove_item(s: Session, *, actor: Actor, item_id: uuid.UUID) -> None:
    """Take a result off a roadshow that has no intents on it yet; the others close ranks."""
    item, show = load_item(s, actor, "arrange", item_id, lock=True)
    if s.exec(select(Intent.id).where(Intent.roadshow_item_id == item.id)).first() is not None:
        raise ValidationError("roadshows.error.item_has_intents", field="roadshow_result")
    audited_delete(s, actor, "roadshow.item_remove", item, city_code=show.city_code)
    _renumber(s, actor, show, [i.id for i in items_of(s, show.id)])


def _renumber(s: Session, actor: Actor, show: Roadshow, order: list[uuid.UUID]) -> None:
    items = {i.id: i for i in items_of(s, show.id)}
    for position, item_id in enumerate(order, start=1):
        item = items[item_id]
        if item.position != position:
            with audited_change(s, actor, "roadshow.item_move", item, city_code=show.city_code):
                item.position = position


@service(ROADSHOW, "arrange")
def reorder_items(s: Session, *, actor: Actor, roadshow_id: uuid.UUID, item_ids: list[uuid.UUID]) -> None:
    """Set the running order: item_ids must name every item of the roadshow exactly once."""
    show = load_show(s, actor, "arrange", roadshow_id, lock=True)
    current = {i.id for i in items_of(s, show.id)}
    if len(item_ids) != len(current) or set(item_ids) != current:
        raise ValidationError("roadshows.error.bad_order", field="roadshow_order")
    _renumber(s, actor, show, list(item_ids))


@service(ROADSHOW, "arrange")
def move_item(s: Session, *, actor: Actor, item_id: uuid.UUID, step: int) -> None:
    """Move an item up (step -1) or down (+1) the running order."""
    item, show = load_item(s, actor, "arrange", item_id, lock=True)
    order = [i.id for i in items_of(s, show.id)]
    here = order.index(item.id)
    there = max(0, min(len(order) - 1, here + step))
    order[here], order[there] = order[there], order[here]
    _renumber(s, actor, show, order)


# --- reads -------------------------------------------------------------------------------------

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


@reader(ROADSHOW, "read_details")
def list_items(*, actor: Actor, roadshow_id: uuid.UUID) -> list[ItemRow]:
    """The running order of a roadshow, with the intents each item drew."""
    intents = companies_of(Intent.roadshow_item_id == RoadshowItem.id)  # companies, not submissions
    with read_session() as s:
        show = load_show(s, actor, "read_details", roadshow_id)
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
    """A listed result as the add-a-result picker offers it."""

    id: uuid.UUID
    title: str
    number: str
    field: str
    institution: str
    city_code: str


@reader(ROADSHOW, "arrange")
def listed_results(*, actor: Actor, query: str = "", field: str | None = None,
                   limit: int = 30) -> list[ResultChoice]:
    """Listed results of the province's pool (the pool is province-wide, and `add_item` takes any
    listed result) for someone who may arrange roadshows; newest first, filtered by text."""
    if not ROADSHOW.may(actor, "arrange"):
        raise PermissionDenied()
    query = validation.text(query, field="roadshow_result_search", max_length=60, required=False)
    stmt = (select(Result.id, Result.title, Result.number, Result.field, Organization.name, Result.city_code)
            .join(Organization, Organization.id == Result.owner_org_id)
            .where(Result.status == ResultStatus.LISTED))
    if field:
        stmt = stmt.where(Result.field == field)
    if query:
        stmt = stmt.where(or_(Result.title.contains(query, autoescape=True),
                              Result.number.contains(query, autoescape=True),
                              Organization.name.contains(query, autoescape=True)))
    with read_session() as s:
        rows = s.exec(stmt.order_by(Result.listed_at.desc()).limit(max(1, min(limit, 200)))).all()
        return [ResultChoice(*row) for row in rows]


@dataclass(frozen=True)
class PresenterChoice:
    """A presenter account the item form may name."""

    id: uuid.UUID
    name: str


@reader(ROADSHOW, "arrange")
def list_presenters(*, actor: Actor, roadshow_id: uuid.UUID) -> list[PresenterChoice]:
    """The enabled presenter accounts of the roadshow's city (what `_presenter` accepts)."""
    with read_session() as s:
        show = load_show(s, actor, "arrange", roadshow_id)
        users = s.exec(select(UserAccount).where(UserAccount.role == Role.PRESENTER,
                                                 UserAccount.city_code == show.city_code,
                                                 UserAccount.disabled == False)  # noqa: E712
                       .order_by(UserAccount.display_name)).all()
        return [PresenterChoice(u.id, u.display_name) for u in users]
