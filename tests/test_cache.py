"""Cached figures (portal.cache) never go stale after a write in this process and never cross a
scope: the pool's totals and institution list, the three-year counts, the province overview."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from db.models import Contract
from portal.core import cache
from portal.dashboards import home
from portal.pool import three_year
from portal.pool.browse import PoolFilter, pool_owners, search_pool
from tests.factories import make_org, make_result, make_trial, save

TODAY = date(2026, 5, 11)
GRANT = date(2023, 5, 10)


def test_pool_total_and_institution_list_follow_a_new_listing(world) -> None:
    hz = world.hz
    in_hz = PoolFilter(city_code="330100")
    before = search_pool(actor=hz.enterprise_user, filters=in_hz).total
    assert [name for _, name in pool_owners(actor=hz.enterprise_user, city_code="330100")] == ["hz大学"]
    assert cache.cached_keys()  # both are held now
    newcomer = make_org("杭州新设研究院", "institute", "330100")
    make_result(newcomer, title="一种新的催化剂")
    assert search_pool(actor=hz.enterprise_user, filters=in_hz).total == before + 1
    assert "杭州新设研究院" in [name for _, name in pool_owners(actor=hz.enterprise_user, city_code="330100")]


def test_a_write_in_ningbo_keeps_hangzhou_figures_and_refreshes_the_province(world) -> None:
    search_pool(actor=world.hz.operator, filters=PoolFilter(city_code="330100"))
    province_before = search_pool(actor=world.admin).total
    make_result(world.nb.licensor, title="宁波新成果")
    kept = cache.cached_keys()
    assert any(k[1] == "330100" for k in kept) and not any(k[1] is None for k in kept)
    assert search_pool(actor=world.admin).total == province_before + 1


def test_three_year_counts_are_per_scope_and_follow_a_conversion(world) -> None:
    hz, nb = world.hz, world.nb
    flagged = make_result(hz.licensor, status="draft", fiscally_funded=True, grant_date=GRANT)
    make_result(hz.licensor, status="draft", fiscally_funded=True, grant_date=GRANT, title="第二项")
    make_result(nb.licensor, status="draft", fiscally_funded=True, grant_date=GRANT)
    other = make_org("杭州另一学院", "university", "330100")
    make_result(other, status="draft", fiscally_funded=True, grant_date=GRANT)
    # the same question in five scopes, asked one after the other: each gets its own answer
    assert three_year.flagged_results(actor=hz.operator, today=TODAY).total == 3
    assert three_year.flagged_results(actor=hz.officer, today=TODAY).total == 2
    assert three_year.flagged_results(actor=nb.officer, today=TODAY).total == 1
    assert three_year.flagged_results(actor=nb.operator, today=TODAY).total == 1
    assert three_year.flagged_results(actor=world.admin, today=TODAY).total == 4
    assert {g.owner for g in three_year.flagged_by_institution(actor=hz.officer, today=TODAY)} == {"hz大学"}
    assert {g.owner for g in three_year.flagged_by_institution(actor=nb.officer, today=TODAY)} == {"nb大学"}
    save(Contract(kind="paid_licence", result_id=flagged.id, licensor_org_id=hz.licensor.id,
                  licensee_org_id=hz.enterprise.id, agency_id=hz.agency.id, city_code="330100", number="L-9",
                  start_date=TODAY, deal_amount=Decimal("50000.00"), status="active"))
    assert three_year.flagged_results(actor=hz.operator, today=TODAY).total == 2
    assert three_year.flagged_results(actor=hz.officer, today=TODAY).total == 1
    assert [g.flagged for g in three_year.flagged_by_institution(actor=hz.officer, today=TODAY)] == [1]
    assert three_year.flagged_results(actor=world.admin, today=TODAY).total == 3


def test_province_overview_follows_a_new_trial(world) -> None:
    def hz_row() -> dict:
        figures = home.home_figures(actor=world.admin)
        return next(row for row in figures.per_city if row["city"] == "330100")

    before = hz_row()["trials"]
    make_trial(world.hz.result, world.hz.enterprise, world.hz.agency)
    assert hz_row()["trials"] == before + 1


def test_pipeline_counts_follow_a_new_match_in_the_right_city(world) -> None:
    from portal.hub import matches as matching

    def contacted(actor) -> int:  # noqa: ANN001
        return next(c.total for c in matching.pipeline(actor=actor) if c.stage == "contacted")

    hz_before, nb_before = contacted(world.hz.operator), contacted(world.nb.operator)
    matching.record_match(actor=world.hz.operator, result_id=world.hz.result.id,
                          enterprise_org_id=world.hz.enterprise.id, channel="visit", contact_date=TODAY)
    assert (contacted(world.hz.operator), contacted(world.nb.operator)) == (hz_before + 1, nb_before)
    assert contacted(world.hz.enterprise_user) == 1 and contacted(world.nb.enterprise_user) == 0


def test_budget_usage_follows_an_approval_in_its_city_only(world) -> None:
    from portal.claims import review
    from portal.claims.budgets import list_budgets
    from portal.core.clock import today
    from tests.test_claims import _reviewed, budget, make_deal

    budget("330100", "service_fee", "100000")
    budget("330200", "service_fee", "50000")
    year = today().year
    claim = _reviewed(world, make_deal(world.hz))
    assert [u.committed for u in list_budgets(actor=world.hz.manager, year=year)] == [Decimal("0")]
    nb_before = list_budgets(actor=world.nb.manager, year=year)
    review.approve_claim(actor=world.hz.operator, claim_id=claim.id)
    assert [u.committed for u in list_budgets(actor=world.hz.manager, year=year)] == [Decimal("10000.00")]
    assert list_budgets(actor=world.nb.manager, year=year) == nb_before
    assert sum(u.committed for u in list_budgets(actor=world.admin, year=year)) == Decimal("10000.00")
