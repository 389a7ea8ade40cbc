"""Match records (撮合对接): contacts between a demand / enterprise and a result, and their stages.

Stages move forward along contacted → interested → pilot → trial → converted (steps may be
skipped, never taken back); any open stage may end in dropped, which needs a reason from the
fixed list. Converted and dropped are final. The allowed moves live in `ALLOWED` only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import read_session, transaction
from db.models import Agency, Demand, Intent, Match, Organization, Result, Roadshow
from db.models.enums import (
    Channel,
    DemandStatus,
    DropReason,
    MatchStage,
    OrgKind,
    ResultStatus,
    Role,
)
from portal.core import audit, validation
from portal.core.actor import Actor
from portal.core.cache import cached
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.scope import acting_agency, ensure_readable, filter_scope, scope_key
from portal.scoring import points

STAGE_ORDER = (MatchStage.CONTACTED, MatchStage.INTERESTED, MatchStage.PILOT, MatchStage.TRIAL,
               MatchStage.CONVERTED)
FINAL_STAGES = (MatchStage.CONVERTED, MatchStage.DROPPED)

# stage → stages it may move to (forward along STAGE_ORDER, or dropped while open)
ALLOWED: dict[str, tuple[str, ...]] = {
    stage: (*STAGE_ORDER[i + 1:], MatchStage.DROPPED) for i, stage in enumerate(STAGE_ORDER[:-1])
}
ALLOWED[MatchStage.CONVERTED] = ()
ALLOWED[MatchStage.DROPPED] = ()

WRITER_ROLES = (Role.CITY_OPERATOR, Role.PROVINCE_ADMIN)


def _check_writer(actor: Actor) -> None:
    if actor.role not in WRITER_ROLES:
        raise PermissionDenied()


def _dates(contact_date: date | str | None, next_follow_up: date | str | None) -> tuple[date, date | None]:
    contact = validation.a_date(contact_date, field="match_contact_date")
    if contact > today():
        raise ValidationError("matching.error.contact_in_future", field="match_contact_date")
    follow = validation.a_date(next_follow_up, field="match_next_follow_up", required=False)
    if follow is not None and follow < contact:
        raise ValidationError("matching.error.follow_up_before_contact", field="match_next_follow_up")
    return contact, follow


def record_match(*, actor: Actor, result_id: uuid.UUID, enterprise_org_id: uuid.UUID, channel: str,
                 contact_date: date | str, demand_id: uuid.UUID | None = None,
                 intent_id: uuid.UUID | None = None, roadshow_id: uuid.UUID | None = None,
                 people: str = "", notes: str = "", next_follow_up: date | str | None = None,
                 agency_id: uuid.UUID | None = None) -> Match:
    """Record a contact (stage 'contacted') for the operator's city; an intent becomes one match."""
    _check_writer(actor)
    validation.choice(channel, Channel, field="match_channel")
    contact, follow = _dates(contact_date, next_follow_up)
    people = validation.text(people, field="match_people", max_length=200, required=False)
    notes = validation.text(notes, field="match_notes", max_length=4000, required=False)
    with transaction() as s:
        agency = acting_agency(s, actor, agency_id)
        city = agency.city_code
        result = s.get(Result, result_id) if result_id else None
        if result is None:
            raise ValidationError("matching.error.no_such_result", field="match_result")
        if result.status != ResultStatus.LISTED:
            raise ValidationError("matching.error.result_not_listed", field="match_result")
        enterprise = s.get(Organization, enterprise_org_id) if enterprise_org_id else None
        if enterprise is None or enterprise.kind != OrgKind.ENTERPRISE:
            raise ValidationError("matching.error.not_enterprise", field="match_enterprise")
        demand = None
        if demand_id is not None:
            demand = s.get(Demand, demand_id)
            ensure_readable(actor, demand, city_code=demand.city_code if demand else None)
            if demand.city_code != city:
                raise NotFound()
            if demand.enterprise_org_id != enterprise.id:
                raise ValidationError("matching.error.demand_other_enterprise", field="match_enterprise")
        if intent_id is not None:
            intent = s.get(Intent, intent_id)
            ensure_readable(actor, intent, city_code=intent.city_code if intent else None)
            if intent.city_code != city:
                raise NotFound()
            if intent.result_id != result.id:
                raise ValidationError("matching.error.intent_other_result", field="match_result")
            if s.exec(select(Match.id).where(Match.intent_id == intent.id)).first() is not None:
                raise ValidationError("matching.error.intent_already_matched", field="match_intent")
            roadshow_id = roadshow_id or intent.roadshow_id
        if roadshow_id is not None:
            show = s.get(Roadshow, roadshow_id)
            city_of_show = getattr(show, "city_code", None)
            ensure_readable(actor, show, city_code=city_of_show)
        match = Match(demand_id=demand.id if demand else None, result_id=result.id,
                      enterprise_org_id=enterprise.id, agency_id=agency.id, city_code=city,
                      channel=channel, contact_date=contact, people=people, notes=notes,
                      next_follow_up=follow, stage=MatchStage.CONTACTED, intent_id=intent_id,
                      roadshow_id=roadshow_id, created_by=actor.user_id)
        s.add(match)
        audit.record(s, actor, "match.record", match)
        if demand is not None and demand.status == DemandStatus.OPEN:
            before = audit.snapshot(demand)
            demand.status = DemandStatus.MATCHED
            s.add(demand)
            audit.record(s, actor, "demand.matched", demand, before=before)
        points.award(s, actor=actor, kind="match_recorded", agency_id=match.agency_id,
                     city_code=match.city_code, entity="match_record", entity_id=match.id)
    return match


@dataclass(frozen=True)
class AgencyChoice:
    """An agency a contact (or a trial) can be recorded for, as pickers show it."""

    id: uuid.UUID
    name: str
    city_code: str


def agency_choices(*, actor: Actor, result_id: uuid.UUID | None = None,
                   city_code: str | None = None) -> list[AgencyChoice]:
    """The agencies the actor may record for: a city operator only its own; the province every agency,
    those of city_code (default: the result's city) first, then by city and name. A province has a
    few dozen agencies, so one short list."""
    if actor.role not in WRITER_ROLES:
        return []
    if actor.role != Role.PROVINCE_ADMIN:
        return [a for a in _all_agencies() if a.id == actor.agency_id]
    if city_code is None and result_id is not None:
        with read_session() as s:
            city_code = s.exec(select(Result.city_code).where(Result.id == result_id)).first()
    return sorted(_all_agencies(), key=lambda a: a.city_code != city_code)  # stable: city and name order kept


def _all_agencies() -> list[AgencyChoice]:
    """Every agency by city and name: a form per recommendation asks, so kept until one changes."""
    def compute() -> list[AgencyChoice]:
        with read_session() as s:
            return [AgencyChoice(a.id, a.name, a.city_code)
                    for a in s.exec(select(Agency).order_by(Agency.city_code, Agency.name)).all()]

    return cached(("agencies",), compute, city=None)


def _load_for_change(s: Session, actor: Actor, match_id: uuid.UUID) -> Match:
    _check_writer(actor)
    match = s.get(Match, match_id) if match_id else None
    ensure_readable(actor, match, city_code=match.city_code if match else None)
    return match


def move_stage(*, actor: Actor, match_id: uuid.UUID, stage: str, drop_reason: str | None = None,
               note: str = "", next_follow_up: date | str | None = None) -> Match:
    """Move a match to stage; dropped needs a reason from the fixed list."""
    validation.choice(stage, MatchStage, field="match_stage")
    note = validation.text(note, field="match_notes", max_length=2000, required=False)
    with transaction() as s:
        match = _load_for_change(s, actor, match_id)
        if stage not in ALLOWED[match.stage]:
            raise ValidationError("matching.error.bad_transition", field="match_stage",
                                  current=match.stage, target=stage)
        reason = None
        if stage == MatchStage.DROPPED:
            reason = validation.choice(drop_reason, DropReason, field="match_drop_reason")
        follow = validation.a_date(next_follow_up, field="match_next_follow_up", required=False)
        before = audit.snapshot(match)
        match.stage = stage
        match.drop_reason = reason
        if stage in FINAL_STAGES:
            match.next_follow_up = None
        elif follow is not None:
            match.next_follow_up = follow
        if note:
            stamp = today().isoformat()
            match.notes = (match.notes + "\n" if match.notes else "") + f"[{stamp}] {note}"
        s.add(match)
        audit.record(s, actor, "match.stage", match, before=before, reason=note or reason)
    return match


def log_follow_up(*, actor: Actor, match_id: uuid.UUID, note: str, next_follow_up: date | str | None,
                  people: str | None = None) -> Match:
    """Add a dated note to an open match and set its next follow-up date."""
    note = validation.text(note, field="match_notes", max_length=2000)
    follow = validation.a_date(next_follow_up, field="match_next_follow_up", required=False)
    if follow is not None and follow < today():
        raise ValidationError("matching.error.follow_up_in_past", field="match_next_follow_up")
    with transaction() as s:
        match = _load_for_change(s, actor, match_id)
        if match.stage in FINAL_STAGES:
            raise ValidationError("matching.error.match_closed", field="match_stage")
        before = audit.snapshot(match)
        match.notes = (match.notes + "\n" if match.notes else "") + f"[{today().isoformat()}] {note}"
        match.next_follow_up = follow
        if people is not None:
            match.people = validation.text(people, field="match_people", max_length=200, required=False)
        s.add(match)
        audit.record(s, actor, "match.follow_up", match, before=before)
    return match


@dataclass(frozen=True)
class MatchRow:
    """A match as lists and the pipeline show it."""

    id: uuid.UUID
    stage: str
    result_id: uuid.UUID
    result_title: str
    enterprise_name: str
    demand_title: str | None
    channel: str
    contact_date: date
    people: str
    notes: str
    next_follow_up: date | None
    drop_reason: str | None
    city_code: str

    @property
    def overdue(self) -> bool:
        """An open match whose follow-up date has passed."""
        return (self.stage not in FINAL_STAGES and self.next_follow_up is not None
                and self.next_follow_up < today())


def _rows_stmt(actor: Actor):  # noqa: ANN202
    stmt = (
        select(Match, Result.title, Organization.name, Demand.title)
        .join(Result, Result.id == Match.result_id)
        .join(Organization, Organization.id == Match.enterprise_org_id)
        .join(Demand, Demand.id == Match.demand_id, isouter=True)
    )
    return filter_scope(stmt, actor, city_col=Match.city_code, org_cols=(Match.enterprise_org_id,))


def _row(m: Match, title: str, ent: str, demand: str | None) -> MatchRow:
    return MatchRow(m.id, m.stage, m.result_id, title, ent, demand, m.channel, m.contact_date, m.people,
                    m.notes, m.next_follow_up, m.drop_reason, m.city_code)


def list_matches(*, actor: Actor, stage: str | None = None, demand_id: uuid.UUID | None = None,
                 result_id: uuid.UUID | None = None, overdue_only: bool = False,
                 limit: int = 50, offset: int = 0) -> list[MatchRow]:
    """Matches in the actor's scope: latest contacts first; overdue (longest first) or one stage
    (next follow-up first) when filtered."""
    stmt = _rows_stmt(actor)
    if stage:
        stmt = stmt.where(Match.stage == stage)
    if demand_id:
        stmt = stmt.where(Match.demand_id == demand_id)
    if result_id:
        stmt = stmt.where(Match.result_id == result_id)
    # each order below walks an index of match_record, so a page stays quick at a million matches
    if overdue_only:
        stmt = stmt.where(Match.stage.not_in(FINAL_STAGES), Match.next_follow_up < today())
        stmt = stmt.order_by(Match.next_follow_up, Match.id)  # the longest overdue first
    elif stage:
        stmt = stmt.order_by(Match.next_follow_up, Match.id)  # the next follow-up due first
    else:
        stmt = stmt.order_by(Match.contact_date.desc(), Match.id)  # the latest contacts first
    with read_session() as s:
        rows = s.exec(stmt.limit(limit).offset(offset)).all()
    return [_row(*r) for r in rows]


def get_match(*, actor: Actor, match_id: uuid.UUID) -> MatchRow:
    """One match in scope (NotFound otherwise)."""
    with read_session() as s:
        row = s.exec(_rows_stmt(actor).where(Match.id == match_id)).first()
    if row is None:
        raise NotFound()
    return _row(*row)


@dataclass(frozen=True)
class StageCount:
    """One column of the pipeline."""

    stage: str
    total: int
    overdue: int


def pipeline(*, actor: Actor) -> list[StageCount]:
    """Matches per stage in the actor's scope, with the overdue follow-ups of each (two grouped
    counts that read only the (city, stage, follow-up) / (stage, follow-up) indexes)."""
    def scoped(stmt):  # noqa: ANN001, ANN202
        return filter_scope(stmt, actor, city_col=Match.city_code, org_cols=(Match.enterprise_org_id,))

    def compute() -> list[StageCount]:
        totals = scoped(select(Match.stage, func.count()).group_by(Match.stage))
        late = scoped(select(Match.stage, func.count())
                      .where(Match.stage.not_in(FINAL_STAGES), Match.next_follow_up < day)
                      .group_by(Match.stage))
        with read_session() as s:
            counts = {stage: int(n) for stage, n in s.exec(totals).all()}
            overdue = {stage: int(n) for stage, n in s.exec(late).all()}
        return [StageCount(stage, counts.get(stage, 0), overdue.get(stage, 0))
                for stage in (*STAGE_ORDER, MatchStage.DROPPED)]

    day = today()
    key, city = scope_key(actor)  # the province's counts take 10–15 ms: kept until a match changes
    return cached(("pipeline", day, *key), compute, city=city)
