"""Dashboards: the funnel against a hand-counted fixture, trends, cities, activity index, cache."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest

from db.models import Contract, Match
from portal.core import cache
from portal.core.clock import TZ
from portal.core.errors import PermissionDenied, ValidationError
from portal.dashboards import figures as dashboards
from portal.scoring import activity
from tests.factories import make_org, make_result, make_trial, save

START, END = date(2026, 1, 1), date(2026, 6, 30)


def _match(city, result, day: date) -> None:  # noqa: ANN001
    save(Match(result_id=result.id, enterprise_org_id=city.enterprise.id, agency_id=city.agency.id,
               city_code=city.code, channel="roadshow", contact_date=day))


def _deal(city, trial, day: date, amount: str) -> None:  # noqa: ANN001
    save(Contract(kind="transfer", result_id=trial.result_id, licensor_org_id=trial.licensor_org_id,
                  licensee_org_id=trial.licensee_org_id, agency_id=city.agency.id, city_code=city.code,
                  parent_trial_id=trial.id, number=f"D-{uuid.uuid4().hex[:8]}", start_date=day, signing_date=day,
                  deal_amount=Decimal(amount)))


@pytest.fixture
def fixture(world):  # noqa: ANN201
    """Hangzhou, hand-counted for 2026-01-01 … 06-30:
    listed 4 (r1–r4; r5 was listed in 2025), matched 3 distinct results (r1 twice, r2, r5),
    on trial 2 distinct results (r1 with two licensees, r2; r3's trial is in July),
    converted 1 (r1, ¥300,000 in April). Ningbo adds 1 listed, 1 matched."""
    hz, nb = world.hz, world.nb
    listed = lambda m: datetime(2026, m, 15, 10, tzinfo=TZ)  # noqa: E731
    r = [make_result(hz.licensor, listed_at=listed(m), title=f"r{i}") for i, m in enumerate((1, 2, 2, 5), 1)]
    r5 = make_result(hz.licensor, listed_at=datetime(2025, 11, 3, tzinfo=TZ), title="r5")
    for res, day in ((r[0], date(2026, 2, 1)), (r[0], date(2026, 3, 1)), (r[1], date(2026, 3, 2)),
                     (r5, date(2026, 4, 9)), (r[2], date(2025, 12, 31))):
        _match(hz, res, day)
    other = make_org("hz第二企业", "enterprise", "330100")
    t1 = make_trial(r[0], hz.enterprise, hz.agency, start=date(2026, 3, 5), months=1)
    make_trial(r[0], other, hz.agency, start=date(2026, 3, 20))
    make_trial(r[1], hz.enterprise, hz.agency, start=date(2026, 4, 1))
    make_trial(r[2], hz.enterprise, hz.agency, start=date(2026, 7, 1))
    _deal(hz, t1, date(2026, 4, 20), "300000")
    nb_r = make_result(nb.licensor, listed_at=listed(3), title="nb1")
    _match(nb, nb_r, date(2026, 3, 3))
    return world


def test_funnel_matches_the_hand_count(fixture) -> None:
    hz = dashboards.funnel(actor=fixture.hz.manager, start=START, end=END)
    assert (hz.listed, hz.matched, hz.trial, hz.converted) == (4, 3, 2, 1)
    assert [round(r, 3) if r else r for _, _, r in hz.stages()] == [None, 0.75, 0.667, 0.5]
    zj = dashboards.funnel(actor=fixture.province_manager, start=START, end=END)
    assert (zj.listed, zj.matched, zj.trial, zj.converted) == (5, 4, 2, 1)
    only_nb = dashboards.funnel(actor=fixture.province_manager, start=START, end=END, city_code="330200")
    assert (only_nb.listed, only_nb.matched) == (1, 1)
    # a city manager asking for another city still sees its own
    assert dashboards.funnel(actor=fixture.hz.manager, start=START, end=END, city_code="330200") == hz


def test_cache_is_scoped_and_dropped_on_writes(fixture) -> None:
    before = dashboards.funnel(actor=fixture.hz.manager, start=START, end=END)
    assert dashboards.funnel(actor=fixture.nb.manager, start=START, end=END).listed == 1  # not Hangzhou's
    make_result(fixture.hz.licensor, listed_at=datetime(2026, 6, 1, tzinfo=TZ), title="r6")
    assert dashboards.funnel(actor=fixture.hz.manager, start=START, end=END).listed == before.listed + 1


def test_trends_and_cities(fixture) -> None:
    rows = dashboards.monthly_trends(actor=fixture.hz.manager, start=START, end=END)
    assert [r["month"] for r in rows] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert [r["listed"] for r in rows] == [1, 2, 0, 0, 1, 0]
    assert [r["trials"] for r in rows] == [0, 0, 2, 1, 0, 0]
    assert [r["deal_amount"] for r in rows][3] == Decimal("300000.00")
    figures = {c.city_code: c for c in dashboards.city_figures(actor=fixture.admin, start=START, end=END)}
    assert len(figures) == 11
    assert (figures["330100"].trials, figures["330100"].conversions, figures["330100"].deal_amount) == (
        2, 1, Decimal("300000.00"))
    with pytest.raises(PermissionDenied):
        dashboards.city_figures(actor=fixture.hz.manager, start=START, end=END)


def test_conversion_rate_counts_conversions_of_the_periods_own_trials(world) -> None:
    """湖州's 200 %: two deals in the period whose trials began the year before, over one trial
    begun in the period. The rate is the period's trials that converted over the period's trials."""
    hz = world.hz
    old = [make_result(hz.licensor, title=f"old{i}") for i in range(2)]
    new = [make_result(hz.licensor, title=f"new{i}") for i in range(3)]
    for res in old:  # trials of 2025, converted in 2026: conversions of 2026, but not of its trials
        _deal(hz, make_trial(res, hz.enterprise, hz.agency, start=date(2025, 9, 1)), date(2026, 2, 1), "100000")
    begun = [make_trial(res, hz.enterprise, hz.agency, start=date(2026, 2, 1), months=1) for res in new]
    _deal(hz, begun[0], date(2026, 3, 10), "50000")
    city = {c.city_code: c for c in dashboards.city_figures(actor=world.admin, start=START, end=END)}["330100"]
    assert (city.trials, city.conversions, city.trials_converted) == (3, 3, 1)
    assert city.conversion_rate == pytest.approx(1 / 3)
    quiet = {c.city_code: c for c in dashboards.city_figures(actor=world.admin, start=START, end=END)}["330200"]
    assert quiet.conversion_rate is None  # no trial began: no rate, not 0 %


def test_activity_index_follows_the_formula(fixture) -> None:
    rows = activity.activity_index(actor=fixture.hz.manager, level="institution", start=START, end=END)
    top = rows[0]
    assert (top.name, top.listed, top.trials, top.conversions, top.deal_amount) == (
        "hz大学", 4, 3, 1, Decimal("300000.00"))
    # t1 ended on 2026-04-04 and is still "active" (no decision recorded): timeliness 0
    assert top.timeliness == Decimal("0.0")
    assert top.index == Decimal("1") * 4 + Decimal("3") * 3 + Decimal("10") * 1 + Decimal("0.1") * 30
    by_agency = activity.activity_index(actor=fixture.hz.manager, level="agency", start=START, end=END)
    assert [(r.name, r.listed) for r in by_agency] == [("hz技术转移中心", 3)]
    with pytest.raises(ValidationError):
        activity.activity_index(actor=fixture.hz.manager, level="planet", start=START, end=END)


def test_scope_and_period_refusals(fixture) -> None:
    with pytest.raises(PermissionDenied):
        dashboards.funnel(actor=fixture.hz.presenter, start=START, end=END)
    with pytest.raises(PermissionDenied):
        dashboards.funnel(actor=fixture.hz.officer, start=START, end=END)
    with pytest.raises(ValidationError) as err:
        dashboards.funnel(actor=fixture.hz.manager, start=END, end=START)
    assert err.value.field == "until"
    ending = dashboards.trials_ending(actor=fixture.hz.manager)
    assert ending.days == 30 and all(t.city_code == "330100" for t in ending.rows)


def test_a_write_in_one_city_keeps_the_other_cities_cached(fixture) -> None:
    nb_before = dashboards.funnel(actor=fixture.nb.manager, start=START, end=END)
    dashboards.funnel(actor=fixture.hz.manager, start=START, end=END)
    keys = cache.cached_keys()
    make_result(fixture.hz.licensor, listed_at=datetime(2026, 6, 2, tzinfo=TZ), title="r7")
    left = cache.cached_keys()
    assert any(k[1] == "330200" for k in left) and not any(k[1] == "330100" for k in left)
    assert left < keys
    assert dashboards.funnel(actor=fixture.nb.manager, start=START, end=END) == nb_before
