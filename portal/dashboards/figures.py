"""Manager dashboards: the conversion funnel, monthly trends, subsidies against budget, trials
ending soon and the 11 cities side by side. Every figure is computed in SQL (COUNT DISTINCT,
SUM in fen, GROUP BY), scoped to the actor's city or the province.

Aggregates over ~1 M rows take 0.1–0.2 s, so results are cached (portal.cache) with the scope
and the period in the key, and dropped when a commit touches their city.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, distinct, func, type_coerce
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Contract, Match, Organization, Result
from db.models.enums import ContractKind, ContractStatus
from portal.claims.fees import PAID_KINDS
from portal.core.actor import Actor
from portal.core.cache import cached
from portal.core.clock import start_of, today
from portal.core.errors import PermissionDenied
from portal.core.policy import current_policy
from portal.core.regions import cities
from portal.core.service import reader
from portal.dashboards.period import check_period
from portal.dashboards.rules import DASHBOARD, scope_city

RUNNING = (ContractStatus.ACTIVE, ContractStatus.EXTENDED)
def _fen_to_yuan(value: Any) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(Decimal("0.01"))


def _deal_fen() -> Any:
    return func.coalesce(func.sum(type_coerce(Contract.deal_amount, BigInteger)), 0)


# --- the funnel --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Funnel:
    """Distinct results reaching each stage in the period."""

    listed: int
    matched: int
    trial: int
    converted: int

    def stages(self) -> list[tuple[str, int, float | None]]:
        """(stage, count, rate from the previous stage) for the chart and the table."""
        counts = [("listed", self.listed), ("matched", self.matched), ("trial", self.trial),
                  ("converted", self.converted)]
        out = []
        for i, (name, n) in enumerate(counts):
            prev = counts[i - 1][1] if i else None
            out.append((name, n, (n / prev) if prev else None))
        return out


def _funnel_query(city: str | None, start: date, end: date, group_by_city: bool = False):  # noqa: ANN202
    lo, hi = start_of(start), start_of(end + timedelta(days=1))

    def where(col_city, *conds):  # noqa: ANN001, ANN202
        return (*conds, col_city == city) if city else conds

    # one row per result: COUNT(*) (no DISTINCT), so the (city, listed_at) index alone answers
    listed = select(func.count()).select_from(Result).where(
        *where(Result.city_code, Result.listed_at >= lo, Result.listed_at < hi))
    matched = select(func.count(distinct(Match.result_id))).where(
        *where(Match.city_code, Match.contact_date >= start, Match.contact_date <= end))
    trial = select(func.count(distinct(Contract.result_id))).where(
        *where(Contract.city_code, Contract.kind == ContractKind.TRIAL, Contract.start_date >= start,
               Contract.start_date <= end))
    converted = select(func.count(distinct(Contract.result_id))).where(
        *where(Contract.city_code, Contract.kind.in_(PAID_KINDS), Contract.start_date >= start,
               Contract.start_date <= end))
    return listed, matched, trial, converted


@reader(DASHBOARD)
def funnel(*, actor: Actor, start: date, end: date, city_code: str | None = None) -> Funnel:
    """listed → matched → trial → converted: distinct results per stage in the period (SQL COUNT DISTINCT)."""
    city = scope_city(actor, city_code)
    check_period(start, end)

    def compute() -> Funnel:
        qs = _funnel_query(city, start, end)
        with read_session() as s:
            row = s.exec(select(*(q.scalar_subquery() for q in qs))).one()
        return Funnel(*(int(v or 0) for v in row))

    return cached(("funnel", start, end), compute, city=city)


# --- the 11 cities side by side ---------------------------------------------------------------

@dataclass(frozen=True)
class CityFigures:
    city_code: str
    listed: int
    matched: int
    trials: int
    conversions: int
    deal_amount: Decimal
    trials_converted: int = 0  # of the `trials` results, those whose trial has led to a paid deal (by now)

    @property
    def conversion_rate(self) -> float | None:
        """Trials started in the period that converted, over trials started in the period (so at
        most 100 %): a deal signed in the period for a trial of an earlier year is a conversion of
        that year, not of this one."""
        return self.trials_converted / self.trials if self.trials else None


@reader(DASHBOARD, "compare_cities")
def city_figures(*, actor: Actor, start: date, end: date) -> list[CityFigures]:
    """Per city: results listed, results matched, results on trial, results converted, deal amount
    (the readers of every city's figures)."""
    if not DASHBOARD.may(actor, "compare_cities"):
        raise PermissionDenied()
    check_period(start, end)

    def compute() -> list[CityFigures]:
        lo, hi = start_of(start), start_of(end + timedelta(days=1))
        with read_session() as s:
            listed = dict(s.exec(select(Result.city_code, func.count())
                                 .where(Result.listed_at >= lo, Result.listed_at < hi)
                                 .group_by(Result.city_code)).all())
            matched = dict(s.exec(select(Match.city_code, func.count(distinct(Match.result_id)))
                                  .where(Match.contact_date >= start, Match.contact_date <= end)
                                  .group_by(Match.city_code)).all())
            trials = dict(s.exec(select(Contract.city_code, func.count(distinct(Contract.result_id)))
                                 .where(Contract.kind == ContractKind.TRIAL, Contract.start_date >= start,
                                        Contract.start_date <= end).group_by(Contract.city_code)).all())
            conv = {c: (n, a) for c, n, a in s.exec(
                select(Contract.city_code, func.count(distinct(Contract.result_id)), _deal_fen())
                .where(Contract.kind.in_(PAID_KINDS), Contract.start_date >= start, Contract.start_date <= end)
                .group_by(Contract.city_code)).all()}
            trial, deal = Contract.__table__.alias("trial"), Contract.__table__.alias("deal")
            converted = dict(s.exec(
                select(trial.c.city_code, func.count(distinct(trial.c.result_id)))
                .join(deal, deal.c.parent_trial_id == trial.c.id)
                .where(trial.c.kind == ContractKind.TRIAL, trial.c.start_date >= start, trial.c.start_date <= end,
                       deal.c.kind.in_(PAID_KINDS))
                .group_by(trial.c.city_code)).all())
        return [CityFigures(c.code, int(listed.get(c.code, 0)), int(matched.get(c.code, 0)),
                            int(trials.get(c.code, 0)), int(conv.get(c.code, (0, 0))[0]),
                            _fen_to_yuan(conv.get(c.code, (0, 0))[1]), int(converted.get(c.code, 0)))
                for c in cities()]

    return cached(("cities", start, end), compute, city=None)


# --- monthly trends ----------------------------------------------------------------------------

def _month(s: Session, col: Any, *, timestamp: bool = False) -> Any:
    """'YYYY-MM' of a date (or, local time, of a UTC timestamp) on either database."""
    if s.get_bind().dialect.name == "postgresql":
        expr = func.timezone("Asia/Shanghai", col) if timestamp else col
        return func.to_char(expr, "YYYY-MM")
    return func.strftime("%Y-%m", col, "+8 hours") if timestamp else func.strftime("%Y-%m", col)


@reader(DASHBOARD)
def monthly_trends(*, actor: Actor, start: date, end: date, city_code: str | None = None) -> list[dict]:
    """Per month of the period: results listed, trials signed, conversions and deal amount (yuan)."""
    city = scope_city(actor, city_code)
    check_period(start, end)

    def compute() -> list[dict]:
        lo, hi = start_of(start), start_of(end + timedelta(days=1))
        with read_session() as s:
            m = _month(s, Result.listed_at, timestamp=True)
            q = select(m, func.count()).select_from(Result).where(Result.listed_at >= lo, Result.listed_at < hi)
            listed = dict(s.exec((q.where(Result.city_code == city) if city else q).group_by(m)).all())
            mc = _month(s, Contract.start_date)
            q = select(mc, func.count(Contract.id)).where(Contract.kind == ContractKind.TRIAL,
                                                          Contract.start_date >= start, Contract.start_date <= end)
            trials = dict(s.exec((q.where(Contract.city_code == city) if city else q).group_by(mc)).all())
            q = select(mc, func.count(Contract.id), _deal_fen()).where(
                Contract.kind.in_(PAID_KINDS), Contract.start_date >= start, Contract.start_date <= end)
            conv = {k: (n, a) for k, n, a in s.exec((q.where(Contract.city_code == city) if city else q)
                                                    .group_by(mc)).all()}
        months, day = [], date(start.year, start.month, 1)
        while day <= end:
            months.append(f"{day:%Y-%m}")
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return [{"month": k, "listed": int(listed.get(k, 0)), "trials": int(trials.get(k, 0)),
                 "conversions": int(conv.get(k, (0, 0))[0]), "deal_amount": _fen_to_yuan(conv.get(k, (0, 0))[1])}
                for k in months]

    return cached(("trends", start, end), compute, city=city)


# --- trials ending soon ------------------------------------------------------------------------

@dataclass(frozen=True)
class EndingTrial:
    contract_id: Any
    number: str
    city_code: str
    result_title: str
    licensee: str
    end_date: date
    days_left: int
    status: str


@dataclass(frozen=True)
class EndingTrials:
    """The trials ending within the window: the first `limit` of them and how many there are."""

    days: int
    rows: list[EndingTrial]
    total: int


@reader(DASHBOARD)
def trials_ending(*, actor: Actor, city_code: str | None = None, days: int | None = None,
                  limit: int = 100) -> EndingTrials:
    """Running trials ending within the city's reminder days (30 for the province), soonest first."""
    city = scope_city(actor, city_code)
    window = days if days is not None else current_policy(city).trial_reminder_days
    first = today()
    last = first + timedelta(days=window)
    where = [Contract.kind == ContractKind.TRIAL, Contract.status.in_(RUNNING),
             Contract.end_date >= first, Contract.end_date <= last]
    if city:
        where.append(Contract.city_code == city)
    with read_session() as s:
        total = s.exec(select(func.count()).select_from(Contract).where(*where)).one()
        q = (select(Contract.id, Contract.number, Contract.city_code, Result.title, Organization.name,
                    Contract.end_date, Contract.status)
             .join(Result, Result.id == Contract.result_id)
             .join(Organization, Organization.id == Contract.licensee_org_id).where(*where))
        rows = s.exec(q.order_by(Contract.end_date, Contract.number).limit(limit)).all()
    return EndingTrials(window, [EndingTrial(cid, number, code, title, lic, end, (end - first).days, status)
                                 for cid, number, code, title, lic, end, status in rows], int(total or 0))
