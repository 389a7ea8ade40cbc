"""The 供需荟 match record a trial came from: the picker's choices, the checks, the stage it moves to.

A trial keeps its match (`Contract.match_id`) so the funnel and the roadshow reports can follow a
contact through to the deal; linking one moves the match on to the trial stage.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from db.engine import read_session
from db.models import Match, Organization
from portal.contracts.common import check_writer
from portal.core import scope
from portal.core.actor import Actor
from portal.core.errors import NotFound, ValidationError
from portal.hub import matches
from portal.hub.rules import FINAL_STAGES

MAX_CHOICES = 50


@dataclass(frozen=True)
class MatchChoice:
    """An open match a new trial can be linked to, as the picker shows it."""

    id: uuid.UUID
    contact_date: date
    enterprise_org_id: uuid.UUID
    enterprise_name: str
    stage: str
    channel: str


def match_choices(*, actor: Actor, result_id: uuid.UUID | None, licensee_org_id: uuid.UUID | None = None,
                  city_code: str | None = None, limit: int = MAX_CHOICES) -> list[MatchChoice]:
    """Open matches of the result (and of the enterprise, when chosen) in the actor's city, latest
    first; the province narrows to city_code (its agency's city). At most 50: a picker, not a list."""
    check_writer(actor)
    if not result_id:
        return []
    stmt = (select(Match.id, Match.contact_date, Match.enterprise_org_id, Organization.name, Match.stage,
                   Match.channel)
            .join(Organization, Organization.id == Match.enterprise_org_id)
            .where(Match.result_id == result_id, Match.stage.not_in(FINAL_STAGES)))  # ix_match_result
    if licensee_org_id:
        stmt = stmt.where(Match.enterprise_org_id == licensee_org_id)
    if actor.is_province and city_code:
        stmt = stmt.where(Match.city_code == city_code)
    stmt = scope.filter_scope(stmt, actor, city_col=Match.city_code)
    with read_session() as s:
        rows = s.exec(stmt.order_by(Match.contact_date.desc(), Match.id).limit(min(limit, MAX_CHOICES))).all()
    return [MatchChoice(*row) for row in rows]


def linked_match(s: Session, actor: Actor, match_id: uuid.UUID | str, *, result_id: uuid.UUID,
                 licensee_org_id: uuid.UUID, city_code: str) -> Match:
    """The match a new trial names: absent unless in scope and of the trial's city; refused when it is
    about another result or enterprise, or already closed (converted or dropped)."""
    mid = scope.as_id(match_id)
    match = s.get(Match, mid) if mid else None
    if match is None or match.city_code != city_code or not scope.in_scope(actor, city_code=match.city_code):
        raise NotFound()
    if match.result_id != result_id or match.enterprise_org_id != licensee_org_id:
        raise ValidationError("contracts.error.match_other_parties", field="contract_match")
    if match.stage in FINAL_STAGES:
        raise ValidationError("contracts.error.match_closed", field="contract_match")
    return match


def advance_match(s: Session, actor: Actor, match: Match, stage: str, contract_number: str) -> None:
    """Move the match on to stage (trial when a trial is made from it, converted when that trial
    becomes a deal) when that is a step forward; the match's own table decides."""
    matches.advance(s, actor, match, stage, reason=contract_number)
