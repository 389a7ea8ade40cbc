"""Recommendations both ways, with the reasons shown: for a demand the listed results that fit
it, for a result the demands (and so the enterprises) that fit it.

Ranking = a fusion of BM25 over jieba terms (with the offline expansion of plain words) and the
cosine of offline sentence embeddings (`portal.search.embed`), each scaled to this query's best
(0.3 × BM25 + 0.7 × dense), multiplied by a bonus for the same technology field and for maturity
(TRL), and halved when the result has no trial slot left. Without a model or stored vectors it is
BM25 alone (and the page says so). Hits below a share of the best are not shown, and a demand whose
best hit is weak gets none ("no good match yet"). A result the enterprise dropped is not offered
to it again. The weights live here and nowhere else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
from sqlmodel import select

from db.engine import read_session
from db.models import Demand, DemandVector, Match, Organization, Result, ResultTerms, SearchState
from db.models.enums import DemandStatus, MatchStage, ResultStatus
from portal.core.actor import Actor
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied
from portal.core.service import reader
from portal.core.workflow import Columns
from portal.hub.rules import DEMAND
from portal.pool.common import running_trials, slots_left
from portal.search import embed, text, vectors
from portal.search.index import FIELD_CODE, Bm25Index
from portal.search.store import current_index, current_indexes
from portal.search.vectors import DenseIndex

FIELD_BONUS = 0.25  # × (1 + bonus) when the fields agree
TRL_SPAN = 0.10  # TRL 9 scores 10 % above TRL 1
NO_SLOT_FACTOR = 0.5  # a result whose trial slots are all taken sinks, but stays visible
SHORTLIST = 4  # re-rank this many times `limit` candidates with the database facts
SENTENCES = 3  # the first this many matches of meaning get their closest sentence (≈0.1 s each, then cached)
MAX_WHY = 8
W_DENSE = 0.7  # share of the dense signal in the fusion (BM25 gets the rest)
REL_FLOOR = 0.4  # hits scoring below this share of the best are not shown
# a demand sharing no term with any result has a good match only when its best cosine stands this
# far above the pool's mean cosine
MIN_MARGIN = 0.03
MIN_SPREAD = 0.03  # the dense part's 0 lies at most this far below the best cosine (small pools)
CANDIDATES = 300  # each signal's best this many rows are fused (a row outside both is far from the top 40)
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
    cosine: float | None = None  # the sentence vectors' cosine, when both have one


class Hits(list):
    """Ranked hits, and how they were ranked: `semantic` False means BM25 alone (no model or no
    vectors); `weak` True means nothing cleared the floor (no good match yet)."""

    semantic: bool = False
    weak: bool = False


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
    sentence: str | None = None  # for a match of meaning: the abstract's sentence closest to the demand


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
    semantic: bool = False  # the texts' meanings are close (sentence vectors)


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


def _boosted(index: Bm25Index, rows: np.ndarray, scores: np.ndarray, field: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Scores × the maturity factor × the same-field bonus, and which rows share the field."""
    combined = scores * (1.0 + TRL_SPAN * (index.trl[rows] - 1) / 8.0)
    code = FIELD_CODE.get(field) if field else None
    same = index.field[rows] == code if code is not None else np.zeros(len(rows), dtype=bool)
    return np.where(same, combined * (1.0 + FIELD_BONUS), combined), same


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
    combined, same = _boosted(index, rows, bm25[rows], field)
    if len(rows) > limit:
        keep = np.argpartition(combined, -limit)[-limit:]
        rows, combined, same = rows[keep], combined[keep], same[keep]
    order = np.argsort(-combined, kind="stable")
    terms = _ordered_terms(index, query)
    explain = len(order) if explain is None else explain
    return [Ranked(index.ids[rows[i]], float(combined[i]), bool(same[i]),
                   _why(index, int(rows[i]), terms) if n < explain else (), int(rows[i]))
            for n, i in enumerate(order)]


def _largest(values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest values (in no order)."""
    return np.arange(len(values)) if len(values) <= k else np.argpartition(values, -k)[-k:]


def fused_candidates(index: Bm25Index, dense: DenseIndex | None, query: dict[str, tuple[float, str | None]],
                     qvec: np.ndarray | None, k: int = CANDIDATES,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """(index rows, fused scores, their cosines or None, whether a good match exists) for the union of
    each signal's k best rows. Fused = 0.3 × BM25 / best BM25 + 0.7 × dense, the dense part being the
    cosine scaled from the pool's mean cosine (0; at most MIN_SPREAD below the best) to this query's
    best (1). A good match: a shared term, or a best cosine MIN_MARGIN above the pool's mean."""
    bm25 = index.score({term: weight for term, (weight, _via) in query.items()})
    positive = np.flatnonzero(bm25 > 0)
    b_rows = positive[_largest(bm25[positive], k)]
    best_bm25 = float(bm25[b_rows].max()) if len(b_rows) else 0.0
    if qvec is None or dense is None or not len(dense):
        return b_rows, bm25[b_rows].astype(np.float32), None, best_bm25 > 0
    sims, linked = dense.similarities(qvec)
    live = np.flatnonzero(linked)
    mean, top = float(sims[live].mean()), float(sims[live].max())
    d_rows = dense.bm25_row[live[_largest(sims[live], k)]]
    rows = np.union1d(b_rows, d_rows)
    inverse = np.full(len(rows), -1, dtype=np.int64)
    inside = rows < len(dense.of_bm25)
    inverse[inside] = dense.of_bm25[rows[inside]]
    cos = np.where(inverse >= 0, sims[np.maximum(inverse, 0)], np.nan).astype(np.float32)
    ref = min(mean, top - MIN_SPREAD)
    scaled = np.nan_to_num(np.clip((cos - ref) / max(top - ref, 1e-6), 0.0, 1.0))
    lexical = bm25[rows] / best_bm25 if best_bm25 > 0 else np.zeros(len(rows))
    fused = ((1.0 - W_DENSE) * lexical + W_DENSE * scaled).astype(np.float32)
    return rows, fused, cos, top - mean >= MIN_MARGIN or best_bm25 > 0


def rank(query: dict[str, tuple[float, str | None]], qvec: np.ndarray | None, *, field: str | None = None,
         limit: int = 10, index: Bm25Index | None = None, dense: DenseIndex | None = None,
         exclude: frozenset[uuid.UUID] = frozenset(), explain: int | None = None,
         floor: float = REL_FLOOR) -> Hits:
    """The best listed results for a demand's terms and vector: the fused score × TRL × same-field
    bonus, hits below `floor` × the best left out, `exclude`d results (dropped by this enterprise)
    never offered; reasons worked out for the first `explain` hits (all when None)."""
    if index is None:
        index, dense = current_indexes()
    rows, scores, cos, good = fused_candidates(index, dense, query, qvec, max(CANDIDATES, 4 * limit))
    hits = Hits()
    hits.semantic = cos is not None
    if exclude:
        banned = [index.row_of.get(rid, -1) for rid in exclude]
        scores = np.where(np.isin(rows, banned), 0.0, scores)
    keep = scores > 0
    rows, scores = rows[keep], scores[keep]
    cos = cos[keep] if cos is not None else None
    if not len(rows) or not good:
        hits.weak = True
        return hits
    combined, same = _boosted(index, rows, scores, field)
    if len(rows) > limit:
        top = np.argpartition(combined, -limit)[-limit:]
        rows, combined, same = rows[top], combined[top], same[top]
        cos = cos[top] if cos is not None else None
    order = np.argsort(-combined, kind="stable")
    cut = combined[order[0]] * floor
    order = [i for i in order if combined[i] >= cut]
    terms = _ordered_terms(index, query)
    explain = len(order) if explain is None else explain
    hits.extend(Ranked(index.ids[rows[i]], float(combined[i]), bool(same[i]),
                       _why(index, int(rows[i]), terms) if n < explain else (), int(rows[i]),
                       None if cos is None or np.isnan(cos[i]) else float(cos[i]))
                for n, i in enumerate(order))
    return hits


def explain_rows(ranked: list[Ranked], query: dict[str, tuple[float, str | None]],
                 index: Bm25Index | None = None) -> list[Ranked]:
    """The same hits with their reasons filled in (for a shortlist re-ranked after rank_text)."""
    index = index if index is not None else current_index()
    terms = _ordered_terms(index, query)
    return [r if r.why else Ranked(r.result_id, r.score, r.field_match, _why(index, r.row, terms), r.row, r.cosine)
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


def _dropped_results(session, enterprise_org_id: uuid.UUID) -> frozenset[uuid.UUID]:  # noqa: ANN001
    """Results this enterprise dropped (a match moved to dropped, for any reason)."""
    return frozenset(session.exec(select(Match.result_id).where(
        Match.enterprise_org_id == enterprise_org_id, Match.stage == MatchStage.DROPPED)).all())


def _dropping_enterprises(session, result_id: uuid.UUID) -> frozenset[uuid.UUID]:  # noqa: ANN001
    """Enterprises that dropped this result."""
    return frozenset(session.exec(select(Match.enterprise_org_id).where(
        Match.result_id == result_id, Match.stage == MatchStage.DROPPED)).all())


def _meaning_only(why: tuple[WhyTerm, ...]) -> bool:
    """At most one word of the demand's own is in the result: the match is mostly one of meaning
    (its reason is then the abstract's closest sentence too)."""
    return sum(w.via is None for w in why) < 2


@reader(DEMAND)
def recommend_for_demand(*, actor: Actor, demand_id: uuid.UUID, limit: int = 10,
                         use_expansion: bool = True, closest_sentence: bool = True) -> Hits:
    """Listed results (whole province) ranked for a demand in the actor's scope, with the reasons
    (for a match mostly of meaning, the abstract's closest sentence unless closest_sentence is
    False); results its enterprise dropped are left out. `.semantic` / `.weak` say how it was ranked."""
    demand = _load_demand(actor, demand_id)
    query = demand_query(demand.title, demand.description or "", use_expansion=use_expansion)
    index, dense = current_indexes()
    with read_session() as s:
        qvec = vectors.demand_vector(s, demand) if len(dense) else None
        dropped = _dropped_results(s, demand.enterprise_org_id)
    ranked = rank(query, qvec, field=demand.field, limit=limit * SHORTLIST, index=index, dense=dense,
                  exclude=dropped, explain=0)
    out = Hits()
    out.semantic, out.weak = ranked.semantic, ranked.weak
    if not ranked:
        return out
    ids = [r.result_id for r in ranked]
    with read_session() as s:
        facts = {row[0]: row for row in s.exec(
            select(Result.id, Result.title, Result.number, Organization.name, Result.city_code, Result.field,
                   Result.trl, Result.status, Result.max_trial_licensees, Result.abstract)
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
    explain = [n for n, (_sc, r, _f, _l) in enumerate(scored) if _meaning_only(r.why)][:SENTENCES] \
        if closest_sentence and qvec is not None else []
    out.extend(
        Recommendation(r.result_id, fact[1], fact[2], fact[3], fact[4], fact[5], fact[6],
                       round(100.0 * score / best, 1), r.field_match, left, r.why,
                       embed.closest_sentence(fact[9] or "", qvec) if n in explain else None)
        for n, (score, r, fact, left) in enumerate(scored)
    )
    return out


def _good_matches(session, demand: Demand, qvec: np.ndarray | None) -> int:  # noqa: ANN001
    """How many listed results clear the floor for a demand (0: no good match yet)."""
    index, dense = current_indexes(writes=False)  # maybe inside the demand's transaction
    return len(rank(demand_query(demand.title, demand.description or ""), qvec, field=demand.field, limit=10,
                    index=index, dense=dense, exclude=_dropped_results(session, demand.enterprise_org_id), explain=0))


def on_demand_changed(session, demand: Demand) -> None:  # noqa: ANN001
    """A demand was posted or its text edited (inside that transaction): store its vector and
    whether anything fits it yet (an unmatched demand goes on the operator's list)."""
    session.flush()
    vec = vectors.store_demand_vector(session, demand)  # the text embedded once, its row kept
    row = session.get(DemandVector, demand.id)  # from the session, no query
    if vec is not None and row is not None and session.get(SearchState, 1) is not None:
        row.good_matches = _good_matches(session, demand, vec)
        session.flush()


@dataclass(frozen=True)
class Unmatched:
    """An open demand nothing fits yet (the operator was told on the recommendations page)."""

    demand_id: uuid.UUID
    title: str
    enterprise_name: str
    field: str


@reader(DEMAND)
def demands_without_match(*, actor: Actor, limit: int = 10) -> list[Unmatched]:
    """Open demands in the actor's scope for which no result cleared the floor when they were
    posted, and still none clears it now (results listed since may fit)."""
    _reads_demands(actor)
    stmt = DEMAND.scope_filter(
        select(Demand, Organization.name).join(Organization, Organization.id == Demand.enterprise_org_id)
        .join(DemandVector, DemandVector.demand_id == Demand.id)
        .where(Demand.status == DemandStatus.OPEN, DemandVector.good_matches == 0),
        actor, DEMAND_SCOPE).order_by(Demand.created_at.desc()).limit(limit)
    out = []
    with read_session() as s:
        for demand, name in s.exec(stmt).all():
            if not _good_matches(s, demand, vectors.demand_vector(s, demand)):
                out.append(Unmatched(demand.id, demand.title, name, demand.field))
    return out


def demand_terms(title: str, description: str) -> str:
    """Stored terms of a demand: its own words (title twice) and their expansions (weighted lower)."""
    return text.encode({term: weight for term, (weight, _via) in demand_query(title, description).items()})


@reader(DEMAND)
def recommend_for_result(*, actor: Actor, result_id: uuid.UUID, limit: int = 10) -> Hits:
    """Open demands in the actor's scope that fit a listed result, best first, with the reasons;
    demands of enterprises that dropped this result are left out."""
    stmt = DEMAND.scope_filter(
        select(Demand.id, Demand.title, Demand.description, Demand.terms, Demand.field, Demand.city_code,
               Demand.enterprise_org_id, Organization.name)
        .join(Organization, Organization.id == Demand.enterprise_org_id)
        .where(Demand.status.in_((DemandStatus.OPEN, DemandStatus.MATCHED))),
        actor, DEMAND_SCOPE).order_by(Demand.created_at.desc()).limit(DEMAND_POOL)
    _index, dense = current_indexes()
    with read_session() as s:
        result = s.get(Result, result_id) if result_id else None
        if result is None or result.status != ResultStatus.LISTED:
            raise NotFound()
        stored = s.get(ResultTerms, result.id)
        dropped_by = _dropping_enterprises(s, result.id)
        rows = [row for row in s.exec(stmt).all() if row[6] not in dropped_by]
        rvec = dense.vector(result.id)
        if rvec is None:
            rvec = vectors.stored_vector(s, result.id)
        dvecs = vectors.demand_vectors(s, [row[0] for row in rows]) if rvec is not None else {}
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
    demand_dense = None
    if dvecs:
        demand_dense = DenseIndex()
        demand_dense.bulk_load(list(dvecs), np.stack(list(dvecs.values())), index.row_of)
    by_id = {row[0]: row for row in rows}
    ranked = rank(query, rvec, field=result.field, limit=limit, index=index, dense=demand_dense)
    out = Hits()
    out.semantic, out.weak = ranked.semantic, ranked.weak
    best = ranked[0].score if ranked else 1.0
    out.extend(
        DemandFit(r.result_id, by_id[r.result_id][1], by_id[r.result_id][6], by_id[r.result_id][7],
                  by_id[r.result_id][5], by_id[r.result_id][4], round(100.0 * r.score / best, 1),
                  r.field_match, r.why, r.cosine is not None and _meaning_only(r.why))
        for r in ranked
    )
    return out


def search_result_ids(query_text: str, *, limit: int = 200, min_share: float = 0.0) -> list[uuid.UUID]:
    """Listed results ranked for free text (the pool's search box), best first; with min_share,
    only hits scoring at least that share of the best one (a search box wants few, strong hits)."""
    query = text.expand(query_text or "")
    if not query:
        return []
    # a search box finds what was typed: the same tokens as the index and demands, BM25 alone
    ranked = rank(query, None, limit=limit, index=current_index(), explain=0, floor=min_share)
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
