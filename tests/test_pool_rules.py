"""The three-year rule at its boundaries, and the Excel round trip (all or nothing)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import AuditEntry, Contract, Result
from portal.core.errors import PermissionDenied
from portal.core.spreadsheet import ImportFailed, error_workbook
from portal.pool import excel, three_year
from portal.pool.browse import PoolFilter
from tests.factories import make_result, patent_no, save

TODAY = date(2026, 5, 11)
GRANT = date(2023, 5, 10)  # three years end on 2026-05-10


def count(model, *where) -> int:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def flagged(actor, day: date) -> set:  # noqa: ANN001
    return {r.result_id for r in three_year.flagged_results(actor=actor, today=day, not_listed_only=False).rows}


# --- three-year rule (rule 4) -------------------------------------------------------------------------

def test_flag_starts_the_day_after_three_years(world) -> None:
    r = make_result(world.hz.licensor, status="draft", fiscally_funded=True, grant_date=GRANT)
    assert r.id not in flagged(world.hz.operator, TODAY - timedelta(days=1))  # exactly three years: still within
    assert r.id in flagged(world.hz.operator, TODAY)
    page = three_year.flagged_results(actor=world.hz.operator, today=TODAY)
    assert page.total == 1 and page.rows[0].days_overdue == 1 and page.rows[0].due_date == date(2026, 5, 10)
    with Session(get_engine()) as s:
        assert three_year.should_be_in_pool(s, s.get(Result, r.id), TODAY)
        assert not three_year.should_be_in_pool(s, s.get(Result, r.id), TODAY - timedelta(days=1))


def test_no_flag_with_an_exclusion_reason_or_without_fiscal_funding(world) -> None:
    a = make_result(world.hz.licensor, status="draft", fiscally_funded=True, grant_date=GRANT,
                    exclusion_reason="national_security")
    b = make_result(world.hz.licensor, status="draft", fiscally_funded=False, grant_date=GRANT)
    assert not ({a.id, b.id} & flagged(world.hz.operator, TODAY + timedelta(days=400)))


def test_conversion_clears_the_flag_but_a_terminated_deal_does_not(world) -> None:
    hz = world.hz
    r = make_result(hz.licensor, status="listed", fiscally_funded=True, grant_date=GRANT)
    assert r.id in flagged(hz.operator, TODAY)
    deal = Contract(kind="paid_licence", result_id=r.id, licensor_org_id=hz.licensor.id, licensee_org_id=hz.enterprise.id,
                    agency_id=hz.agency.id, city_code="330100", number="L-1", start_date=TODAY,
                    deal_amount=Decimal("100000.00"), status="terminated")
    save(deal)
    assert r.id in flagged(hz.operator, TODAY)
    with Session(get_engine()) as s:
        row = s.get(Contract, deal.id)
        row.status = "active"
        s.add(row)
        s.commit()
    assert r.id not in flagged(hz.operator, TODAY)


def test_three_year_list_is_scoped_and_grouped(world) -> None:
    make_result(world.hz.licensor, status="draft", fiscally_funded=True, grant_date=GRANT)
    make_result(world.hz.licensor, status="listed", fiscally_funded=True, grant_date=GRANT)
    make_result(world.nb.licensor, status="draft", fiscally_funded=True, grant_date=GRANT)
    assert three_year.flagged_results(actor=world.hz.operator, today=TODAY).total == 1  # not yet listed only
    assert three_year.flagged_results(actor=world.nb.officer, today=TODAY).total == 1
    assert three_year.flagged_results(actor=world.admin, today=TODAY).total == 2
    groups = three_year.flagged_by_institution(actor=world.hz.operator, today=TODAY)
    assert [(g.owner, g.flagged, g.not_listed) for g in groups] == [("hz大学", 2, 1)]
    with pytest.raises(PermissionDenied):
        three_year.flagged_results(actor=world.hz.enterprise_user, today=TODAY)


# --- Excel round trip ----------------------------------------------------------------------------------

def workbook(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(excel.headers())
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row(code: str, number: str | None = None, **over) -> list:
    values = {"number": number or patent_no(), "result_type": "发明专利", "result_title": "一种智能巡检机器人",
              "result_inventors": "张三", "result_owner_code": code, "result_owner_name": "", "result_field": "高端装备",
              "result_trl": 6, "result_abstract": "摘要", "result_keywords": "巡检,机器人", "result_fiscal": "是",
              "result_grant_date": date(2022, 1, 5), "result_exclusion": "", "result_trial_months": 12,
              "result_max_licensees": 3, "result_price_guidance": "面议", "result_summary": "巡检机器人替人爬管廊",
              "result_advantages": "24小时巡检\n发现隐患自动报警"}
    values.update(over)
    return [values[c.key] for c in excel.COLUMNS]


def test_template_has_chinese_headers_and_a_sample_row() -> None:
    wb = load_workbook(io.BytesIO(excel.template_workbook()))
    ws = wb.worksheets[0]
    assert ws.cell(1, 1).value == "成果编号 / 专利申请号" and ws.cell(1, 3).value == "成果名称"
    assert ws.max_row == 2 and ws.cell(2, 2).value == "发明专利"


def test_import_creates_then_updates_by_number(world) -> None:
    code = world.hz.licensor.credit_code
    number = patent_no()
    report = excel.import_results(actor=world.hz.operator, data=workbook([row(code, number), row(code)]))
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    with Session(get_engine()) as s:
        r = s.exec(select(Result).where(Result.number == number)).one()
    assert (r.status, r.field, r.fiscally_funded, r.owner_org_id) == ("draft", "high_end_equipment", True, world.hz.licensor.id)
    report = excel.import_results(actor=world.hz.operator, data=workbook([row(code, number, result_trl=7)]))
    assert (report.created, report.updated) == (0, 1)
    assert count(AuditEntry, AuditEntry.action == "result.import_update") == 1


def test_one_bad_row_imports_nothing_and_lists_every_problem(world) -> None:
    code = world.hz.licensor.credit_code
    before = (count(Result), count(AuditEntry))
    data = workbook([row(code), row(code, result_trl=12, result_field="炼金术"), row("91330106MA0000000X"),
                     row(world.nb.licensor.credit_code)])
    with pytest.raises(ImportFailed) as err:
        excel.import_results(actor=world.hz.operator, data=data, lang="en")
    problems = [(e.row, e.column) for e in err.value.errors]
    assert problems == [(3, "Readiness (TRL 1–9)"), (3, "Technology field"), (4, "Owner's credit code"),
                        (5, "Owner's credit code")]
    assert "between 1 and 9" in err.value.errors[0].reason
    assert (count(Result), count(AuditEntry)) == before
    sheet = load_workbook(io.BytesIO(error_workbook(err.value.errors, "zh"))).worksheets[0]
    assert [c.value for c in sheet[1]] == ["行号", "列", "原因"] and sheet.max_row == 5


def test_export_then_import_changes_nothing(world) -> None:
    make_result(world.hz.licensor, title="含除外理由的成果", fiscally_funded=True, grant_date=date(2021, 3, 1),
                exclusion_reason="public_interest", keywords="甲,乙", max_trial_licensees=4)
    data = excel.export_workbook(actor=world.hz.operator, filters=PoolFilter(city_code="330100"))
    with Session(get_engine()) as s:
        stamps = dict(s.exec(select(Result.id, Result.updated_at)).all())
    before = count(AuditEntry)
    report = excel.import_results(actor=world.hz.operator, data=data)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert count(AuditEntry) == before
    with Session(get_engine()) as s:
        assert dict(s.exec(select(Result.id, Result.updated_at)).all()) == stamps


def test_import_is_refused_for_results_of_another_city(world) -> None:
    code = world.hz.licensor.credit_code
    with pytest.raises(ImportFailed) as err:
        excel.import_results(actor=world.hz.operator, data=workbook([row(code)]), city_code="330200")
    assert err.value.errors[0].column == "权利人统一社会信用代码"
    with pytest.raises(ImportFailed):
        excel.import_results(actor=world.nb.operator, data=workbook([row(code)]))
    with pytest.raises(PermissionDenied):
        excel.import_results(actor=world.hz.manager, data=workbook([row(code)]))
    assert count(Result) == 2


def test_market_csv_has_the_documented_columns(world) -> None:
    text = excel.export_market_csv(actor=world.hz.enterprise_user).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].split(",") == list(excel.MARKET_COLUMNS)
    assert len(lines) == 3 and "hz的一种锂电池正极材料表面包覆方法" in text
