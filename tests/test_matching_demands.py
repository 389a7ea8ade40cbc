"""Demands: form validation, scope, and the atomic Excel import / export round trip."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from db.engine import read_session
from db.models import Demand
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.spreadsheet import ImportFailed
from portal.hub import demand_sheets, demands

GOOD = {"title": "车间设备老是突然坏", "description": "想提前知道", "field": "digital",
        "budget_min": "100000", "budget_max": "300000.50", "wanted_by": "2027-03-31",
        "cooperation": ["trial", "licence"]}


def _count() -> int:
    with read_session() as s:
        return len(s.exec(select(Demand)).all())


def test_enterprise_posts_its_own_demand_with_exact_money_and_terms(world) -> None:
    d = demands.create_demand(actor=world.hz.enterprise_user, data=GOOD)
    assert (d.enterprise_org_id, d.city_code, d.status) == (world.hz.enterprise.id, "330100", "open")
    assert d.budget_max == Decimal("300000.50") and d.cooperation == "trial,licence"
    assert "预测性维护" in d.terms  # the plain words were expanded for the reverse search


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "demand_title"),
    ({"field": "astrology"}, "demand_field"),
    ({"budget_min": "500000"}, "demand_budget_max"),
    ({"budget_max": "1.234"}, "demand_budget_max"),
    ({"cooperation": []}, "demand_cooperation"),
    ({"county": "朝阳区"}, "county"),
])
def test_bad_demand_is_refused_naming_the_field(world, change, field) -> None:
    with pytest.raises(ValidationError) as err:
        demands.create_demand(actor=world.hz.enterprise_user, data={**GOOD, **change})
    assert err.value.field == field
    assert _count() == 0


def test_operator_posts_for_own_city_enterprises_only(world) -> None:
    d = demands.create_demand(actor=world.hz.operator, data=GOOD, enterprise_org_id=world.hz.enterprise.id)
    assert d.created_by == world.hz.operator.user_id
    with pytest.raises(ValidationError) as err:
        demands.create_demand(actor=world.hz.operator, data=GOOD, enterprise_org_id=world.nb.enterprise.id)
    assert (err.value.key, err.value.field) == ("error.organization_out_of_reach", "match_enterprise")
    with pytest.raises(PermissionDenied):
        demands.create_demand(actor=world.hz.manager, data=GOOD, enterprise_org_id=world.hz.enterprise.id)
    assert _count() == 1


def test_scope_of_lists_and_changes(world) -> None:
    hz = demands.create_demand(actor=world.hz.enterprise_user, data=GOOD)
    nb = demands.create_demand(actor=world.nb.enterprise_user, data={**GOOD, "title": "宁波需求"})
    assert [r.id for r in demands.list_demands(actor=world.hz.operator).rows] == [hz.id]
    assert [r.id for r in demands.list_demands(actor=world.hz.enterprise_user).rows] == [hz.id]
    assert {r.id for r in demands.list_demands(actor=world.admin).rows} == {hz.id, nb.id}
    with pytest.raises(NotFound):
        demands.get_demand(actor=world.hz.operator, demand_id=nb.id)
    with pytest.raises(NotFound):
        demands.update_demand(actor=world.hz.operator, demand_id=nb.id, data=GOOD)
    with pytest.raises(NotFound):
        demands.set_demand_status(actor=world.hz.operator, demand_id=nb.id, status="closed")
    assert demands.get_demand(actor=world.nb.operator, demand_id=nb.id).status == "open"
    closed = demands.set_demand_status(actor=world.hz.operator, demand_id=hz.id, status="closed")
    assert closed.status == "closed"


def _book(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "需求标题", "需求描述", "技术领域", "区县", "预算下限（元）",
                  "预算上限（元）", "期望解决日期", "合作方式"])
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_is_all_or_nothing_with_row_errors(world) -> None:
    code = world.hz.enterprise.credit_code
    good = [code, "冬天胶水不干", "环氧胶固化慢", "化工", "西湖区", 50000, 150000, "2027-01-31", "试用、许可"]
    bad_field = [code, "喷漆味道大", "", "玄学", "", None, None, None, "试用"]
    other_city = [world.nb.enterprise.credit_code, "宁波的需求", "", "化工", "", None, None, None, "试用"]
    with pytest.raises(ImportFailed) as err:
        demand_sheets.import_demands(actor=world.hz.operator, data=_book([good, bad_field, other_city]))
    assert [(e.row, e.column) for e in err.value.errors] == [(3, "技术领域"), (4, "统一社会信用代码")]
    assert "玄学" in err.value.errors[0].reason
    assert _count() == 0
    assert demand_sheets.import_demands(actor=world.hz.operator, data=_book([good])) == 1
    d = demands.list_demands(actor=world.hz.operator).rows[0]
    assert (d.field, d.county_code, d.cooperation, d.budget_min) == ("chemicals", "330106", "trial,licence",
                                                                     Decimal("50000.00"))


def test_not_a_workbook_is_refused(world) -> None:
    with pytest.raises(ValidationError) as err:
        demand_sheets.import_demands(actor=world.hz.operator, data=b"not excel")
    assert err.value.field == "demand_file"


def test_export_round_trips_through_import(world) -> None:
    demands.create_demand(actor=world.hz.enterprise_user, data=GOOD)
    data = demand_sheets.export_demands(actor=world.hz.operator)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("统一社会信用代码", "需求标题") and rows[1][1] == GOOD["title"]
    assert demand_sheets.import_demands(actor=world.hz.operator, data=data) == 1
    assert _count() == 2


def test_enterprise_picker_is_searched_scoped_and_small(world) -> None:
    from tests.factories import make_org

    for i in range(3):
        make_org(f"杭州搜索测试企业{i}", "enterprise", "330100")
    make_org("宁波搜索测试企业", "enterprise", "330200")
    names = [c.name for c in demands.enterprise_options(actor=world.hz.operator, query="搜索测试")]
    assert names == ["杭州搜索测试企业0", "杭州搜索测试企业1", "杭州搜索测试企业2"]  # not Ningbo's
    assert len(demands.enterprise_options(actor=world.hz.operator, query="搜索测试", limit=2)) == 2
    assert [c.name for c in demands.enterprise_options(actor=world.admin, query="宁波搜索")] == ["宁波搜索测试企业"]
    assert [c.name for c in demands.enterprise_options(actor=world.hz.enterprise_user, query="")] \
        == ["hz恒拓科技有限公司"]
    assert demands.enterprise_options(actor=world.hz.manager, query="搜索") == []  # reads, posts nothing
    with pytest.raises(PermissionDenied):  # no business with demands at all
        demands.enterprise_options(actor=world.hz.presenter, query="搜索")
