"""Match records (撮合对接): contacts between a demand / enterprise and a result, and their stages.

Who may record and move a match, and which stages follow which, is `portal.hub.rules.MATCH`.
Other capabilities move a match on inside their own transactions with `advance` (a trial made
from it, a booking, a deal).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Demand, Intent, Match, Organization, Result, Roadshow
from db.models.enums import Channel, DropReason, MatchStage, ResultStatus
from portal.core import directory, idempotency, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add
from portal.core.cache import cached
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.paging import Page, paginate
from portal.core.scope import as_id, scope_key
from portal.core.service import reader, service
from portal.core.workflow import Columns
from portal.hub.rules import DEMAND, FINAL_STAGES, MATCH, STAGE_ORDER, stage_action
from portal.scoring import points

COLUMNS = Columns(city=Match.city_code, orgs=(Match.enterprise_org_id,), status=Match.stage)
AgencyChoice = directory.Choice


def _dates(contact_date: date | str | None, next_follow_up: date | str | None) -> tuple[date, date | None]:
    contact = validation.a_date(contact_date, field="match_contact_date")
    if contact > today():
        raise ValidationError("matching.error.contact_in_future", field="match_contact_date")
    follow = validation.a_date(next_follow_up, field="match_next_follow_up", required=False)
    if follow is not None and follow < contact:
        raise ValidationError("matching.error.follow_up_before_contact", field="match_next_follow_up")
    return contact, follow


def _in_city(actor: Actor, record, city: str):  # noqa: ANN001, ANN202
    """A demand, intent or roadshow the match names: of the match's city and readable by actor."""
    if record is None or record.city_code != city or not MATCH.may(actor, "record", record):
        raise NotFound()
    return record


@service(MATCH, "record")
def record_match(s: Session, *, actor: Actor, result_id: uuid.UUID, enterprise_org_id: uuid.UUID, channel: str,
                 contact_date: date | str, demand_id: uuid.UUID | None = None,
                 intent_id: uuid.UUID | None = None, roadshow_id: uuid.UUID | None = None,
                 people: str = "", notes: str = "", next_follow_up: date | str | None = None,
                 agency_id: uuid.UUID | None = None, idempotency_key: str | None = None) -> Match:
    """Record a contact (stage 'contacted') for the operator's agency and city; an intent becomes one
    match; the same idempotency_key again returns the match already recorded."""
    if not MATCH.may(actor, "record"):
        raise PermissionDenied()
    validation.choice(channel, Channel, field="match_channel")
    contact, follow = _dates(contact_date, next_follow_up)
    people = validation.text(people, field="match_people", max_length=200, required=False)
    notes = validation.text(notes, field="match_notes", max_length=4000, required=False)
    agency = directory.acting_agency(s, actor, agency_id)
    city = agency.city_code
    result = s.get(Result, as_id(result_id)) if result_id else None
    if result is None:
        raise ValidationError("matching.error.no_such_result", field="match_result")
    if result.status != ResultStatus.LISTED:
        raise ValidationError("matching.error.result_not_listed", field="match_result")
    intent = _in_city(actor, s.get(Intent, intent_id), city) if intent_id is not None else None
    if intent is not None and intent.enterprise_org_id == enterprise_org_id:
        # a roadshow's visitor may come from any city: the intent names its enterprise
        enterprise = s.get(Organization, enterprise_org_id)
    else:
        enterprise = directory.named(s, actor, enterprise_org_id, kinds=directory.ENTERPRISES,
                                     field="match_enterprise")
    demand = _in_city(actor, s.get(Demand, demand_id), city) if demand_id is not None else None
    if demand is not None and demand.enterprise_org_id != enterprise.id:
        raise ValidationError("matching.error.demand_other_enterprise", field="match_enterprise")
    if intent is not None:
        if intent.result_id != result.id:
            raise ValidationError("matching.error.intent_other_result", field="match_result")
        roadshow_id = roadshow_id or intent.roadshow_id
    if roadshow_id is not None:
        _in_city(actor, s.get(Roadshow, roadshow_id), city)

    def make() -> Match:  # a second click would find its intent matched: not refused, the same match
        if intent is not None and s.exec(select(Match.id).where(Match.intent_id == intent.id)).first() is not None:
            raise ValidationError("matching.error.intent_already_matched", field="match_intent")
        match = audited_add(s, actor, "match.record", Match(
            demand_id=demand.id if demand else None, result_id=result.id, enterprise_org_id=enterprise.id,
            agency_id=agency.id, city_code=city, channel=channel, contact_date=contact, people=people, notes=notes,
            next_follow_up=follow, stage=MatchStage.CONTACTED, intent_id=intent_id, roadshow_id=roadshow_id,
            created_by=actor.user_id))
        if demand is not None and DEMAND.may(actor, "match", demand):  # an open demand is matched now
            with DEMAND.move(s, actor, "match", demand, audit_action="demand.matched"):
                pass  # the status is the step's target
        points.award(s, actor=actor, kind="match_recorded", agency_id=match.agency_id,
                     city_code=match.city_code, entity="match_record", entity_id=match.id)
        return match

    return idempotency.once(s, actor, idempotency_key, "match.record", Match, make)


@reader(MATCH)
def agency_choices(*, actor: Actor, result_id: uuid.UUID | None = None,
                   city_code: str | None = None) -> list[AgencyChoice]:
    """The agencies the actor may record for (`directory.agencies`), those of city_code (default:
    the result's city) first; none for a reader who records nothing, refused to one who reads no
    matches."""
    if not MATCH.may(actor, "read"):
        raise PermissionDenied()
    if city_code is None and result_id is not None and MATCH.may(actor, "record"):
        with read_session() as s:
            city_code = s.exec(select(Result.city_code).where(Result.id == result_id)).first()
    return directory.agencies(actor=actor, city_code=city_code)


def _locked(s: Session, actor: Actor, match_id: uuid.UUID | str | None) -> Match:
    mid = as_id(match_id)
    match = s.exec(select(Match).where(Match.id == mid).with_for_update()).first() if mid else None
    return MATCH.readable(actor, match)


def _note(match: Match, note: str) -> None:
    if note:
        match.notes = (match.notes + "\n" if match.notes else "") + f"[{today().isoformat()}] {note}"


@service(MATCH, "to_interested")
def move_stage(s: Session, *, actor: Actor, match_id: uuid.UUID, stage: str, drop_reason: str | None = None,
               note: str = "", next_follow_up: date | str | None = None) -> Match:
    """Move a match to stage; dropped needs a reason from the fixed list."""
    validation.choice(stage, MatchStage, field="match_stage")
    note = validation.text(note, field="match_notes", max_length=2000, required=False)
    match = _locked(s, actor, match_id)
    if stage_action(stage) not in MATCH.actions:  # back to the first stage: never a move
        raise ValidationError("matching.error.bad_transition", field="match_stage", current=match.stage,
                              target=stage)
    MATCH.require(actor, stage_action(stage), match)
    reason = validation.choice(drop_reason, DropReason, field="match_drop_reason") \
        if stage == MatchStage.DROPPED else None
    follow = validation.a_date(next_follow_up, field="match_next_follow_up", required=False)
    with MATCH.move(s, actor, stage_action(stage), match, reason=note or reason, audit_action="match.stage"):
        match.drop_reason = reason
        if stage in FINAL_STAGES:
            match.next_follow_up = None
        elif follow is not None:
            match.next_follow_up = follow
        _note(match, note)
    return match


def next_stages(actor: Actor, match) -> list[str]:  # noqa: ANN001
    """The stages actor may move match (a record or a list row) to now, in order."""
    return [MATCH.target(a, match) for a in MATCH.allowed_actions(actor, match) if a.startswith("to_") or a == "drop"]


def advance(s: Session, actor: Actor, match: Match, stage: str, *, reason: str | None = None) -> bool:
    """Move match on to stage inside the caller's transaction when that is a step forward (a trial
    made from it, a booking, a deal); a match already further on, or closed, is left as it is."""
    action = stage_action(stage)
    if not MATCH.may(actor, action, match):
        return False
    with MATCH.move(s, actor, action, match, reason=reason, audit_action="match.stage"):
        if stage in FINAL_STAGES:
            match.next_follow_up = None  # nothing left to follow up
    return True


@service(MATCH, "follow_up")
def log_follow_up(s: Session, *, actor: Actor, match_id: uuid.UUID, note: str, next_follow_up: date | str | None,
                  people: str | None = None) -> Match:
    """Add a dated note to an open match and set its next follow-up date."""
    note = validation.text(note, field="match_notes", max_length=2000)
    follow = validation.a_date(next_follow_up, field="match_next_follow_up", required=False)
    if follow is not None and follow < today():
        raise ValidationError("matching.error.follow_up_in_past", field="match_next_follow_up")
    match = _locked(s, actor, match_id)
    with MATCH.move(s, actor, "follow_up", match):
        _note(match, note)
        match.next_follow_up = follow
        if people is not None:
            match.people = validation.text(people, field="match_people", max_length=200, required=False)
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
    # the match's enterprise, so the table reaches the enterprise's own matches in any city
    enterprise_org_id: uuid.UUID | None = None

    @property
    def overdue(self) -> bool:
        """An open match whose follow-up date has passed."""
        return (self.stage not in FINAL_STAGES and self.next_follow_up is not None
                and self.next_follow_up < today())


MATCH.govern(MatchRow)


def _rows_stmt(actor: Actor):  # noqa: ANN202
    stmt = (
        select(Match, Result.title, Organization.name, Demand.title)
        .join(Result, Result.id == Match.result_id)
        .join(Organization, Organization.id == Match.enterprise_org_id)
        .join(Demand, Demand.id == Match.demand_id, isouter=True)
    )
    return MATCH.scope_filter(stmt, actor, COLUMNS)


def _row(m: Match, title: str, ent: str, demand: str | None) -> MatchRow:
    return MatchRow(m.id, m.stage, m.result_id, title, ent, demand, m.channel, m.contact_date, m.people,
                    m.notes, m.next_follow_up, m.drop_reason, m.city_code, m.enterprise_org_id)


@reader(MATCH)
def list_matches(*, actor: Actor, stage: str | None = None, demand_id: uuid.UUID | None = None,
                 result_id: uuid.UUID | None = None, overdue_only: bool = False,
                 page: int = 1, page_size: int = 50) -> Page[MatchRow]:
    """One page (from 1) of the matches in the actor's scope: latest contacts first; overdue
    (longest first) or one stage (next follow-up first) when filtered."""
    conds = []
    if stage:
        conds.append(Match.stage == stage)
    if demand_id:
        conds.append(Match.demand_id == demand_id)
    if result_id:
        conds.append(Match.result_id == result_id)
    if overdue_only:
        conds += [Match.stage.not_in(FINAL_STAGES), Match.next_follow_up < today()]
    # each order below walks an index of match_record, so a page stays quick at a million matches
    if overdue_only:
        order = (Match.next_follow_up, Match.id)  # the longest overdue first
    elif stage:
        order = (Match.next_follow_up, Match.id)  # the next follow-up due first
    else:
        order = (Match.contact_date.desc(), Match.id)  # the latest contacts first
    rows = _rows_stmt(actor).where(*conds).order_by(*order)
    count = MATCH.scope_filter(select(func.count()).select_from(Match), actor, COLUMNS).where(*conds)
    with read_session() as s:
        def fetch(offset: int, limit: int) -> list[MatchRow]:
            return [_row(*r) for r in s.exec(rows.offset(offset).limit(limit)).all()]

        return paginate(s, count, fetch, page=page, size=max(1, min(page_size, 200)))


@reader(MATCH)
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


@reader(MATCH)
def pipeline(*, actor: Actor) -> list[StageCount]:
    """Matches per stage in the actor's scope, with the overdue follow-ups of each (two grouped
    counts that read only the (city, stage, follow-up) / (stage, follow-up) indexes)."""
    def scoped(stmt):  # noqa: ANN001, ANN202
        return MATCH.scope_filter(stmt, actor, COLUMNS)

    scoped(select(Match.id))  # refuse a role that reads no matches before the cache is asked

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


@dataclass(frozen=True)
class DropCount:
    """How many enterprises dropped a result for one reason, and the latest note given."""

    reason: str
    count: int
    latest_note: str


@reader(MATCH)
def drop_reasons(*, actor: Actor, result_id: uuid.UUID) -> list[DropCount]:
    """Why enterprises dropped a result (matches in the actor's scope), most frequent reason first.
    The recommender already keeps a dropped result away from that enterprise, both ways."""
    stmt = MATCH.scope_filter(
        select(Match.drop_reason, Match.notes, Match.updated_at)
        .where(Match.result_id == result_id, Match.stage == MatchStage.DROPPED), actor, COLUMNS)
    counts: dict[str, list] = {}
    with read_session() as s:
        for reason, notes, when in s.exec(stmt).all():
            entry = counts.setdefault(reason or DropReason.OTHER, [0, "", None])
            entry[0] += 1
            if notes and (entry[2] is None or when > entry[2]):
                entry[1], entry[2] = notes.strip().splitlines()[-1] if notes.strip() else "", when
    return sorted((DropCount(reason, n, note) for reason, (n, note, _when) in counts.items()),
                  key=lambda d: (-d.count, d.reason))
