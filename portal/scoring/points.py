"""Points (积分管理): events earned by agencies and their staff, weighted by the city's settings.

Other capabilities call `award` inside their own write transaction, e.g. when a match is
recorded or a trial is signed; the weight comes from the city's policy `points_rules`, so a city
administrator changes it in the settings page without a restart.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Agency, PointsEvent, UserAccount
from db.models.enums import PointsKind
from portal.core.actor import Actor
from portal.core.audit import audited_add
from portal.core.cache import cached
from portal.core.clock import today
from portal.core.errors import ValidationError
from portal.core.policy import current_policy
from portal.core.service import reader
from portal.core.workflow import Columns
from portal.dashboards.period import check_period
from portal.dashboards.rules import DASHBOARD, scope_city

COLUMNS = Columns(city=PointsEvent.city_code)


def award(session: Session, actor: Actor, *, agency_id: uuid.UUID, city_code: str, kind: str,
          entity: str, entity_id: uuid.UUID | str, occurred_on: date | None = None,
          user_id: uuid.UUID | None = None) -> PointsEvent | None:
    """Add a points event in the caller's transaction; the weight is the city's `points_rules[kind]`.

    Not a service of its own: the step that earns the points (a match recorded, a trial signed, …)
    is the caller's, checked by the caller's workflow; the actor is who earned them.
    Awarding the same kind for the same entity and agency twice adds nothing (a retried action
    earns its points once). A weight of 0 turns the rule off. Returns the event, or None.
    """
    if kind not in set(PointsKind):
        raise ValidationError("error.bad_choice", field="points_kind", value=str(kind))
    points = int(current_policy(city_code, session=session).points_rules.get(kind, 0))
    if points <= 0:
        return None
    entity_key = str(entity_id)
    existing = session.exec(
        select(PointsEvent).where(PointsEvent.agency_id == agency_id, PointsEvent.kind == kind,
                                  PointsEvent.entity == entity, PointsEvent.entity_id == entity_key)
    ).first()
    if existing is not None:
        return None
    event = PointsEvent(agency_id=agency_id, user_id=user_id if user_id is not None else actor.user_id,
                        city_code=city_code, kind=kind, points=points, entity=entity,
                        entity_id=entity_key, occurred_on=occurred_on or today())
    return audited_add(session, actor, "points.award", event)


@dataclass(frozen=True)
class PointsRow:
    """One line of a points ranking."""

    key: str  # agency id, user id or city code
    name: str
    city_code: str
    points: int
    events: int


def _ranking(s: Session, actor: Actor, *, by: str, start: date, end: date, limit: int,
             city_code: str | None) -> list[PointsRow]:
    """Points earned between start and end (inclusive) per agency, staff member or city, highest first."""
    base = (PointsEvent.occurred_on >= start, PointsEvent.occurred_on <= end)
    total = func.sum(PointsEvent.points).label("points")
    n = func.count(PointsEvent.id).label("events")
    if by == "agency":
        stmt = (select(Agency.id, Agency.name, Agency.city_code, total, n)
                .join(Agency, Agency.id == PointsEvent.agency_id)
                .group_by(Agency.id, Agency.name, Agency.city_code))
    elif by == "user":
        stmt = (select(UserAccount.id, UserAccount.display_name, PointsEvent.city_code, total, n)
                .join(UserAccount, UserAccount.id == PointsEvent.user_id)
                .group_by(UserAccount.id, UserAccount.display_name, PointsEvent.city_code))
    elif by == "city":
        stmt = select(PointsEvent.city_code, PointsEvent.city_code, PointsEvent.city_code, total, n).group_by(
            PointsEvent.city_code)
    else:
        raise ValidationError("error.bad_choice", field="ranking_level", value=by)
    stmt = DASHBOARD.scope_filter(stmt.where(*base), actor, COLUMNS)
    if city_code:
        stmt = stmt.where(PointsEvent.city_code == city_code)
    rows = s.exec(stmt.order_by(total.desc()).limit(limit)).all()
    return [PointsRow(str(k), str(name), str(city), int(p or 0), int(c or 0)) for k, name, city, p, c in rows]


@reader(DASHBOARD)
def ranking(*, actor: Actor, by: str, start: date, end: date, city_code: str | None = None,
            limit: int = 50) -> list[PointsRow]:
    """The points ranking of the dashboards: the actor's city, or (province) one city or all."""
    city = scope_city(actor, city_code)
    check_period(start, end)

    def compute() -> list[PointsRow]:
        with read_session() as s:
            return _ranking(s, actor, by=by, start=start, end=end, limit=limit, city_code=city)

    # 25-30 ms of grouping over the points events at province scale, on every rerun of the
    # rankings page; cached per scope like the activity index (points_event is a watched table,
    # so an award drops it; a renamed user shows after the entry expires)
    return cached(("points", by, start, end, limit), compute, city=city)
