"""Recommendations both ways, with the reasons shown: for a demand the listed results that fit
it, for a result the demands (and so the enterprises) that fit it.

Ranking = BM25 over jieba terms (with the offline expansion of plain words), multiplied by a
bonus for the same technology field and for maturity (TRL), and halved when the result has no
trial slot left. The weights live here and nowhere else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
from sqlmodel import select

from db.engine import read_session
from db.models import Demand, Organization, Result, ResultTerms
from db.models.enums import DemandStatus, ResultStatus, Role
from portal.actor import Actor
from portal.clock import today
from portal.errors import NotFound, PermissionDenied
from portal.scope import ensure_readable, filter_scope
from portal.search import text
from portal.search.index import FIELD_CODE, Bm25Index
from portal.search.store import current_index

FIELD_BONUS = 0.25  # × (1 + bonus) when the fields agree
TRL_SPAN = 0.10  # TRL 9 scores 10 % above TRL 1
NO_SLOT_FACTOR = 0.5  # a result whose trial slots are all taken sinks, but stays visible
SHORTLIST = 4  # re-rank this many times `limit` candidates with the database facts
MAX_WHY = 8
DEMAND_POOL = 3000  # the most recent open demands considered for a result


@dataclass(frozen=True)
class WhyTerm:
    """A term shared by both texts; `via` is the demand's word it was expanded from, if any."""

    term: str
    via: str | None = None


@dataclass(frozen=True)
class Ranked:
    """An index hit before the database facts are added."""

    result_id: uuid.UUID
    score: float
    field_match: bool
    why: tuple[WhyTerm, ...]


@dataclass(frozen=True)
class Recommendation:
    """A listed result recommended for a demand, and why."""

    result_id: uuid.UUID
    title: str
    number: str
    owner_name: str
    city_code: str
    field: str
    trl: int
    score: float  # 0–100, relative to the best hit
    field_match: bool
    slots_left: int | None  # None = no limit
    why: tuple[WhyTerm, ...]


@dataclass(frozen=True)
class DemandFit:
    """A demand (and its enterprise) that fits a result, and why."""

    demand_id: uuid.UUID
    title: str
    enterprise_org_id: uuid.UUID
    enterprise_name: str
    city_code: str
    field: str
    score: float
    field_match: bool
    why: tuple[WhyTerm, ...]


def demand_query(title: str, description: str, *, use_expansion: bool = True) -> dict[str, tuple[float, str | None]]:
    """Query terms of a demand; the title counts twice."""
    return text.expand(f"{title}。{title}。{description}", use_expansion=use_expansion)


def _combine(index: Bm25Index, bm25: np.ndarray, field: str | None) -> np.ndarray:
    n = len(index.ids)
    if not n:
        return bm25
    combined = bm25 * (1.0 + TRL_SPAN * (index.trl[:n].astype(np.float32) - 1) / 8.0)
    code = FIELD_CODE.get(field) if field else None
    if code is not None:
        combined = np.where(index.field[:n] == code, combined * (1.0 + FIELD_BONUS), combined)
    return combined


def _why(index: Bm25Index, row: int, query: dict[str, tuple[float, str | None]]) -> tuple[WhyTerm, ...]:
    present = index.doc_terms(row)
    shared = []
    for term, (_weight, via) in sorted(query.items(), key=lambda kv: (kv[1][1] is not None, -kv[1][0])):
        tid = index.vocab.get(term)
        if tid is not None and tid in present:
            shared.append(WhyTerm(term, via))
    return tuple(shared[:MAX_WHY])


def rank_text(query: dict[str, tuple[float, str | None]], *, field: str | None = None, limit: int = 10,
              index: Bm25Index | None = None) -> list[Ranked]:
    """The best listed results for query terms (index only: no database read beyond the sync)."""
    index = index if index is not None else current_index()
    bm25 = index.score({term: weight for term, (weight, _via) in query.items()})
    combined = _combine(index, bm25, field)
    rows = index.top(combined, limit)
    code = FIELD_CODE.get(field) if field else None
    return [Ranked(index.ids[r], float(combined[r]), code is not None and int(index.field[r]) == code,
                   _why(index, int(r), query)) for r in rows]


def _slots_left(session, result_ids: list[uuid.UUID]) -> dict[uuid.UUID, int | None]:  # noqa: ANN001
    """Trial slots open today per result, by the pool's own rule (portal.pool.common)."""
    from portal.pool.common import running_trials, slots_left

    running = running_trials(session, result_ids, today())
    limits = session.exec(select(Result.id, Result.max_trial_licensees).where(Result.id.in_(result_ids))).all()
    return {rid: slots_left(cap, running.get(rid, 0)) for rid, cap in limits}


def _load_demand(actor: Actor, demand_id: uuid.UUID) -> Demand:
    if actor.role == Role.PRESENTER:
        raise PermissionDenied()
    with read_session() as s:
        demand = s.get(Demand, demand_id) if demand_id else None
    return ensure_readable(actor, demand, city_code=demand.city_code if demand else None,
                           org_ids=(demand.enterprise_org_id,) if demand else ())


def recommend_for_demand(*, actor: Actor, demand_id: uuid.UUID, limit: int = 10,
                         use_expansion: bool = True) -> list[Recommendation]:
    """Listed results (whole province) ranked for a demand in the actor's scope, with the reasons."""
    demand = _load_demand(actor, demand_id)
    query = demand_query(demand.title, demand.description or "", use_expansion=use_expansion)
    ranked = rank_text(query, field=demand.field, limit=limit * SHORTLIST)
    if not ranked:
        return []
    ids = [r.result_id for r in ranked]
    with read_session() as s:
        facts = {row[0]: row for row in s.exec(
            select(Result.id, Result.title, Result.number, Organization.name, Result.city_code, Result.field,
                   Result.trl, Result.status)
            .join(Organization, Organization.id == Result.owner_org_id).where(Result.id.in_(ids))
        ).all()}
        slots = _slots_left(s, ids)
    scored = []
    for r in ranked:
        fact = facts.get(r.result_id)
        if fact is None or fact[7] != ResultStatus.LISTED:
            continue  # withdrawn since the index last looked
        left = slots.get(r.result_id)
        scored.append((r.score * (NO_SLOT_FACTOR if left == 0 else 1.0), r, fact, left))
    scored.sort(key=lambda x: -x[0])
    best = scored[0][0] if scored else 1.0
    return [
        Recommendation(r.result_id, fact[1], fact[2], fact[3], fact[4], fact[5], fact[6],
                       round(100.0 * score / best, 1), r.field_match, left, r.why)
        for score, r, fact, left in scored[:limit]
    ]


def demand_terms(title: str, description: str) -> str:
    """Stored terms of a demand: its own words (title twice) and their expansions (weighted lower)."""
    return text.encode({term: weight for term, (weight, _via) in demand_query(title, description).items()})


def recommend_for_result(*, actor: Actor, result_id: uuid.UUID, limit: int = 10) -> list[DemandFit]:
    """Open demands in the actor's scope that fit a listed result, best first, with the reasons."""
    if actor.role == Role.PRESENTER:
        raise PermissionDenied()
    with read_session() as s:
        result = s.get(Result, result_id) if result_id else None
        if result is None or result.status != ResultStatus.LISTED:
            raise NotFound()
        stored = s.get(ResultTerms, result.id)
        stmt = (
            select(Demand.id, Demand.title, Demand.description, Demand.terms, Demand.field, Demand.city_code,
                   Demand.enterprise_org_id, Organization.name)
            .join(Organization, Organization.id == Demand.enterprise_org_id)
            .where(Demand.status.in_((DemandStatus.OPEN, DemandStatus.MATCHED)))
            .order_by(Demand.created_at.desc()).limit(DEMAND_POOL)
        )
        rows = s.exec(filter_scope(stmt, actor, city_col=Demand.city_code,
                                   org_cols=(Demand.enterprise_org_id,))).all()
    if stored is not None and stored.listed:
        counts = text.decode(stored.terms)
    else:
        counts = text.result_terms(result.title, result.abstract or "", result.keywords or "")
    query = {term: (min(n, 2.0), None) for term, n in counts.items()}
    index = Bm25Index()
    index.bulk_load(
        (row[0], text.decode(row[3]) if row[3] else text.decode(demand_terms(row[1], row[2] or "")), row[4], 5)
        for row in rows
    )
    by_id = {row[0]: row for row in rows}
    ranked = rank_text(query, field=result.field, limit=limit, index=index)
    best = ranked[0].score if ranked else 1.0
    return [
        DemandFit(r.result_id, by_id[r.result_id][1], by_id[r.result_id][6], by_id[r.result_id][7],
                  by_id[r.result_id][5], by_id[r.result_id][4], round(100.0 * r.score / best, 1),
                  r.field_match, r.why)
        for r in ranked
    ]


def search_result_ids(query_text: str, *, limit: int = 200) -> list[uuid.UUID]:
    """Listed results ranked for free text (the pool's search box), best first."""
    query = text.expand(query_text or "")
    if not query:
        return []
    return [r.result_id for r in rank_text(query, limit=limit)]


@dataclass(frozen=True)
class ResultChoice:
    """A listed result offered in a picker."""

    id: uuid.UUID
    number: str
    title: str
    owner_name: str


def find_listed_results(*, actor: Actor, query: str, limit: int = 20) -> list[ResultChoice]:
    """Listed results for a picker: by number when the query is one, else ranked by the text index."""
    query = (query or "").strip()
    if not query:
        return []
    with read_session() as s:
        base = (select(Result.id, Result.number, Result.title, Organization.name)
                .join(Organization, Organization.id == Result.owner_org_id)
                .where(Result.status == ResultStatus.LISTED))
        exact = s.exec(base.where(Result.number == query)).all()
        if exact:
            return [ResultChoice(*r) for r in exact]
    ids = search_result_ids(query, limit=limit)
    if not ids:
        return []
    with read_session() as s:
        found = {r[0]: r for r in s.exec(base.where(Result.id.in_(ids))).all()}
    return [ResultChoice(*found[i]) for i in ids if i in found]
