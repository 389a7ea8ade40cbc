"""The activity index (成果转化活跃指数) per institution, agency, county and city.

    index = w_listed × results listed
          + w_trials × trials signed
          + w_conversions × conversions (paid licences and transfers)
          + w_deal_amount_wan × deal amount in 10 000 yuan
          + w_timeliness × timeliness (0–10: 10 × the share of trials ended in the period that got a
            decision — converted, extended or terminated — instead of simply expiring)

All counts are for the chosen period. The weights are the city's settings (`activity_weights`) for a
city's view, and the province defaults for the province-wide view, so cities are compared on one
scale. For agencies, "results listed" counts the distinct results the agency matched in the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, case, distinct, func, type_coerce
from sqlmodel import select

from db.engine import read_session
from db.models import Agency, Contract, Match, Organization, Result
from db.models.enums import ContractKind, ContractStatus
from portal.claims.fees import PAID_KINDS
from portal.core.actor import Actor
from portal.core.cache import cached
from portal.core.clock import start_of, today
from portal.core.errors import ValidationError
from portal.core.policy import CityPolicy, current_policy
from portal.core.regions import region_name
from portal.core.service import reader
from portal.dashboards.period import check_period
from portal.dashboards.rules import DASHBOARD, scope_city

LEVELS = ("city", "county", "institution", "agency")
DECIDED = (ContractStatus.CONVERTED, ContractStatus.EXTENDED, ContractStatus.TERMINATED)


@dataclass(frozen=True)
class ActivityRow:
    key: str
    name: str
    listed: int
    trials: int
    conversions: int
    deal_amount: Decimal
    timeliness: Decimal  # 0–10
    index: Decimal


def weights_for(city: str | None) -> dict[str, Decimal]:
    """The weights in force for a view: the city's, or the province defaults."""
    return (current_policy(city) if city else CityPolicy()).activity_weights


def score(weights: dict[str, Decimal], *, listed: int, trials: int, conversions: int, deal_amount: Decimal,
          timeliness: Decimal) -> Decimal:
    """The documented formula (module docstring), rounded to 0.1."""
    total = (weights["listed"] * listed + weights["trials"] * trials + weights["conversions"] * conversions
             + weights["deal_amount_wan"] * deal_amount / 10000 + weights["timeliness"] * timeliness)
    return total.quantize(Decimal("0.1"))


def _keys(level: str) -> tuple[Any, Any, Any, list]:
    """(result key, contract key, match key or None, joins needed) for a level."""
    if level == "city":
        return Result.city_code, Contract.city_code, None, []
    if level == "institution":
        return Result.owner_org_id, Contract.licensor_org_id, None, []
    if level == "county":
        return Organization.county_code, Organization.county_code, None, ["org"]
    if level == "agency":
        return None, Contract.agency_id, Match.agency_id, []
    raise ValidationError("error.bad_choice", field="ranking_level", value=str(level))


@reader(DASHBOARD)
def activity_index(*, actor: Actor, level: str, start: date, end: date, city_code: str | None = None,
                   limit: int = 50) -> list[ActivityRow]:
    """The index per unit of level in the actor's scope, highest first."""
    city = scope_city(actor, city_code)
    check_period(start, end)
    rkey, ckey, mkey, joins = _keys(level)
    weights = weights_for(city)

    def compute() -> list[ActivityRow]:
        lo, hi = start_of(start), start_of(end + timedelta(days=1))
        ended_by = min(end, today() - timedelta(days=1))
        with read_session() as s:
            if mkey is not None:
                q = select(mkey, func.count(distinct(Match.result_id))).where(
                    Match.contact_date >= start, Match.contact_date <= end)
                q = q.where(Match.city_code == city) if city else q
                listed = dict(s.exec(q.group_by(mkey)).all())
            else:
                q = select(rkey, func.count()).select_from(Result).where(Result.listed_at >= lo,
                                                                          Result.listed_at < hi)
                if joins:
                    q = q.join(Organization, Organization.id == Result.owner_org_id)
                q = q.where(Result.city_code == city) if city else q
                listed = dict(s.exec(q.group_by(rkey)).all())
            in_period = (Contract.start_date >= start) & (Contract.start_date <= end)
            is_trial = Contract.kind == ContractKind.TRIAL
            ended = is_trial & (Contract.end_date >= start) & (Contract.end_date <= ended_by)
            q = select(
                ckey,
                func.sum(case((is_trial & in_period, 1), else_=0)),
                func.sum(case((Contract.kind.in_(PAID_KINDS) & in_period, 1), else_=0)),
                func.coalesce(func.sum(case((Contract.kind.in_(PAID_KINDS) & in_period,
                                             type_coerce(Contract.deal_amount, BigInteger)), else_=0)), 0),
                func.sum(case((ended, 1), else_=0)),
                func.sum(case((ended & Contract.status.in_(DECIDED), 1), else_=0)),
            ).where(Contract.start_date <= end)
            if joins:
                q = q.join(Organization, Organization.id == Contract.licensor_org_id)
            q = q.where(Contract.city_code == city) if city else q
            deals = {k: r for k, *r in s.exec(q.group_by(ckey)).all()}
            names = _names(s, level, set(listed) | set(deals))
        rows = []
        for key in set(listed) | set(deals):
            if key is None:
                continue
            trials, conv, fen, n_ended, n_decided = (int(v or 0) for v in deals.get(key, (0, 0, 0, 0, 0)))
            amount = (Decimal(fen) / 100).quantize(Decimal("0.01"))
            timely = (Decimal(10) * n_decided / n_ended).quantize(Decimal("0.1")) if n_ended else Decimal("0.0")
            n_listed = int(listed.get(key, 0))
            rows.append(ActivityRow(str(key), names.get(str(key), str(key)), n_listed, trials, conv, amount, timely,
                                    score(weights, listed=n_listed, trials=trials, conversions=conv,
                                          deal_amount=amount, timeliness=timely)))
        rows.sort(key=lambda r: (-r.index, r.name))
        return rows[:limit]

    return cached(("activity", level, start, end, tuple(sorted(weights.items())), limit), compute, city=city)


def _names(s, level: str, keys: set) -> dict[str, str]:  # noqa: ANN001
    keys = {k for k in keys if k is not None}
    if level in ("city", "county"):
        return {str(k): region_name(str(k)) for k in keys}
    if not keys:
        return {}
    if level == "institution":
        rows = s.exec(select(Organization.id, Organization.name).where(Organization.id.in_(keys))).all()
    else:
        rows = s.exec(select(Agency.id, Agency.name).where(Agency.id.in_(keys))).all()
    return {str(k): n for k, n in rows}
