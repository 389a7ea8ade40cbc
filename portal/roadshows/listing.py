"""Reading roadshows: one page of those the actor may see, and one roadshow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Agency, Intent, Roadshow, RoadshowItem
from portal.core import validation
from portal.core.actor import Actor
from portal.core.paging import Page, paginate
from portal.core.service import reader
from portal.core.workflow import Columns
from portal.roadshows.counting import counted, counted_of_roadshow
from portal.roadshows.moments import aware
from portal.roadshows.records import load_show
from portal.roadshows.rules import ROADSHOW, S

COLUMNS = Columns(city=Roadshow.city_code, agency=Roadshow.agency_id, status=Roadshow.status,
                  creator=Roadshow.created_by)


@dataclass(frozen=True)
class RoadshowRow:
    """One line of the roadshow list (governed by the roadshow table: pages ask it for buttons)."""

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
    agency_id: uuid.UUID
    agency_name: str
    description: str
    items: int
    intents: int


ROADSHOW.govern(RoadshowRow)


def _counts():  # noqa: ANN202
    items = (select(func.count()).select_from(RoadshowItem)
             .where(RoadshowItem.roadshow_id == Roadshow.id).scalar_subquery())
    intents = (select(func.count()).select_from(Intent)  # companies per item, not submissions
               .where(Intent.roadshow_id == Roadshow.id, counted()).scalar_subquery())
    return items, intents


def _row(show: Roadshow, agency: str | None, items: int, intents: int) -> RoadshowRow:
    return RoadshowRow(show.id, show.title, show.status, aware(show.starts_at), aware(show.ends_at),
                       show.venue, show.online_link, show.city_code, show.county_code, show.theme_field,
                       show.agency_id, agency or "", show.description, int(items), int(intents))


def row_of(s: Session, show: Roadshow) -> RoadshowRow:
    """show as a list row, inside the caller's session (the caller has checked it may be read)."""
    agency = s.get(Agency, show.agency_id)
    n_items = s.exec(select(func.count()).select_from(RoadshowItem).where(RoadshowItem.roadshow_id == show.id)).one()
    n_intents = s.exec(counted_of_roadshow(show.id)).one()
    return _row(show, agency.name if agency else "", n_items, n_intents)


@reader(ROADSHOW)
def list_roadshows(*, actor: Actor, status: str | None = None, page: int | None = 1,
                   page_size: int = 50) -> Page[RoadshowRow]:
    """One page (from 1) of the roadshows the actor may see, the latest first: a presenter sees
    only its city's published ones."""
    conds = [Roadshow.status == validation.choice(status, S, field="roadshow_status")] if status else []
    items, intents = _counts()
    stmt = ROADSHOW.scope_filter(select(Roadshow, Agency.name, items, intents)
                                 .join(Agency, Agency.id == Roadshow.agency_id), actor, COLUMNS).where(*conds)
    count = ROADSHOW.scope_filter(select(func.count()).select_from(Roadshow), actor, COLUMNS).where(*conds)
    with read_session() as s:
        def fetch(offset: int, limit: int) -> list[RoadshowRow]:
            rows = s.exec(stmt.order_by(Roadshow.starts_at.desc(), Roadshow.id).offset(offset).limit(limit))
            return [_row(*r) for r in rows]

        return paginate(s, count, fetch, page=page, size=page_size)


@reader(ROADSHOW)
def get_roadshow(*, actor: Actor, roadshow_id: uuid.UUID) -> RoadshowRow:
    """One roadshow the actor may see (NotFound otherwise)."""
    with read_session() as s:
        return row_of(s, load_show(s, actor, "read", roadshow_id))
