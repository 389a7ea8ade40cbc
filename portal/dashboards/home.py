"""The figures each kind of user sees first on its home page, within the actor's scope.

Each count comes from the list function of the page it summarises (the pool, the contracts, the
trials ending, the claims, the 安心屋 desk, …), called as that page calls it, so the home page and
the page behind it cannot disagree. Which figures a user gets is the `home_*` steps of the
dashboard table (portal.dashboards.rules). Two counts have no list their user can open (an
enterprise's intents and its trials ending soon); they are counted here on the enterprise's own
records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Contract, Intent, Organization, PilotBooking, PublicNotice, Result
from db.models.enums import (
    BookingStatus,
    ContractKind,
    RequestStatus,
    ResultStatus,
    RoadshowStatus,
)
from portal.admin.audit_log import RecentEntry, recent_activity
from portal.claims.fees import PAID_KINDS
from portal.claims.listing import WAITING, list_claims
from portal.contracts.common import RUNNING as RUNNING_TRIAL  # a disputed trial still runs
from portal.contracts.listing import RUNNING_ANY, ContractFilters, expiring_trials, list_contracts
from portal.core.actor import Actor
from portal.core.cache import cached
from portal.core.clock import today
from portal.core.errors import PermissionDenied
from portal.core.paging import Page
from portal.core.policy import current_policy
from portal.core.regions import cities
from portal.core.service import reader
from portal.dashboards.figures import monthly_trends, trials_ending
from portal.dashboards.rules import DASHBOARD, province_wide
from portal.hub.demands import list_demands
from portal.pool.approval import desk
from portal.pool.browse import PoolFilter, search_pool
from portal.pool.disclosure import list_my_results
from portal.requests.listing import open_request_count
from portal.roadshows.listing import list_roadshows

TRIALS_RUNNING = {"kind": ContractKind.TRIAL, "status": RUNNING_ANY}
UNDER_WAY = (ResultStatus.SUBMITTED, ResultStatus.RETURNED, ResultStatus.APPROVED,
             ResultStatus.NOTICE, ResultStatus.PAUSED)
ENDING_ROWS = 8


@dataclass(frozen=True)
class Metric:
    """One figure: catalogue key of its label, the value, and the page that lists what it counts,
    with the filters (query parameters) that page needs to list exactly those rows."""

    key: str
    value: int | Decimal
    page: str | None = None
    money: bool = False
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class HomeFigures:
    metrics: list[Metric]
    per_city: list[dict] = field(default_factory=list)
    recent: list[RecentEntry] = field(default_factory=list)
    ending: list[dict] = field(default_factory=list)  # the next trials to end, for operators
    pending: list[dict] = field(default_factory=list)  # an officer's results under way
    organization: str | None = None  # scope of institution officers and enterprise users
    reminder_days: int = 30


# --- counts from the lists they summarise ----------------------------------------------------------

def _total(listing: Page) -> int:
    """How many rows a list function found (every list is paged by portal.core.paging)."""
    return listing.total


def _pool(actor: Actor, city_code: str | None) -> int:
    """Listed results in the pool, of one city or all (the pool page with that city chosen)."""
    return search_pool(actor=actor, filters=PoolFilter(city_code=city_code), page_size=1).total


def _trials_running(actor: Actor) -> int:
    """Running trials on the contracts page (kind trial, status 试用中: active or extended)."""
    return _total(list_contracts(actor=actor, filters=ContractFilters(kind=ContractKind.TRIAL, status=RUNNING_ANY),
                                 page_size=1))


def _claims_waiting(actor: Actor) -> int:
    """Claims waiting for a decision on the claims page (status 待处理: submitted or reviewed)."""
    return list_claims(actor=actor, status=WAITING, page_size=1).total


# --- each kind of home page --------------------------------------------------------------------

def _operations(actor: Actor) -> HomeFigures:
    """City operators and the province administrator: the work waiting for them."""
    expiring = expiring_trials(actor=actor)
    soonest = expiring_trials(actor=actor, include_overdue=False, page_size=ENDING_ROWS)
    queues = desk(actor=actor).totals
    metrics = [
        Metric("home.results_listed", _pool(actor, actor.city_code), "pool",
               query={"city": actor.city_code} if actor.city_code else {}),
        Metric("home.trials_running", _trials_running(actor), "contracts", query=TRIALS_RUNNING),
        Metric("home.trials_ending", expiring.total, "expiring"),
        Metric("home.claims_waiting", _claims_waiting(actor), "claims", query={"status": WAITING}),
        Metric("home.notices_running", queues["in_notice"], "approvals", query={"queue": "in_notice"}),
        Metric("home.objections_open", queues["objections"], "approvals", query={"queue": "objections"}),
        Metric("home.requests_open", open_request_count(actor=actor), "requests"),  # enterprises wait for these
    ]
    ending = [dict(number=t.number, result=t.result_title, licensee=t.licensee, end_date=t.end_date,
                   days_left=t.days_left) for t in soonest.rows]
    figures = HomeFigures(metrics, recent=recent_activity(actor=actor), ending=ending,
                          reminder_days=expiring.days)
    if province_wide(actor):
        figures.per_city = per_city()
    return figures


def _monitoring(actor: Actor) -> HomeFigures:
    """Managers: the dashboard's figures of this year (its default period) and of today."""
    year = monthly_trends(actor=actor, start=date(today().year, 1, 1), end=today())
    ending = trials_ending(actor=actor)
    metrics = [
        Metric("home.results_listed", _pool(actor, actor.city_code), "pool",
               query={"city": actor.city_code} if actor.city_code else {}),
        Metric("home.trials_running", _trials_running(actor), "contracts", query=TRIALS_RUNNING),
        Metric("home.conversions_year", sum(m["conversions"] for m in year), "dashboard"),
        Metric("home.deal_amount_year", sum((m["deal_amount"] for m in year), Decimal("0.00")), "dashboard",
               money=True),
        Metric("home.trials_ending", ending.total, "dashboard"),
    ]
    figures = HomeFigures(metrics, reminder_days=ending.days)
    if province_wide(actor):
        figures.per_city = per_city()
    return figures


def _disclosure(actor: Actor) -> HomeFigures:
    """Institution officers: their institution's results on the way to the pool."""
    queues = desk(actor=actor).totals
    metrics = [
        Metric("home.my_results", _total(list_my_results(actor=actor, page_size=1)), "my_results"),
        Metric("home.results_listed", _total(list_my_results(actor=actor, status=ResultStatus.LISTED,
                                                             page_size=1)), "my_results",
               query={"status": ResultStatus.LISTED}),
        Metric("home.awaiting_approval", queues["to_approve"], "approvals", query={"queue": "to_approve"}),
        Metric("home.in_notice", queues["in_notice"], "approvals", query={"queue": "in_notice"}),
        Metric("home.trials_running", _trials_running(actor), "contracts", query=TRIALS_RUNNING),
    ]
    with read_session() as s:
        return HomeFigures(metrics, pending=_pending(s, actor), organization=_organization(s, actor),
                           reminder_days=current_policy(actor.city_code).trial_reminder_days)


def _enterprise(actor: Actor) -> HomeFigures:
    """Enterprise users: their demands, intents and trials, and the pool they may draw on."""
    days = current_policy(actor.city_code).trial_reminder_days
    with read_session() as s:
        # what 我的申请 shows still under way: requests not yet answered for good, bookings not confirmed
        intents = _count(s, select(func.count()).select_from(Intent).where(
            Intent.enterprise_org_id == actor.organization_id,
            Intent.request_status.in_((RequestStatus.OPEN, RequestStatus.MATCHED))))
        intents += _count(s, select(func.count()).select_from(PilotBooking).where(
            PilotBooking.enterprise_org_id == actor.organization_id, PilotBooking.status == BookingStatus.REQUESTED))
        ending = _count(s, select(func.count()).select_from(Contract).where(
            Contract.kind == ContractKind.TRIAL, Contract.status.in_(RUNNING_TRIAL),
            Contract.licensee_org_id == actor.organization_id,
            Contract.end_date >= today(), Contract.end_date <= today() + timedelta(days=days)))
        organization = _organization(s, actor)
    metrics = [
        Metric("home.my_demands", _total(list_demands(actor=actor, page_size=1)), "demands"),
        Metric("home.my_requests", intents, "my_requests"),
        Metric("home.trials_running", _trials_running(actor), "contracts", query=TRIALS_RUNNING),
        Metric("home.trials_ending", ending, None),
        Metric("home.results_in_pool", _pool(actor, None), "pool"),
    ]
    return HomeFigures(metrics, organization=organization, reminder_days=days)


def _presenter(actor: Actor) -> HomeFigures:
    """Presenters: the published roadshows of their city, which is all they see."""
    shows = list_roadshows(actor=actor, status=RoadshowStatus.PUBLISHED, page_size=1)
    return HomeFigures([Metric("home.roadshows_published", _total(shows), "presenter")],
                       reminder_days=current_policy(actor.city_code).trial_reminder_days)


# the first layout whose step the actor may take is its home page
LAYOUTS: tuple[tuple[str, Callable[[Actor], HomeFigures]], ...] = (
    ("home_operations", _operations), ("home_monitoring", _monitoring), ("home_disclosure", _disclosure),
    ("home_enterprise", _enterprise), ("home_presenter", _presenter),
)


@reader(DASHBOARD, "home")
def home_figures(*, actor: Actor) -> HomeFigures:
    """The at-a-glance figures for the actor's kind of work and scope."""
    for step, build in LAYOUTS:
        if DASHBOARD.may(actor, step):
            return build(actor)
    raise PermissionDenied()


# --- what only the home page shows -------------------------------------------------------------

def _count(s: Session, stmt: Any) -> int:
    return int(s.exec(stmt).one() or 0)


def _organization(s: Session, actor: Actor) -> str | None:
    org = s.get(Organization, actor.organization_id) if actor.organization_id else None
    return org.name if org else None


def _pending(s: Session, actor: Actor, limit: int = 10) -> list[dict]:
    """An institution's results between submission and listing, with the notice's end date."""
    stmt = (
        select(Result.title, Result.status, PublicNotice.end_date)
        .join(PublicNotice, (PublicNotice.result_id == Result.id) & PublicNotice.state.in_(("running", "paused")),
              isouter=True)
        .where(Result.owner_org_id == actor.organization_id, Result.status.in_(UNDER_WAY))
        .order_by(Result.updated_at.desc()).limit(limit)
    )
    return [dict(title=title, status=status, notice_end=end) for title, status, end in s.exec(stmt).all()]


def per_city() -> list[dict]:
    """Listed results, running trials and conversions for each of the 11 cities: province-wide
    aggregates (only province-wide readers are shown them), cached until the next write anywhere."""
    def compute() -> list[dict]:
        with read_session() as s:
            return _per_city(s)

    return cached(("home_per_city",), compute, city=None)


def _per_city(s: Session) -> list[dict]:
    listed = dict(s.exec(select(Result.city_code, func.count()).where(
        Result.status == ResultStatus.LISTED).group_by(Result.city_code)).all())
    trials = dict(s.exec(select(Contract.city_code, func.count()).where(
        Contract.kind == ContractKind.TRIAL, Contract.status.in_(RUNNING_TRIAL)).group_by(Contract.city_code)).all())
    # grouped by kind first, the order of the covering index (kind, city, amount): SQLite then reads
    # the index alone instead of walking every contract in city order (125 ms → 6 ms at 200 k)
    deals: dict[str, tuple[int, Decimal]] = {}
    for _kind, c, n, a in s.exec(select(
            Contract.kind, Contract.city_code, func.count(), func.coalesce(func.sum(Contract.deal_amount), 0))
            .where(Contract.kind.in_(PAID_KINDS)).group_by(Contract.kind, Contract.city_code)).all():
        count, amount = deals.get(c, (0, Decimal(0)))
        deals[c] = (count + int(n), amount + Decimal(a))
    return [
        dict(city=c.code, listed=listed.get(c.code, 0), trials=trials.get(c.code, 0),
             conversions=deals.get(c.code, (0, 0))[0], deal_amount=Decimal(deals.get(c.code, (0, 0))[1]))
        for c in cities()
    ]
