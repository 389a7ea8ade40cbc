"""The 供需荟 match record a trial came from: the picker's choices, the checks, the stage it moves to.

A trial keeps its match (`Contract.match_id`) so the funnel and the roadshow reports can follow a
contact through to the deal; linking one moves the match on to the trial stage. Which matches a
trial may name is the match table's (`portal.hub.rules.MATCH`): the open ones the actor works on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from db.engine import read_session
from db.models import Match, Organization
from portal.core.actor import Actor
from portal.core.errors import NotFound, ValidationError
from portal.core.scope import as_id
from portal.core.service import reader
from portal.core.workflow import Columns
from portal.hub import matches
from portal.hub.rules import MATCH

MAX_CHOICES = 50
# "follow_up" is the step on an open match (contacted … trial) by the city's staff: the matches a
# trial of theirs may be linked to
LINKABLE = "follow_up"
COLUMNS = Columns(city=Match.city_code, orgs=(Match.enterprise_org_id,), status=Match.stage)


@dataclass(frozen=True)
class MatchChoice:
    """An open match a new trial can be linked to, as the picker shows it."""

    id: uuid.UUID
    contact_date: date
    enterprise_org_id: uuid.UUID
    enterprise_name: str
    stage: str
    channel: str


@reader(MATCH, LINKABLE)
def match_choices(*, actor: Actor, result_id: uuid.UUID | None, licensee_org_id: uuid.UUID | None = None,
                  city_code: str | None = None, limit: int = MAX_CHOICES) -> list[MatchChoice]:
    """Open matches of the result (and of the enterprise, when chosen) in the actor's city, latest
    first; the province narrows to city_code (its agency's city). At most 50: a picker, not a list."""
    stmt = MATCH.scope_filter(
        select(Match.id, Match.contact_date, Match.enterprise_org_id, Organization.name, Match.stage,
               Match.channel).join(Organization, Organization.id == Match.enterprise_org_id),
        actor, COLUMNS, LINKABLE)  # PermissionDenied for a role that moves no matches
    if not result_id:
        return []
    stmt = stmt.where(Match.result_id == result_id)  # ix_match_result
    if licensee_org_id:
        stmt = stmt.where(Match.enterprise_org_id == licensee_org_id)
    if city_code:
        stmt = stmt.where(Match.city_code == city_code)
    with read_session() as s:
        rows = s.exec(stmt.order_by(Match.contact_date.desc(), Match.id).limit(min(limit, MAX_CHOICES))).all()
    return [MatchChoice(*row) for row in rows]


def linked_match(s: Session, actor: Actor, match_id: uuid.UUID | str, *, result_id: uuid.UUID,
                 licensee_org_id: uuid.UUID, city_code: str) -> Match:
    """The match a new trial names: absent unless the actor reads it and it is of the trial's city;
    refused when it is about another result or enterprise, or already closed (converted or dropped)."""
    mid = as_id(match_id)
    match = MATCH.readable(actor, s.get(Match, mid) if mid else None)
    if match.city_code != city_code:
        raise NotFound()
    if match.result_id != result_id or match.enterprise_org_id != licensee_org_id:
        raise ValidationError("contracts.error.match_other_parties", field="contract_match")
    if not MATCH.may(actor, LINKABLE, match):
        raise ValidationError("contracts.error.match_closed", field="contract_match")
    return match


def advance_match(s: Session, actor: Actor, match: Match, stage: str, contract_number: str) -> None:
    """Move the match on to stage (trial when a trial is made from it, converted when that trial
    becomes a deal) inside the caller's transaction, when that is a step forward; the match's own
    table decides."""
    matches.advance(s, actor, match, stage, reason=contract_number)
