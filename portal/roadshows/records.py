"""Loading a roadshow (or one of its items) for an action, through the table in rules.py."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from db.models import Roadshow, RoadshowItem
from portal.core.actor import Actor
from portal.core.errors import PermissionDenied
from portal.core.scope import as_id
from portal.roadshows.rules import ROADSHOW


def load_show(s: Session, actor: Actor, action: str, roadshow_id: uuid.UUID | str | None, *,
              lock: bool = False) -> Roadshow:
    """The roadshow action is to be taken on (locked for a change): PermissionDenied for a role
    with no grant for action at all, NotFound when it is missing or out of the actor's sight, the
    table's refusal when its status does not allow action."""
    if not ROADSHOW.may(actor, action):
        raise PermissionDenied()
    rid = as_id(roadshow_id)
    show = s.get(Roadshow, rid, with_for_update=lock) if rid else None
    if action == "read":  # a presenter's draft is out of sight, not "in the wrong status"
        return ROADSHOW.readable(actor, show)
    ROADSHOW.require(actor, action, show)
    return show


def load_item(s: Session, actor: Actor, action: str, item_id: uuid.UUID | str | None, *,
              lock: bool = False) -> tuple[RoadshowItem, Roadshow]:
    """An item and its roadshow, for action on the roadshow (see `load_show`)."""
    iid = as_id(item_id)
    item = s.get(RoadshowItem, iid) if iid else None
    show = load_show(s, actor, action, item.roadshow_id if item else None, lock=lock)
    return item, show


def items_of(s: Session, roadshow_id: uuid.UUID) -> list[RoadshowItem]:
    """A roadshow's items in running order."""
    return list(s.exec(select(RoadshowItem).where(RoadshowItem.roadshow_id == roadshow_id)
                       .order_by(RoadshowItem.position)).all())
