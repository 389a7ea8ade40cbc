"""Reads: contracts list with filters and paging, the contract page's history, expiry warnings, export."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from db.models import Match, PilotBooking, PilotPlatform, PilotResource, PolicyVersion
from portal.contracts.listing import (
    ContractFilters,
    contract_detail,
    expiring_trials,
    export_contracts_xlsx,
    find_contract_id,
    list_contracts,
)
from portal.contracts.outcomes import convert_trial, extend_trial
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied
from tests.factories import make_org, make_trial, save


@pytest.fixture
def contracts(world):  # noqa: ANN201
    hz, nb = world.hz, world.nb
    ending = make_trial(hz.result, hz.enterprise, hz.agency, start=today() - timedelta(days=360))  # ends in ~0
    other = make_org("庚企业", "enterprise")
    later = make_trial(hz.result, other, hz.agency, start=today() - timedelta(days=200))
    ningbo = make_trial(nb.result, nb.enterprise, nb.agency, start=today() - timedelta(days=355))
    return world, ending, later, ningbo, other


def test_list_filters_pages_and_scope(contracts) -> None:
    world, ending, later, ningbo, other = contracts

    def total(actor, **filters) -> int:  # noqa: ANN001, ANN003
        return list_contracts(actor=actor, filters=ContractFilters(**filters)).total

    page = list_contracts(actor=world.hz.operator)
    assert page.total == 2 and {r.number for r in page.rows} == {ending.number, later.number}
    assert total(world.admin) == 3
    assert list_contracts(actor=world.hz.operator, filters=ContractFilters(licensee_org_id=other.id)).rows[0].number \
        == later.number
    assert total(world.hz.operator, result_text="锂电池") == 2
    assert total(world.hz.operator, result_text="不存在") == 0
    assert total(world.hz.operator, status="converted") == 0
    since = ContractFilters(since=today() - timedelta(days=300))
    assert [r.number for r in list_contracts(actor=world.hz.operator, filters=since).rows] == [later.number]
    page2 = list_contracts(actor=world.hz.operator, page=2, page_size=1)
    assert page2.total == 2 and [r.number for r in page2.rows] == [ending.number]
    # the licensee enterprise and the licensor officer see their own contracts only
    assert total(world.hz.enterprise_user) == 1
    assert total(world.hz.officer) == 2
    assert total(world.nb.officer) == 1


def test_detail_holds_the_whole_history_and_is_scoped(contracts) -> None:
    world, ending, *_ = contracts
    extend_trial(actor=world.hz.operator, trial_id=ending.id, new_end_date=ending.end_date + timedelta(days=30),
                 reason="中试延期")
    deal = convert_trial(actor=world.hz.operator, trial_id=ending.id, kind="paid_licence", deal_amount="500000",
                         signing_date=today(), payment_terms="分两期支付")
    detail = contract_detail(actor=world.hz.operator, contract_id=ending.id)
    assert [d.number for d in detail.deals] == [deal.number]
    assert {h.action for h in detail.history} == {"contract.extend", "contract.convert"}
    assert contract_detail(actor=world.hz.operator, contract_id=deal.id).parent.id == ending.id
    assert find_contract_id(actor=world.hz.operator, number=deal.number) == deal.id
    with pytest.raises(NotFound):
        contract_detail(actor=world.nb.operator, contract_id=ending.id)
    with pytest.raises(NotFound):
        find_contract_id(actor=world.nb.operator, number=deal.number)


def test_expiring_uses_the_city_window_sorted_with_matches_and_pilots(contracts) -> None:
    world, ending, later, ningbo, _ = contracts
    hz = world.hz
    save(Match(result_id=hz.result.id, enterprise_org_id=hz.enterprise.id, agency_id=hz.agency.id,
               city_code="330100", channel="roadshow", contact_date=today() - timedelta(days=400),
               stage="trial", notes="路演后对接"))
    platform = PilotPlatform(name="杭州中试基地", host_org_id=make_org("中试平台", "platform").id, city_code="330100")
    save(platform)
    resource = PilotResource(platform_id=platform.id, name="涂布线")
    save(resource)
    save(PilotBooking(reference="ZSYY-3301-2026-9001", resource_id=resource.id, platform_id=platform.id, city_code="330100",
                      enterprise_org_id=hz.enterprise.id, result_id=hz.result.id, start_date=today(),
                      end_date=today() + timedelta(days=3), status="confirmed"))
    page = expiring_trials(actor=hz.operator)
    rows, days = page.rows, page.days
    assert days == 30 and page.total == 1 and [r.number for r in rows] == [ending.number]
    assert rows[0].matches[0][1] == "roadshow" and rows[0].pilots[0][2] == "杭州中试基地"
    # a longer window (city setting) brings the later trial in, sorted by days left
    save(PolicyVersion(region_code="330100", version=50, data={"trial_reminder_days": 200}))
    page = expiring_trials(actor=hz.operator)
    rows, days = page.rows, page.days
    assert days == 200 and [r.number for r in rows] == [ending.number, later.number]
    assert rows[0].days_left <= rows[1].days_left
    # the province sees every city, each by its own window
    assert {r.number for r in expiring_trials(actor=world.admin).rows} == {ending.number, later.number, ningbo.number}
    assert [r.number for r in expiring_trials(actor=world.nb.operator).rows] == [ningbo.number]
    # paging
    second = expiring_trials(actor=hz.operator, page=2, page_size=1)
    assert second.total == 2 and [r.number for r in second.rows] == [later.number]
    with pytest.raises(PermissionDenied):
        expiring_trials(actor=hz.manager)


def test_export_is_an_xlsx_of_the_filtered_rows(contracts) -> None:
    world, ending, later, *_ = contracts
    data = export_contracts_xlsx(actor=world.hz.operator)
    sheet = load_workbook(io.BytesIO(data)).active
    values = list(sheet.values)
    assert values[0][0] == "合同编号" and len(values) == 3
    assert {v[0] for v in values[1:]} == {ending.number, later.number}
    assert values[1][2] == "生效中"


def test_detail_offers_only_vouchers_within_the_actor_scope(world) -> None:
    from portal.contracts.vouchers import issue_voucher

    trial = make_trial(world.hz.result, world.nb.enterprise, world.hz.agency)  # a Ningbo firm, Hangzhou agency
    voucher = issue_voucher(actor=world.nb.operator, enterprise_org_id=world.nb.enterprise.id, amount="100",
                            expires_on=today() + timedelta(days=30))
    assert contract_detail(actor=world.hz.operator, contract_id=trial.id).vouchers == []
    assert [v.id for v in contract_detail(actor=world.admin, contract_id=trial.id).vouchers] == [voucher.id]


def test_enterprise_search_stays_in_the_operators_city(world) -> None:
    from portal.contracts.listing import enterprise_search

    hz = {n for _, n in enterprise_search(actor=world.hz.operator, text="恒拓")}
    assert hz == {world.hz.enterprise.name}
    assert enterprise_search(actor=world.hz.operator, text="nb") == []  # Ningbo's is out of reach
    assert enterprise_search(actor=world.admin, text="恒拓") == []  # the province names a city first
    assert {n for _, n in enterprise_search(actor=world.admin, text="恒拓", city_code="330200")} == {
        world.nb.enterprise.name}
