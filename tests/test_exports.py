"""Exports that cannot attack their reader, on SQLite and PostgreSQL: every user-controlled text
column of every service export is filled with a formula through the services, and the download
holds it as guarded text (visible text kept); money, shares and dates are typed cells; cities are
named; the pool's and the demands' exports import back unchanged."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from db.engine import get_engine, read_session
from db.models import Demand, Organization, Result
from portal.admin.users import add_user
from portal.claims import filing, listing
from portal.contracts.listing import EXPORT_COLUMNS as CONTRACT_COLUMNS
from portal.contracts.listing import export_contracts_xlsx
from portal.contracts.outcomes import convert_trial
from portal.contracts.trials import create_trial
from portal.core.actor import Actor
from portal.core.auth import actor_from_user
from portal.core.clock import now, today
from portal.core.i18n import t
from portal.core.spreadsheet import MONEY, PERCENT, csv_bytes, safe_cell, table_workbook, unguard
from portal.core.validation import printable
from portal.hub import demand_sheets, demands
from portal.pool import excel
from portal.pool.browse import PoolFilter
from portal.pool.disclosure import save_result
from portal.ui.claims import claims_table
from portal.ui.downloads import csv_bytes as table_csv
from portal.ui.downloads import xlsx_bytes as table_xlsx
from tests.factories import make_org

PAYLOADS = ('=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def live(value: object) -> bool:
    """A text cell a spreadsheet would read as a formula: it starts (or, after blanks, goes on)
    with = + - @, or starts with a tab or CR, and is not led by the guard."""
    return isinstance(value, str) and not value.startswith("'") and (
        value.startswith(TRIGGERS) or value.lstrip().startswith(TRIGGERS[:4]))


def guarded(cell: object, typed: str) -> bool:
    """cell holds typed (as the portal stored it) behind the guard, nothing lost (a lone CR, which
    no text field keeps, reads as a line break)."""
    typed = printable(typed)
    return isinstance(cell, str) and cell.startswith("'") and cell[1:] == typed and unguard(cell) == typed


def xlsx_rows(data: bytes) -> tuple[list[str], list[dict[str, object]], list]:
    """The header, the rows as {header: value}, and every cell of the first sheet, each checked
    to be no formula."""
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.coordinate for c in cells if live(c.value)] == []
    rows = list(sheet.iter_rows())
    header = [str(c.value) for c in rows[0]]
    return header, [dict(zip(header, row, strict=False)) for row in rows[1:]], cells


def csv_rows(data: bytes) -> list[list[str]]:
    """The CSV's rows of cells."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@dataclass
class Planted:
    """One payload's records, as the services stored them."""

    payload: str
    licensor: Organization
    enterprise: Organization
    result: Result
    demand: Demand
    idle: Result  # the same result never converted: on the three-year list


def _listed(result_id) -> Result:  # noqa: ANN001
    """The result through its notice (the steps do not touch its text, and have their own tests)."""
    with Session(get_engine(), expire_on_commit=False) as s:
        result = s.get(Result, result_id)
        result.status, result.listed_at = "listed", now()
        s.add(result)
        s.commit()
        return result


def plant(world) -> list[Planted]:  # noqa: ANN001
    """plant_for Hangzhou's operator of the test world."""
    return plant_for(world.hz.operator)


def plant_for(operator: Actor) -> list[Planted]:
    """For every payload, in the operator's city: an institution and two enterprises named with it
    (names, contacts and phones come from the registry or the public QR page, not from a checked
    form), and, through the services, two fiscally funded results granted in 2020 with it in every
    text field (one with a trial converted to a deal and a trial ending in 10 days, one idle, so on
    the three-year list) and a demand with it in every text field."""
    city, planted = operator.city_code, []
    for i, payload in enumerate(PAYLOADS):
        licensor = make_org(payload, "university", city, contact_name=payload[:40], contact_phone=payload[:20])
        enterprise = make_org(payload, "enterprise", city, size="small")
        form = {"result_type": "software", "number": f"{payload}{i}", "result_title": payload,
                "result_inventors": payload, "result_owner": licensor.id, "result_field": "new_materials",
                "result_trl": 5, "result_abstract": payload, "result_keywords": payload, "result_fiscal": True,
                "result_grant_date": date(2020, 1, 2), "result_trial_months": 12,
                "result_price_guidance": payload}
        result = _listed(save_result(actor=operator, data=form).id)
        idle = _listed(save_result(actor=operator, data={**form, "number": f"{payload}-idle{i}"}).id)
        trial = create_trial(actor=operator, result_id=result.id, licensee_org_id=enterprise.id,
                             start_date=today() - timedelta(days=20), end_date=today() + timedelta(days=10))
        convert_trial(actor=operator, trial_id=trial.id, kind="paid_licence", deal_amount="200000.5",
                      signing_date=today(), payment_terms=payload)
        create_trial(actor=operator, result_id=result.id,
                     licensee_org_id=make_org(payload, "enterprise", city, size="micro").id,
                     start_date=today() - timedelta(days=20), end_date=today() + timedelta(days=10))
        demand = demands.create_demand(actor=operator, enterprise_org_id=enterprise.id, data={
            "title": payload, "description": payload, "field": "digital", "budget_min": "100000",
            "budget_max": "300000.50", "wanted_by": "2027-03-31", "cooperation": ["trial", "licence"]})
        planted.append(Planted(payload, licensor, enterprise, result, demand, idle))
    return planted


# --- the guard itself ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [*PAYLOADS, " =1", "\n=1", "\u3000@x", "'=1", "''+1"])
def test_a_formula_is_led_by_the_guard_and_undone_exactly(text: str) -> None:
    cell = safe_cell(text)
    typed = printable(text)  # a lone CR is a line break, as in every text field
    assert cell == "'" + typed and not live(cell) and unguard(cell) == typed


@pytest.mark.parametrize("text", ["一种散热膜", "'引号开头", "a=b", "5万元", "'"])
def test_plain_text_goes_out_as_typed(text: str) -> None:
    assert safe_cell(text) == text == unguard(text)


def test_a_table_sheet_types_its_cells() -> None:
    moment = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    data = table_workbook(["a", "b", "c", "d", "e"], [
        ["=1", Decimal("200000.50"), Decimal("0.0525"), date(2026, 3, 1), moment], ["#N/A", None, None, None, None]],
        formats=[None, MONEY, PERCENT])
    _, rows, _ = xlsx_rows(data)
    first, second = rows
    assert first["a"].value == "'=1" and second["a"].value == "#N/A" and second["a"].data_type == "s"
    assert (first["b"].value, first["b"].number_format) == (200000.5, MONEY)
    assert (first["c"].value, first["c"].number_format) == (0.0525, PERCENT)
    assert first["d"].is_date and first["d"].value.date() == date(2026, 3, 1)
    assert first["e"].value == datetime(2026, 1, 2, 11, 4)  # local time: Excel keeps no zone
    assert csv_rows(csv_bytes(["a", "b", "c", "d", "e"], [["=1", Decimal("200000.50"), Decimal("0.0525"),
                                                        date(2026, 3, 1), moment]], formats=[None, MONEY, PERCENT])) \
        == [["a", "b", "c", "d", "e"], ["'=1", "200000.50", "5.25%", "2026-03-01", "2026-01-02 11:04"]]


# --- every service export, both databases -------------------------------------------------------------

def test_the_pool_export_holds_every_payload_as_text_and_imports_back_unchanged(world) -> None:
    planted = plant(world)
    data = excel.export_workbook(actor=world.hz.operator, filters=PoolFilter(city_code="330100"))
    _, rows, _ = xlsx_rows(data)
    head = {k: excel.BY_KEY[k].header("zh") for k in excel.BY_KEY}
    by_number = {unguard(str(r[head["number"]].value)): r for r in rows}
    columns = {"number": "number", "result_title": "title", "result_inventors": "inventors",
               "result_abstract": "abstract", "result_keywords": "keywords",
               "result_price_guidance": "price_guidance"}
    checked = 0
    for p in planted:
        row = by_number[p.result.number]
        for key, attr in columns.items():
            assert guarded(row[head[key]].value, getattr(p.result, attr)), (key, row[head[key]].value)
            checked += 1
        assert guarded(row[head["result_owner_name"]].value, p.licensor.name)
        checked += 1
        assert row[head["result_grant_date"]].is_date
    assert checked == 7 * len(PAYLOADS)
    report = excel.import_results(actor=world.hz.operator, data=data)
    assert (report.created, report.updated) == (0, 0) and report.unchanged == len(rows)
    with read_session() as s:
        for p in planted:
            again = s.get(Result, p.result.id)
            assert [getattr(again, a) for a in columns.values()] == [getattr(p.result, a) for a in columns.values()]


def test_a_title_that_starts_with_the_guard_itself_survives_the_round_trip(world) -> None:
    result = save_result(actor=world.hz.operator, data={
        "result_type": "other", "number": "QT-2026-1", "result_title": "'=不是公式", "result_owner": world.hz.licensor.id,
        "result_field": "new_materials", "result_trl": 4, "result_trial_months": 6})
    _listed(result.id)
    data = excel.export_workbook(actor=world.hz.operator, filters=PoolFilter(city_code="330100"))
    assert "''=不是公式" in [c.value for c in xlsx_rows(data)[2]]
    assert excel.import_results(actor=world.hz.operator, data=data).updated == 0
    with read_session() as s:
        assert s.get(Result, result.id).title == "'=不是公式"


def test_the_market_csv_guards_every_text(world) -> None:
    planted = plant(world)
    data = excel.export_market_csv(actor=world.hz.operator, filters=PoolFilter(city_code="330100"))
    rows = csv_rows(data)
    header = rows[0]
    col = {name: header.index(name) for name in header}
    by_number = {unguard(r[col["专利号/登记号"]]): r for r in rows[1:]}
    checked = 0
    for p in planted:
        row = by_number[p.result.number]
        expected = {"成果名称": p.result.title, "专利号/登记号": p.result.number, "成果持有单位": p.licensor.name,
                    "联系人": p.licensor.contact_name, "联系电话": p.licensor.contact_phone,
                    "成果简介": p.result.abstract, "关键词": p.result.keywords, "参考价格": p.result.price_guidance}
        for name, typed in expected.items():
            assert guarded(row[col[name]], typed), (name, row[col[name]])
            checked += 1
        assert row[col["试用期（月）"]] == "12"  # a number, bare
        assert row[col["所在地区"]] == "杭州市"
    assert checked == 8 * len(PAYLOADS)
    assert not [cell for r in rows for cell in r if live(cell)]


def test_the_contracts_export_guards_names_and_types_amounts_dates_and_cities(world) -> None:
    planted = plant(world)
    header, rows, _ = xlsx_rows(export_contracts_xlsx(actor=world.hz.operator))
    name = {c: t(f"contracts.col.{c}", "zh") for c in CONTRACT_COLUMNS}
    checked = 0
    for p in planted:
        mine = [r for r in rows if unguard(str(r[name["result_number"]].value)) == p.result.number]
        assert len(mine) == 3  # the trial, the deal it became, the other trial
        for row in mine:
            for column, typed in (("result", p.result.title), ("result_number", p.result.number),
                                  ("licensor", p.licensor.name), ("licensee", p.enterprise.name)):
                assert guarded(row[name[column]].value, typed), (column, row[name[column]].value)
                checked += 1
            assert row[name["city"]].value == "杭州市"
            assert row[name["start"]].is_date
        deal = next(r for r in mine if r[name["deal_amount"]].value is not None)[name["deal_amount"]]
        assert (deal.value, deal.data_type, deal.number_format) == (200000.5, "n", MONEY)
    assert checked == 12 * len(PAYLOADS)
    assert "330100" not in {r[name["city"]].value for r in rows}


def test_the_demands_export_guards_texts_types_money_and_imports_back_unchanged(world) -> None:
    planted = plant(world)
    data = demand_sheets.export_demands(actor=world.hz.operator)
    header, rows, _ = xlsx_rows(data)
    head = {c.key: c.header("zh") for c in demand_sheets.EXPORT_COLUMNS}
    checked = 0
    by_enterprise = {unguard(r[head["match_enterprise"]].value): r for r in rows}
    for p in planted:
        row = by_enterprise[printable(p.enterprise.name)]
        for key, typed in (("demand_title", p.demand.title), ("demand_description", p.demand.description),
                           ("match_enterprise", p.enterprise.name)):
            assert guarded(row[head[key]].value, typed), (key, row[head[key]].value)
            checked += 1
        low, high = row[head["demand_budget_min"]], row[head["demand_budget_max"]]
        assert (low.value, high.value, low.number_format, high.number_format) == (100000, 300000.5, MONEY, MONEY)
        assert row[head["demand_wanted_by"]].is_date
    assert checked == 3 * len(PAYLOADS)
    before = {d.id for d in _demands()}
    assert demand_sheets.import_demands(actor=world.hz.operator, data=data) == len(PAYLOADS)
    again = sorted((d for d in _demands() if d.id not in before), key=lambda d: (d.title, str(d.enterprise_org_id)))
    fields = ("title", "description", "field", "budget_min", "budget_max", "wanted_by", "cooperation",
              "enterprise_org_id", "county_code")
    assert [[getattr(d, f) for f in fields] for d in again] == \
        [[getattr(d, f) for f in fields] for d in sorted((p.demand for p in planted),
                                                         key=lambda d: (d.title, str(d.enterprise_org_id)))]


def _demands() -> list[Demand]:
    with read_session() as s:
        return list(s.exec(select(Demand)).all())


def test_the_claims_download_carries_numbers_and_guards_names(world) -> None:
    hz = world.hz
    deal = next(c for c in _contracts_of(plant(world)[0]) if c.kind == "paid_licence")
    for payload in PAYLOADS:
        user = add_user(actor=hz.operator, username=f"filer{PAYLOADS.index(payload)}", display_name=payload,
                        password="Filer@2026x", role="city_operator", agency_id=hz.agency.id)
        filing.create_subsidy_claim(actor=actor_from_user(user), programme=payload, amount="12000.5",
                                    period_start="2026-01-01", period_end="2026-06-30", justification="路演")
    filing.create_service_fee_claim(actor=hz.plain_operator, contract_id=deal.id, rate="5.25%",
                                    justification="撮合与两轮谈判")
    rows = listing.list_claims(actor=hz.operator).rows
    table = claims_table(rows)
    header, cells, _ = xlsx_rows(table_xlsx(table))
    col = {k: t(f"claims.col.{k}", "zh") for k in ("subject", "creator", "basis", "rate", "amount", "created")}
    checked = 0
    for row, claim in zip(cells, rows, strict=True):
        if claim.programme:
            for key, typed in (("subject", claim.programme), ("creator", claim.creator_name)):
                assert guarded(row[col[key]].value, typed), (key, row[col[key]].value)
                checked += 1
            assert (row[col["amount"]].value, row[col["amount"]].number_format) == (12000.5, MONEY)
        else:
            assert (row[col["basis"]].value, row[col["basis"]].number_format) == (200000.5, MONEY)
            assert (row[col["rate"]].value, row[col["rate"]].number_format) == (0.0525, PERCENT)
            assert row[col["amount"]].data_type == "n" and row[col["amount"]].number_format == MONEY
        assert row[col["created"]].is_date
    assert checked == 2 * len(PAYLOADS)
    shown = table.shown()  # the page keeps its print-out
    fee_row = shown[shown[col["basis"]] != "—"].iloc[0]
    assert (fee_row[col["basis"]], fee_row[col["rate"]]) == ("¥200,000.50", "5.25%")
    text = csv_rows(table_csv(table))
    assert not [c for r in text for c in r if live(c)]
    fee_line = next(r for r in text[1:] if r[header.index(col["rate"])] != "")
    assert (fee_line[header.index(col["basis"])], fee_line[header.index(col["rate"])]) == ("200000.50", "5.25%")


def _contracts_of(p: Planted) -> list:
    from db.models import Contract

    with read_session() as s:
        return list(s.exec(select(Contract).where(Contract.result_id == p.result.id)).all())
