"""Browsing the pool: filters, Chinese text search, and one result's full detail.

`search_pool` is the one entry point for the pool's text search: ranked by the 供需荟 search
index when it is built, else every query token (the one tokenizer, `portal.search.text.tokens`,
with the domain dictionary the index uses) matched against title, abstract and keywords with
SQL LIKE. Every signed-in role but presenters reads every listed result (`rules.RESULT`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import astuple, dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Contract, Organization, Result
from db.models.enums import ContractKind, LicenceType, ResultStatus
from portal.core.actor import Actor
from portal.core.attachments import AttachmentRow
from portal.core.cache import cached
from portal.core.clock import today as clock_today
from portal.core.errors import PermissionDenied
from portal.core.paging import Page, clamp
from portal.core.service import reader
from portal.pool.approval import NoticeView, latest_notice, notice_view
from portal.pool.common import RUNNING_TRIAL, readable_result, running_trials, slots_left
from portal.pool.disclosure import result_files
from portal.pool.rules import RESULT, browses_pool
from portal.pool.three_year import days_overdue

MAX_PAGE_SIZE = 200
COUNT_CAP = 1000
MAX_TOKENS = 12
TEXT_HITS = 500  # a text search shows at most this many results, best first
TEXT_MIN_SHARE = 0.3  # … scoring at least this share of the best hit


@dataclass
class PoolFilter:
    """What the pool can be narrowed by; None / empty means 'any'."""

    city_code: str | None = None
    owner_org_id: uuid.UUID | None = None
    field: str | None = None
    type: str | None = None
    trl_min: int | None = None
    trl_max: int | None = None
    available_only: bool = False  # only results with a free trial slot today
    text: str = ""


@dataclass(frozen=True)
class PoolRow:
    id: uuid.UUID
    number: str
    title: str
    type: str
    field: str
    trl: int
    owner: str
    city_code: str
    listed_at: datetime | None
    max_trial_licensees: int | None
    running: int
    slots_left: int | None  # None = unlimited


@dataclass(frozen=True)
class PoolPage(Page[PoolRow]):
    """A page of the pool; capped: the total is COUNT_CAP and more results match."""

    capped: bool = False


def _browsing(actor: Actor) -> None:
    """Refuse a role that reads no listed result (presenters: roadshow cards only)."""
    if not browses_pool(actor):
        raise PermissionDenied()


def query_words(text: str) -> list[str]:
    """The words a LIKE search needs all of: the index's own tokens of the query, or, when it
    has none (a single character, digits, symbols), its whitespace-separated parts."""
    # imported when first searched: the tokenizer loads jieba and its dictionaries
    from portal.search.text import tokens

    words = list(dict.fromkeys(tokens(text))) or list(dict.fromkeys(text.lower().split()))
    return words[:MAX_TOKENS]


def _running_count(day: date):  # noqa: ANN202
    """A correlated count of the result's trials running on day (for the slot filter)."""
    return (
        select(func.count()).select_from(Contract)
        .where(Contract.result_id == Result.id, Contract.kind == ContractKind.TRIAL,
               Contract.licence_type == LicenceType.ORDINARY, Contract.status.in_(RUNNING_TRIAL),
               Contract.start_date <= day)
        .correlate(Result).scalar_subquery()
    )


def _where(f: PoolFilter, day: date, ranked: list[uuid.UUID] | None = None) -> list:
    conds = [Result.status == ResultStatus.LISTED]
    if f.city_code:
        conds.append(Result.city_code == f.city_code)
    if f.owner_org_id:
        conds.append(Result.owner_org_id == f.owner_org_id)
    if f.field:
        conds.append(Result.field == f.field)
    if f.type:
        conds.append(Result.type == f.type)
    if f.trl_min:
        conds.append(Result.trl >= f.trl_min)
    if f.trl_max:
        conds.append(Result.trl <= f.trl_max)
    if f.available_only:
        conds.append(or_(Result.max_trial_licensees.is_(None), Result.max_trial_licensees > _running_count(day)))
    if ranked is not None:
        conds.append(Result.id.in_(ranked))
        return conds
    for token in query_words(f.text):
        conds.append(or_(Result.title.icontains(token, autoescape=True),
                         Result.keywords.icontains(token, autoescape=True),
                         Result.abstract.icontains(token, autoescape=True)))
    return conds


def _ranked(text: str) -> list[uuid.UUID] | None:
    """Listed results ranked for the text by the 供需荟 search index (BM25 over the domain
    tokens, with synonyms), or None to fall back to LIKE when there is no text or no index."""
    if not text.strip():
        return None
    # imported when first searched: the index pulls in jieba, numpy and scipy
    from portal.search.recommend import search_result_ids
    from portal.search.store import IndexNotBuilt

    try:
        return search_result_ids(text, limit=TEXT_HITS, min_share=TEXT_MIN_SHARE)
    except IndexNotBuilt:
        return None


def _select(f: PoolFilter, day: date, ranked: list[uuid.UUID] | None = None):  # noqa: ANN202
    return (
        select(Result.id, Result.number, Result.title, Result.type, Result.field, Result.trl, Organization.name,
               Result.city_code, Result.listed_at, Result.max_trial_licensees)
        .join(Organization, Organization.id == Result.owner_org_id)
        .where(and_(*_where(f, day, ranked)))
    )


def _rows(s: Session, raw: list, day: date) -> list[PoolRow]:
    running = running_trials(s, [r[0] for r in raw], day)
    return [PoolRow(*r, running=running.get(r[0], 0), slots_left=slots_left(r[9], running.get(r[0], 0)))
            for r in raw]


@reader(RESULT)
def search_pool(*, actor: Actor, filters: PoolFilter | None = None, page: int = 1, page_size: int = 25,
                today: date | None = None) -> PoolPage:
    """Listed results matching filters, newest listing first (with text: the most relevant
    first), one page of them with the total; a page past the end shows the last one."""
    _browsing(actor)
    f = filters or PoolFilter()
    day = today or clock_today()
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    ranked = _ranked(f.text)
    with read_session() as s:
        if ranked is not None:
            return _ranked_page(s, f, day, ranked, page, size)
        total, capped = cached(("pool_count", astuple(f), day), lambda: _count(s, f, day), city=f.city_code or None)
        number = clamp(page, total, size)
        raw = s.exec(_select(f, day).order_by(Result.listed_at.desc(), Result.id)
                     .offset((number - 1) * size).limit(size)).all() if total else []
        return PoolPage(_rows(s, list(raw), day), total, number, size, capped)


def _ranked_page(s: Session, f: PoolFilter, day: date, ranked: list[uuid.UUID], page: int,
                 size: int) -> PoolPage:
    """A page of a text search: the filters keep some of the (at most TEXT_HITS) ranked ids, the
    ranking orders them here, and only the page's rows are read (ordering by a 500-branch CASE in
    SQL cost 10–20 ms on PostgreSQL)."""
    kept = set(s.exec(select(Result.id).where(and_(*_where(f, day, ranked)))).all()) if ranked else set()
    order = [rid for rid in ranked if rid in kept]
    number = clamp(page, len(order), size)
    wanted = order[(number - 1) * size:number * size]
    raw = {r[0]: r for r in s.exec(_select(f, day, wanted)).all()} if wanted else {}
    return PoolPage(_rows(s, [raw[i] for i in wanted if i in raw], day), len(order), number, size)


def _count(s: Session, f: PoolFilter, day: date) -> tuple[int, bool]:
    """How many listed results match: exact when an index answers it, else counted up to COUNT_CAP.

    Filters on TRL, type, free slots or (unindexed) text make every listed row a candidate;
    counting all of them at province scale would take seconds, so the pool says "over 1000".
    """
    conds = and_(*_where(f, day))
    indexed = not (f.text.strip() or f.trl_min or f.trl_max or f.type or f.available_only
                   or (f.field and not f.city_code))
    if indexed:
        return int(s.exec(select(func.count()).select_from(Result).where(conds)).one()), False
    n = int(s.exec(select(func.count()).select_from(
        select(Result.id).where(conds).limit(COUNT_CAP + 1).subquery())).one())
    return (COUNT_CAP, True) if n > COUNT_CAP else (n, False)


@reader(RESULT)
def iter_pool(*, actor: Actor, filters: PoolFilter | None = None, today: date | None = None,
              batch: int = 1000) -> Iterator[tuple[Result, Organization]]:
    """Every listed result matching filters with its owner (for export), streamed in listing
    order; refused at the call, not at the first row."""
    _browsing(actor)
    f = filters or PoolFilter()
    day = today or clock_today()
    stmt = select(Result, Organization).join(Organization, Organization.id == Result.owner_org_id).where(
        and_(*_where(f, day, _ranked(f.text)))).order_by(Result.listed_at.desc(), Result.id)

    def rows() -> Iterator[tuple[Result, Organization]]:
        with read_session() as s:
            yield from s.exec(stmt.execution_options(yield_per=batch))

    return rows()


@reader(RESULT)
def pool_owners(*, actor: Actor, city_code: str | None = None) -> list[tuple[uuid.UUID, str]]:
    """Institutions with listed results (for the pool's institution filter).

    Whoever browses the pool reads every listed result, so the list depends on the city chosen,
    not on the actor; it is cached (10–15 ms at province scale on every rerun otherwise) until a
    result or organization of that city changes.
    """
    _browsing(actor)

    def compute() -> list[tuple[uuid.UUID, str]]:
        with read_session() as s:
            stmt = select(Organization.id, Organization.name).where(
                select(Result.id).where(Result.owner_org_id == Organization.id,
                                        Result.status == ResultStatus.LISTED).exists())
            if city_code:
                stmt = stmt.where(Organization.city_code == city_code)
            return [(i, n) for i, n in s.exec(stmt.order_by(Organization.name)).all()]

    return cached(("pool_owners",), compute, city=city_code or None)


@reader(RESULT)
def listed_count(*, actor: Actor, filters: PoolFilter | None = None) -> int:
    """How many listed results match filters (none: the whole pool), as the pool page counts them."""
    return search_pool(actor=actor, filters=filters, page_size=1).total


# --- one result ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrialRow:
    number: str
    licensee: str
    start_date: date
    end_date: date | None
    status: str


@dataclass
class ResultDetail:
    """Everything the result page shows."""

    result: Result
    owner: str
    running: int
    slots_left: int | None
    notice: NoticeView | None
    trials: list[TrialRow] = field(default_factory=list)  # only for those who oversee the result
    in_scope: bool = False  # the actor oversees the result (its trials, history, objections)
    attachments: list[AttachmentRow] = field(default_factory=list)
    overdue_days: int | None = None  # should be in the pool (three-year rule) and is not listed


@reader(RESULT)
def result_detail(*, actor: Actor, result_id: uuid.UUID | str, today: date | None = None) -> ResultDetail:
    """A result with its owner, trial slots, current trials, notice countdown and files."""
    day = today or clock_today()
    with read_session() as s:
        result = readable_result(s, actor, result_id)
        owner = s.get(Organization, result.owner_org_id)
        running = running_trials(s, [result.id], day).get(result.id, 0)
        oversees = RESULT.may(actor, "oversee", result)
        trials: list[TrialRow] = []
        overdue = None
        if oversees:
            rows = s.exec(select(Contract.number, Organization.name, Contract.start_date, Contract.end_date,
                                 Contract.status)
                          .join(Organization, Organization.id == Contract.licensee_org_id)
                          .where(Contract.result_id == result.id, Contract.kind == ContractKind.TRIAL,
                                 Contract.status.in_(RUNNING_TRIAL))
                          .order_by(Contract.start_date)).all()
            trials = [TrialRow(*r) for r in rows]
            if result.status != ResultStatus.LISTED:
                overdue = days_overdue(s, result, day)
        return ResultDetail(result=result, owner=owner.name if owner else "", running=running,
                            slots_left=slots_left(result.max_trial_licensees, running),
                            notice=notice_view(latest_notice(s, result), day), trials=trials, in_scope=oversees,
                            attachments=result_files(s, result), overdue_days=overdue)
