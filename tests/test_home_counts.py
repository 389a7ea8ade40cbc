"""The home page counts what the lists it summarises count (issue 14), on both databases: for an
operator, the province and the managers; and the two counts that had drifted from the 安心屋
tabs (paused notices left out, objections to contracts counted)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from db.models import FeeClaim, Intent, Objection, PublicNotice, Roadshow
from db.models.enums import ContractKind, ResultStatus
from portal.claims.listing import list_claims
from portal.contracts.common import RUNNING
from portal.contracts.listing import ContractFilters, expiring_trials, list_contracts
from portal.core.clock import now, today
from portal.core.errors import PermissionDenied
from portal.dashboards import figures
from portal.dashboards.home import home_figures
from portal.hub.demands import list_demands
from portal.pilot.bookings import list_bookings
from portal.pool.approval import desk
from portal.pool.browse import PoolFilter, search_pool
from portal.pool.disclosure import list_my_results
from portal.requests.listing import list_requests
from portal.roadshows.listing import list_roadshows
from portal.scoring import activity, points
from tests.factories import make_result, make_trial, save


def _notice(city, state: str):  # noqa: ANN001, ANN202
    status = ResultStatus.NOTICE if state == "running" else ResultStatus.PAUSED
    result = make_result(city.licensor, status=status, title=f"{city.code}公示{uuid.uuid4().hex[:4]}")
    save(PublicNotice(result_id=result.id, city_code=city.code, days=15, start_date=today() - timedelta(days=5),
                      end_date=today() + timedelta(days=10), state=state))
    return result


def _objection(city, *, result=None, contract=None, status: str = "open") -> None:  # noqa: ANN001
    save(Objection(result_id=result.id if result else None, contract_id=contract.id if contract else None,
                   city_code=city.code, objector_name="张三", objector_contact="13800000000", reason="权属存疑",
                   status=status))


def _claim(city, status: str) -> None:  # noqa: ANN001
    save(FeeClaim(reference=f"T-{uuid.uuid4().hex[:10]}", kind="operating_subsidy", agency_id=city.agency.id,
                  city_code=city.code, budget_region_code=city.code, budget_year=today().year,
                  amount=Decimal("1000.00"), status=status, created_by=city.plain_operator.user_id))


@pytest.fixture
def busy(world):  # noqa: ANN201
    """Hangzhou: 2 notices running and 1 paused by an open objection (a dismissed one besides), an
    open objection to a contract; trials ending, overdue, disputed; claims waiting. Ningbo: one of each."""
    hz, nb = world.hz, world.nb
    _notice(hz, "running")
    _notice(hz, "running")
    paused = _notice(hz, "paused")
    _objection(hz, result=paused)
    _objection(hz, result=paused, status="dismissed")
    _objection(nb, result=_notice(nb, "running"))
    soon = make_trial(hz.result, hz.enterprise, hz.agency, start=today() - timedelta(days=340))  # ends in 20 days
    _objection(hz, contract=soon)  # an objection to a contract is not the desk's
    make_trial(hz.result, hz.enterprise, hz.agency, start=today() - timedelta(days=365))  # ended 5 days ago
    make_trial(hz.result, hz.enterprise, hz.agency, status="disputed")
    make_trial(nb.result, nb.enterprise, nb.agency, start=today() - timedelta(days=350))
    for status in ("submitted", "reviewed", "draft"):
        _claim(hz, status)
    _claim(nb, "submitted")
    save(Intent(result_id=hz.result.id, city_code=hz.code, source="hub", company_name="hz恒拓科技有限公司",
                credit_code="91330106MA2XXXXXX1", contact_person="李四", phone="13900000000",
                enterprise_org_id=hz.enterprise.id))
    save(Roadshow(title="杭州新材料专场", city_code=hz.code, agency_id=hz.agency.id, status="published",
                  starts_at=now(), ends_at=now() + timedelta(days=1), venue="杭州"))
    return world


def _metrics(actor) -> dict:  # noqa: ANN001
    return {m.key: m.value for m in home_figures(actor=actor).metrics}


def _running(actor) -> int:  # noqa: ANN001
    return sum(list_contracts(actor=actor, filters=ContractFilters(kind=ContractKind.TRIAL, status=s)).total
               for s in RUNNING)


@pytest.mark.parametrize("who", ["operator", "plain_operator", "admin"])
def test_operations_home_counts_are_the_lists_counts(busy, who) -> None:  # noqa: ANN001
    actor = busy.admin if who == "admin" else getattr(busy.hz, who)
    home = _metrics(actor)
    queues = desk(actor=actor)
    assert home["home.notices_running"] == queues.totals["in_notice"] == len(queues.in_notice)
    assert home["home.objections_open"] == queues.totals["objections"] == len(queues.objections)
    assert home["home.trials_ending"] == expiring_trials(actor=actor).total
    assert home["home.claims_waiting"] == sum(list_claims(actor=actor, status=s).total
                                              for s in ("submitted", "reviewed"))
    assert home["home.trials_running"] == _running(actor)
    assert home["home.results_listed"] == search_pool(actor=actor, filters=PoolFilter(city_code=actor.city_code)).total


def test_the_desk_and_the_home_page_agree_on_the_hand_count(busy) -> None:
    hz = _metrics(busy.hz.operator)
    # the paused notice is in notice; the contract's and the dismissed objections are not the desk's
    assert (hz["home.notices_running"], hz["home.objections_open"]) == (3, 1)
    province = _metrics(busy.admin)
    assert (province["home.notices_running"], province["home.objections_open"]) == (4, 2)
    # ending within 30 days and the overdue one, as the 到期提醒 page lists them; the disputed trial runs
    assert (hz["home.trials_ending"], hz["home.trials_running"], hz["home.claims_waiting"]) == (2, 3, 2)
    ending = home_figures(actor=busy.hz.operator).ending
    assert [row["days_left"] for row in ending] == [20]  # the table: the next to end, none overdue


@pytest.mark.parametrize("who", ["city", "province"])
def test_manager_home_counts_are_the_dashboards(busy, who) -> None:  # noqa: ANN001
    actor = busy.hz.manager if who == "city" else busy.province_manager
    home = _metrics(actor)
    year = figures.monthly_trends(actor=actor, start=date(today().year, 1, 1), end=today())
    assert home["home.trials_ending"] == figures.trials_ending(actor=actor).total
    assert home["home.conversions_year"] == sum(m["conversions"] for m in year)
    assert home["home.deal_amount_year"] == sum(m["deal_amount"] for m in year)
    assert home["home.trials_running"] == _running(actor)
    assert home["home.results_listed"] == search_pool(actor=actor, filters=PoolFilter(city_code=actor.city_code)).total
    assert bool(home_figures(actor=actor).per_city) == (who == "province")


def test_officer_enterprise_and_presenter_homes(busy) -> None:
    officer = _metrics(busy.hz.officer)
    assert officer["home.my_results"] == list_my_results(actor=busy.hz.officer).total
    assert officer["home.in_notice"] == desk(actor=busy.hz.officer).totals["in_notice"] == 3
    enterprise = _metrics(busy.hz.enterprise_user)
    assert enterprise["home.my_demands"] == list_demands(actor=busy.hz.enterprise_user).total
    # what 我的申请 shows under way: requests open or in contact, bookings still requested (a roadshow
    # QR submission is not a request)
    user = busy.hz.enterprise_user
    assert enterprise["home.my_requests"] == sum(list_requests(actor=user, status=s).total for s in ("open", "matched")) \
        + list_bookings(actor=user, status="requested").total
    assert enterprise["home.trials_ending"] == 1
    assert enterprise["home.results_in_pool"] == search_pool(actor=busy.hz.enterprise_user).total
    presenter = _metrics(busy.hz.presenter)
    # a presenter sees its city's published roadshows, and nothing of the pool
    assert presenter == {"home.roadshows_published": list_roadshows(actor=busy.hz.presenter).total} \
        == {"home.roadshows_published": 1}
    assert _metrics(busy.nb.presenter) == {"home.roadshows_published": 0}


def test_only_staff_and_managers_read_dashboards_and_rankings(busy) -> None:
    start, end = date(today().year, 1, 1), today()
    reads = (lambda a: figures.funnel(actor=a, start=start, end=end),
             lambda a: figures.monthly_trends(actor=a, start=start, end=end),
             lambda a: figures.trials_ending(actor=a),
             lambda a: activity.activity_index(actor=a, level="agency", start=start, end=end),
             lambda a: points.ranking(actor=a, by="agency", start=start, end=end))
    for actor in (busy.hz.presenter, busy.hz.officer, busy.hz.enterprise_user):
        for read in reads:
            with pytest.raises(PermissionDenied):
                read(actor)
    for actor in (busy.hz.plain_operator, busy.hz.manager, busy.province_manager, busy.admin):
        for read in reads:
            read(actor)
    assert {t.city_code for t in figures.trials_ending(actor=busy.hz.plain_operator).rows} == {"330100"}
    with pytest.raises(PermissionDenied):
        figures.city_figures(actor=busy.hz.operator, start=start, end=end)
    assert len(figures.city_figures(actor=busy.province_manager, start=start, end=end)) == 11
