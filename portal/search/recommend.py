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
from db.models.enums import DemandStatus, ResultStatus
from portal.core.actor import Actor
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied
from portal.core.service import reader
from portal.core.workflow import Columns
from portal.hub.rules import DEMAND
from portal.pool.common import running_trials, slots_left
from portal.search import text
from portal.search.index import FIELD_CODE, Bm25Index
from portal.search.store import current_index

FIELD_BONUS = 0.25  # × (1 + bonus) when the fields agree
TRL_SPAN = 0.10  # TRL 9 scores 10 % above TRL 1
NO_SLOT_FACTOR = 0.5  # a result whose trial slots are all taken sinks, but stays visible
SHORTLIST = 4  # re-rank this many times `limit` candidates with the database facts
MAX_WHY = 8
DEMAND_POOL = 3000  # the most recent open demands considered for a result
DEMAND_SCOPE = Columns(city=Demand.city_code, orgs=(Demand.enterprise_org_id,), status=Demand.status)


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
    row: int = -1  # the index row (stable until the process restarts)


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


def _ordered_terms(index: Bm25Index, query: dict[str, tuple[float, str | None]]) -> list[tuple[int, str, str | None]]:
    """Query terms known to the index: the demand's own words first, then expansions, by weight."""
    ordered = sorted(query.items(), key=lambda kv: (kv[1][1] is not None, -kv[1][0]))
    return [(index.vocab[term], term, via) for term, (_w, via) in ordered if term in index.vocab]


def _why(index: Bm25Index, row: int, terms: list[tuple[int, str, str | None]]) -> tuple[WhyTerm, ...]:
    present = index.doc_terms(row)
    return tuple(WhyTerm(term, via) for tid, term, via in terms if tid in present)[:MAX_WHY]


def rank_text(query: dict[str, tuple[float, str | None]], *, field: str | None = None, limit: int = 10,
              index: Bm25Index | None = None, explain: int | None = None) -> list[Ranked]:
    """The best listed results for query terms (index only: no database read beyond the sync).

    BM25 × a maturity factor × a same-field bonus, computed only for documents sharing a term;
    the reasons are worked out for the first `explain` hits (all when None).
    """
    index = index if index is not None else current_index()
    bm25 = index.score({term: weight for term, (weight, _via) in query.items()})
    rows = np.flatnonzero(bm25 > 0)
    if not len(rows):
        return []
    combined = bm25[rows] * (1.0 + TRL_SPAN * (index.trl[rows] - 1) / 8.0)
    code = FIELD_CODE.get(field) if field else None
    same = index.field[rows] == code if code is not None else np.zeros(len(rows), dtype=bool)
    combined = np.where(same, combined * (1.0 + FIELD_BONUS), combined)
    if len(rows) > limit:
        keep = np.argpartition(combined, -limit)[-limit:]
        rows, combined, same = rows[keep], combined[keep], same[keep]
    order = np.argsort(-combined, kind="stable")
    terms = _ordered_terms(index, query)
    explain = len(order) if explain is None else explain
    return [Ranked(index.ids[rows[i]], float(combined[i]), bool(same[i]),
                   _why(index, int(rows[i]), terms) if n < explain else (), int(rows[i]))
            for n, i in enumerate(order)]


def explain_rows(ranked: list[Ranked], query: dict[str, tuple[float, str | None]],
                 index: Bm25Index | None = None) -> list[Ranked]:
    """The same hits with their reasons filled in (for a shortlist re-ranked after rank_text)."""
    index = index if index is not None else current_index()
    terms = _ordered_terms(index, query)
    return [r if r.why else Ranked(r.result_id, r.score, r.field_match, _why(index, r.row, terms), r.row)
            for r in ranked]


def _slots_left(session, caps: dict[uuid.UUID, int | None]) -> dict[uuid.UUID, int | None]:  # noqa: ANN001
    """Trial slots open today per result, by the pool's own rule (portal.pool.common); results
    without a limit need no trial count."""
    limited = [rid for rid, cap in caps.items() if cap is not None]
    running = running_trials(session, limited, today()) if limited else {}
    return {rid: slots_left(cap, running.get(rid, 0)) for rid, cap in caps.items()}


def _reads_demands(actor: Actor) -> None:
    """Refuse a role that reads no demands (a presenter, an institution officer): recommendations
    both ways are about demands."""
    if not DEMAND.may(actor, "read"):
        raise PermissionDenied()


def _load_demand(actor: Actor, demand_id: uuid.UUID) -> Demand:
    _reads_demands(actor)
    with read_session() as s:
        demand = s.get(Demand, demand_id) if demand_id else None
    return DEMAND.readable(actor, demand)


@reader(DEMAND)
def recommend_for_demand(*, actor: Actor, demand_id: uuid.UUID, limit: int = 10,
                         use_expansion: bool = True) -> list[Recommendation]:
    """Listed results (whole province) ranked for a demand in the actor's scope, with the reasons."""
    demand = _load_demand(actor, demand_id)
    query = demand_query(demand.title, demand.description or "", use_expansion=use_expansion)
    index = current_index()
    ranked = rank_text(query, field=demand.field, limit=limit * SHORTLIST, index=index, explain=0)
    if not ranked:
        return []
    ids = [r.result_id for r in ranked]
    with read_session() as s:
        facts = {row[0]: row for row in s.exec(
            select(Result.id, Result.title, Result.number, Organization.name, Result.city_code, Result.field,
                   Result.trl, Result.status, Result.max_trial_licensees)
            .join(Organization, Organization.id == Result.owner_org_id).where(Result.id.in_(ids))
        ).all()}
        slots = _slots_left(s, {rid: fact[8] for rid, fact in facts.items()})
    scored = []
    for r in ranked:
        fact = facts.get(r.result_id)
        if fact is None or fact[7] != ResultStatus.LISTED:
            continue  # withdrawn since the index last looked
        left = slots.get(r.result_id)
        scored.append((r.score * (NO_SLOT_FACTOR if left == 0 else 1.0), r, fact, left))
    scored.sort(key=lambda x: -x[0])
    scored = scored[:limit]
    explained = explain_rows([r for _s, r, _f, _l in scored], query, index)
    scored = [(sc, r, fact, left) for (sc, _r, fact, left), r in zip(scored, explained, strict=True)]
    best = scored[0][0] if scored else 1.0
    return [
        Recommendation(r.result_id, fact[1], fact[2], fact[3], fact[4], fact[5], fact[6],
                       round(100.0 * score / best, 1), r.field_match, left, r.why)
        for score, r, fact, left in scored
    ]


def demand_terms(title: str, description: str) -> str:
    """Stored terms of a demand: its own words (title twice) and their expansions (weighted lower)."""
    return text.encode({term: weight for term, (weight, _via) in demand_query(title, description).items()})


@reader(DEMAND)
def recommend_for_result(*, actor: Actor, result_id: uuid.UUID, limit: int = 10) -> list[DemandFit]:
    """Open demands in the actor's scope that fit a listed result, best first, with the reasons."""
    stmt = DEMAND.scope_filter(
        select(Demand.id, Demand.title, Demand.description, Demand.terms, Demand.field, Demand.city_code,
               Demand.enterprise_org_id, Organization.name)
        .join(Organization, Organization.id == Demand.enterprise_org_id)
        .where(Demand.status.in_((DemandStatus.OPEN, DemandStatus.MATCHED))),
        actor, DEMAND_SCOPE).order_by(Demand.created_at.desc()).limit(DEMAND_POOL)
    with read_session() as s:
        result = s.get(Result, result_id) if result_id else None
        if result is None or result.status != ResultStatus.LISTED:
            raise NotFound()
        stored = s.get(ResultTerms, result.id)
        rows = s.exec(stmt).all()
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


def search_result_ids(query_text: str, *, limit: int = 200, min_share: float = 0.0) -> list[uuid.UUID]:
    """Listed results ranked for free text (the pool's search box), best first; with min_share,
    only hits scoring at least that share of the best one (a search box wants few, strong hits)."""
    query = text.expand(query_text or "")
    if not query:
        return []
    ranked = rank_text(query, limit=limit, explain=0)
    if ranked and min_share:
        floor = ranked[0].score * min_share
        ranked = [r for r in ranked if r.score >= floor]
    return [r.result_id for r in ranked]


@dataclass(frozen=True)
class ResultChoice:
    """A listed result offered in a picker."""

    id: uuid.UUID
    number: str
    title: str
    owner_name: str


@reader(DEMAND)
def find_listed_results(*, actor: Actor, query: str, limit: int = 20) -> list[ResultChoice]:
    """Listed results (the whole province) for the pickers of the recommendations and the match
    form: by number when the query is one, else ranked by the text index."""
    _reads_demands(actor)
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
