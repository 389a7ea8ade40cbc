"""Planning a roadshow: its details (draft), then publishing it for the presenters and closing it
after the event. Who may do which, from which status, is `rules.ROADSHOW`. Publishing while the
QR codes point at this machine only is allowed (a rehearsal) but warned about: here in the server
log, and loudly on the roadshow, presenter and deck pages (portal/ui/roadshows.py)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from db.models import Roadshow
from db.models.enums import Field_, RoadshowStatus
from portal.core import idempotency, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add, audited_change
from portal.core.directory import acting_agency
from portal.core.errors import PermissionDenied, ValidationError
from portal.core.regions import all_regions
from portal.core.service import service
from portal.core.workflow import Subject
from portal.roadshows.links import phones_cannot_open, public_base_url
from portal.roadshows.moments import moment
from portal.roadshows.records import items_of, load_show
from portal.roadshows.rules import ROADSHOW
from portal.scoring import points

log = logging.getLogger(__name__)

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
    starts = moment(data.starts_at, field="roadshow_starts_at")
    ends = moment(data.ends_at, field="roadshow_ends_at", required=False)
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


@service(ROADSHOW, "create")
def create_roadshow(s: Session, *, actor: Actor, data: RoadshowInput,
                    agency_id: uuid.UUID | None = None, idempotency_key: str | None = None) -> Roadshow:
    """Plan a roadshow (draft) for the operator's agency and city (the province names the agency);
    the same idempotency_key again returns the roadshow already planned."""
    if not ROADSHOW.may(actor, "create"):
        raise PermissionDenied()
    agency = acting_agency(s, actor, agency_id)
    ROADSHOW.require(actor, "create", Subject(city_code=agency.city_code, agency_id=agency.id))
    values = _clean(data, agency.city_code)
    return idempotency.once(s, actor, idempotency_key, "roadshow.create", Roadshow, lambda: audited_add(
        s, actor, "roadshow.create", Roadshow(**values, city_code=agency.city_code, agency_id=agency.id,
                                              status=RoadshowStatus.DRAFT, created_by=actor.user_id)))


@service(ROADSHOW, "update")
def update_roadshow(s: Session, *, actor: Actor, roadshow_id: uuid.UUID, data: RoadshowInput) -> Roadshow:
    """Change a roadshow's details while it is not closed."""
    show = load_show(s, actor, "update", roadshow_id, lock=True)
    values = _clean(data, show.city_code)
    with audited_change(s, actor, "roadshow.update", show):
        for key, value in values.items():
            setattr(show, key, value)
    return show


@service(ROADSHOW, "publish")
def publish_roadshow(s: Session, *, actor: Actor, roadshow_id: uuid.UUID) -> Roadshow:
    """Draft → published: presenters can now open it; it needs at least one result."""
    show = load_show(s, actor, "publish", roadshow_id, lock=True)
    if not items_of(s, show.id):
        raise ValidationError("roadshows.error.no_items", field="roadshow_result")
    with ROADSHOW.move(s, actor, "publish", show):
        pass
    if phones_cannot_open():
        log.warning("roadshow %s published while its QR codes point at %s, which no phone can open: "
                    "set PORTAL_PUBLIC_BASE_URL", show.id, public_base_url())
    return show


@service(ROADSHOW, "close")
def close_roadshow(s: Session, *, actor: Actor, roadshow_id: uuid.UUID) -> Roadshow:
    """Published → closed: the event is over; its QR pages still take intents."""
    show = load_show(s, actor, "close", roadshow_id, lock=True)
    with ROADSHOW.move(s, actor, "close", show):
        points.award(s, actor=actor, kind="roadshow_held", agency_id=show.agency_id,
                     city_code=show.city_code, entity="roadshow", entity_id=show.id)
    return show
