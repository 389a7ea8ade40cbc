"""What came of a roadshow: results shown, attendance, intents, and the matches, trials and
conversions that followed, each counted in SQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, func, or_
from sqlmodel import select

from db.engine import read_session
from db.models import Contract, Intent, Match, Result, RoadshowAttendance, RoadshowItem
from db.models.enums import ContractKind
from portal.core.actor import Actor
from portal.core.clock import TZ
from portal.core.service import reader
from portal.roadshows.counting import LIVE, companies_of, counted_of_roadshow
from portal.roadshows.moments import aware
from portal.roadshows.records import load_show
from portal.roadshows.rules import ROADSHOW


@dataclass(frozen=True)
class ResultNumbers:
    """One result's line in the numbers."""

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


@reader(ROADSHOW, "read_details")
def summary(*, actor: Actor, roadshow_id: uuid.UUID) -> Summary:
    """A roadshow's numbers (not for presenters), each counted in SQL."""
    with read_session() as s:
        show = load_show(s, actor, "read_details", roadshow_id)
        rid = show.id

        def one(stmt) -> int:  # noqa: ANN001
            return int(s.exec(stmt).one() or 0)

        shown = one(select(func.count()).select_from(RoadshowItem).where(RoadshowItem.roadshow_id == rid))
        registered = one(select(func.count()).select_from(RoadshowAttendance)
                         .where(RoadshowAttendance.roadshow_id == rid))
        present = one(select(func.count()).select_from(RoadshowAttendance)
                      .where(RoadshowAttendance.roadshow_id == rid, RoadshowAttendance.present == True))  # noqa: E712
        # companies, not submissions: a repeat or a merged submission counts once (counting)
        intents = one(counted_of_roadshow(rid))
        companies = one(select(func.count(func.distinct(Intent.credit_code))).where(Intent.roadshow_id == rid, LIVE))
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
        of_item = Intent.roadshow_item_id == RoadshowItem.id
        per = s.exec(
            select(RoadshowItem.position, Result.title, companies_of(of_item),
                   companies_of(of_item, Intent.wants.like("%trial%")),
                   select(func.count()).select_from(Match)
                   .where(Match.roadshow_id == rid, Match.result_id == RoadshowItem.result_id).scalar_subquery())
            .join(Result, Result.id == RoadshowItem.result_id)
            .where(RoadshowItem.roadshow_id == rid).order_by(RoadshowItem.position)).all()
        return Summary(shown, registered, present, intents, companies, matches, n_trials, conversions,
                       [ResultNumbers(p, title, int(n), int(w or 0), int(m)) for p, title, n, w, m in per])

