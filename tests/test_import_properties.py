"""Property-based tests (hypothesis) of the two Excel imports, the pool's (portal.pool.excel) and
the demands' (portal.hub.demand_sheets), on SQLite and PostgreSQL: a workbook with arbitrary cells
in any of its columns either imports, and every row stored is valid, or is refused with ImportFailed
whose RowErrors name a row and a column of the sheet, and nothing is written; never another
exception. A bounded number of workbooks per database, derandomized under CI."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import delete
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import AuditEntry, Demand, Result
from db.models.enums import Cooperation, ExclusionReason, Field_, ResultType
from portal.core import i18n
from portal.core.clock import today
from portal.core.errors import ValidationError
from portal.core.regions import counties
from portal.core.spreadsheet import ImportFailed
from portal.core.validation import MAX_YUAN, credit_check_char, patent_check_char
from portal.hub import demand_sheets
from portal.pool import excel
from tests.test_validation_properties import FRAGMENTS, IN_CI, UNPRINTABLE

# Each example writes a workbook and imports it on a real database: few, bounded examples.
IMPORTS = settings(max_examples=25, deadline=None, derandomize=IN_CI,
                   database=None if IN_CI else settings().database,
                   # `world` is built once per test and database; every example cleans up after itself
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# --- cells ---------------------------------------------------------------------------------------

def _writable(text: str) -> str:
    """text as a workbook can hold it (openpyxl and the XML refuse C0 controls, U+FFFE/U+FFFF and
    lone surrogates; C1 controls, bidi overrides and BOMs go through and must be dropped on import)."""
    return re.sub("[\ud800-\udfff\ufffe\uffff]", "", ILLEGAL_CHARACTERS_RE.sub("", text))


texts = (st.text(max_size=30) | st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join)
         | st.sampled_from(["=1+1", "'=HYPERLINK(\"http://x\")", "@SUM(A1)", "-", "  ", "\u202e是", "否\u0085",
                            "a" * 250, "中" * 4100])).map(_writable)
cells = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False, allow_infinity=False)
         | st.decimals(allow_nan=False, allow_infinity=False, places=3).map(float) | texts
         | st.dates() | st.datetimes())


def cell_or(valid: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly a good value for the column, sometimes anything at all."""
    return st.integers(0, 9).flatmap(lambda r: cells if r < 2 else valid)


def _zh(kind: str, enum: Any) -> st.SearchStrategy:
    return st.sampled_from([i18n.label(kind, m.value, "zh") for m in enum] + [m.value for m in enum])


def _patent(digits: str) -> str:
    return f"{digits}.{patent_check_char(digits)}"


# numbers of the 1990s: the factories' results are numbered 2023…, so no row updates one of them
inventions = st.from_regex(r"\A199[0-9][18][0-9]{7}\Z").map(_patent)
words = st.sampled_from(["一种锂电池正极材料表面包覆方法", "高导热石墨烯复合散热膜", "Anti-fog coating 防雾涂层"])
# what a cell can carry that no field may keep (C1 controls, bidi overrides, a BOM) or should trim
SMUGGLED = "\x7f\x85\x9f\u202e\u2066\ufeff"
smuggled = st.sampled_from([*SMUGGLED, "\u3000", "\t", "\r\n", " "])
titled = (words | st.tuples(smuggled, words, smuggled, words, smuggled).map("".join)
          | words.flatmap(lambda w: texts.map(lambda t: w + t[:150])))
pastdays = st.dates(min_value=date(1990, 1, 1), max_value=today())


@st.composite
def pool_rows(draw: st.DrawFn, owners: list[str]) -> list[Any]:
    good = draw(st.booleans())  # half the rows are good in every column, the others anything in some
    pick = (lambda valid: valid) if good else cell_or
    fiscal = draw(st.booleans())
    return [
        draw(pick(inventions)), draw(pick(st.just(i18n.label("result_type", "invention", "zh")))),
        draw(pick(titled)),
        draw(pick(texts.filter(lambda s: len(s) <= 200))), draw(pick(st.sampled_from(owners[:1]))) if good
        else draw(cell_or(st.sampled_from(owners))),
        draw(cells),  # the owner's name: exported for people, ignored on import
        draw(pick(_zh("field", Field_))), draw(pick(st.integers(1, 9))), draw(pick(texts)),
        draw(pick(st.sampled_from(["石墨烯,散热", "锂电池，正极、包覆", ""]))),
        draw(pick(st.just("是" if fiscal else "否"))), draw(pick(pastdays)),
        draw(pick(_zh("exclusion_reason", ExclusionReason) | st.just(""))),
        draw(pick(st.integers(1, 60))), draw(pick(st.none() | st.integers(1, 999))),
        draw(pick(st.sampled_from(["是", "否", None]))), draw(pick(st.sampled_from(["面议", "许可费20–50万元"]))),
    ]


def _credit(body: str) -> str:
    return body + credit_check_char(body)


@st.composite
def demand_rows(draw: st.DrawFn, codes: list[str], county_names: list[str]) -> list[Any]:
    good = draw(st.booleans())
    pick = (lambda valid: valid) if good else cell_or
    low = draw(st.none() | st.integers(0, 10**6))
    return [
        draw(st.sampled_from(codes[:1])) if good else draw(cell_or(st.sampled_from(codes))),
        draw(pick(titled)), draw(pick(texts)),
        draw(pick(_zh("field", Field_))),
        draw(pick(st.sampled_from(["", *county_names]))),
        draw(pick(st.just(low))), draw(pick(st.none() if low is None else st.integers(low, 10**7).map(lambda n: f"{n / 10000}万"))),
        draw(pick(st.none() | st.dates(min_value=today(), max_value=date(2100, 1, 1)))),
        draw(pick(st.lists(_zh("cooperation", Cooperation), min_size=1, max_size=3).map("、".join))),
    ]


def filled(rows: list[list[Any]]) -> int:
    """The rows an import reads: a row of blanks is skipped, and so is one of formulas (their value
    is what Excel computed, and a file written by a program has none)."""
    def blank(v: Any) -> bool:
        return v is None or (isinstance(v, str) and (not v.strip() or v.startswith("=")))
    return sum(1 for row in rows if not all(blank(v) for v in row))


def workbook(header: list[str], rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- what an import may answer -------------------------------------------------------------------

def count(model: Any) -> int:
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def refused_by_rows(err: ImportFailed, header: list[str], rows: int) -> None:
    """Every problem names a row of the sheet (1: its header) and one of its columns, in words."""
    assert err.errors
    for e in err.errors:
        assert 1 <= e.row <= rows + 1 and e.column in header, e
        assert e.reason and not UNPRINTABLE.search(e.reason) and not e.reason.startswith("error."), e


def _forget(model: Any, baseline: set) -> None:
    """Delete what an example imported (and its trail), so the next one starts from the same data."""
    with Session(get_engine()) as s:
        new = [i for i in s.exec(select(model.id)).all() if i not in baseline]
        if new:
            s.execute(delete(AuditEntry).where(AuditEntry.entity_id.in_([str(i) for i in new])))
            s.execute(delete(model).where(model.id.in_(new)))
        s.commit()


def _ids(model: Any) -> set:
    with Session(get_engine()) as s:
        return set(s.exec(select(model.id)).all())


# --- the pool --------------------------------------------------------------------------------------

def valid_result(r: Result) -> None:
    assert re.fullmatch(r"[0-9]{12}\.[0-9X]", r.number) and r.type in set(ResultType) and r.field in set(Field_)
    for attr, size in (("title", 200), ("inventors", 200), ("abstract", 5000), ("keywords", 200),
                       ("price_guidance", 200)):
        value = getattr(r, attr)
        assert isinstance(value, str) and len(value) <= size and not UNPRINTABLE.search(value), (attr, value)
    assert r.title.strip() == r.title != ""
    assert 1 <= r.trl <= 9 and 1 <= r.trial_months <= 60
    assert r.max_trial_licensees is None or 1 <= r.max_trial_licensees <= 999
    assert r.grant_date is None or date(1900, 1, 1) <= r.grant_date <= today()
    assert not r.fiscally_funded or r.grant_date is not None
    assert r.exclusion_reason is None or r.exclusion_reason in set(ExclusionReason)


def test_pool_import_of_arbitrary_cells_imports_valid_rows_or_refuses_naming_them(world) -> None:  # noqa: ANN001
    header = excel.headers("zh")
    owners = [world.hz.licensor.credit_code, world.nb.licensor.credit_code, "91330106MA27XXXXXX"]
    baseline = _ids(Result)

    smuggling = [_patent("199910000001"), "发明专利", f"一种{SMUGGLED}方法", f"张三{SMUGGLED}李四", owners[0], "",
                 "新材料", 5, f"摘要{SMUGGLED}正文", f"石墨烯{SMUGGLED},散热", "否", None, "", 12, None, "是",
                 f"面议{SMUGGLED}"]

    @IMPORTS
    @given(rows=st.lists(pool_rows(owners), min_size=1, max_size=3))
    @example(rows=[smuggling])  # every character no field may keep, in every text column, on every run
    def imports(rows: list[list[Any]]) -> None:
        results, entries = count(Result), count(AuditEntry)
        try:
            report = excel.import_results(actor=world.hz.operator, data=workbook(header, rows), lang="zh")
        except ImportFailed as err:
            event("refused")
            refused_by_rows(err, header, len(rows))
            assert (count(Result), count(AuditEntry)) == (results, entries)
            return
        event("imported")
        try:
            assert report.created + report.updated + report.unchanged == filled(rows)
            assert count(Result) == results + report.created
            with Session(get_engine()) as s:
                for r in s.exec(select(Result).where(Result.id.not_in(baseline))).all():
                    valid_result(r)
        finally:
            _forget(Result, baseline)

    imports()


# --- demands ---------------------------------------------------------------------------------------

def valid_demand(d: Demand) -> None:
    assert isinstance(d.title, str) and 0 < len(d.title) <= 200 and d.title == d.title.strip()
    assert not UNPRINTABLE.search(d.title) and not UNPRINTABLE.search(d.description) and len(d.description) <= 4000
    assert d.field in set(Field_)
    assert d.cooperation and set(d.cooperation.split(",")) <= set(Cooperation)
    for amount in (d.budget_min, d.budget_max):
        assert amount is None or (isinstance(amount, Decimal) and Decimal(0) <= amount <= MAX_YUAN
                                  and amount == amount.quantize(Decimal("0.01")))
    assert d.budget_min is None or d.budget_max is None or d.budget_min <= d.budget_max
    assert d.county_code is None or d.county_code[:4] == d.city_code[:4]
    assert d.wanted_by is None or date(1900, 1, 1) <= d.wanted_by <= date(2199, 12, 31)


def test_demand_import_of_arbitrary_cells_imports_valid_rows_or_refuses_naming_them(world) -> None:  # noqa: ANN001
    header = [c.header("zh") for c in demand_sheets.COLUMNS]
    codes = [world.hz.enterprise.credit_code, world.nb.enterprise.credit_code, world.hz.licensor.credit_code,
             _credit("91330106MA2B1C2D3")]
    names = [c.name_zh for c in counties("330100")] + [c.name_zh for c in counties("330200")][:2]
    baseline = _ids(Demand)

    smuggling = [codes[0], f"电池{SMUGGLED}鼓包", f"续航{SMUGGLED}下降", "新能源", "", 100000, "30万", None, "试用"]

    @IMPORTS
    @given(rows=st.lists(demand_rows(codes, names), min_size=1, max_size=3))
    @example(rows=[smuggling])
    def imports(rows: list[list[Any]]) -> None:
        demands, entries = count(Demand), count(AuditEntry)
        try:
            made = demand_sheets.import_demands(actor=world.hz.operator, data=workbook(header, rows), lang="zh")
        except ImportFailed as err:
            event("refused")
            refused_by_rows(err, header, len(rows))
            assert (count(Demand), count(AuditEntry)) == (demands, entries)
            return
        event("imported")
        try:
            assert made == filled(rows) and count(Demand) == demands + made
            with Session(get_engine()) as s:
                for d in s.exec(select(Demand).where(Demand.id.not_in(baseline))).all():
                    valid_demand(d)
        finally:
            _forget(Demand, baseline)

    imports()


# --- a workbook that is not one --------------------------------------------------------------------

def _tampered(payload: bytes) -> bytes:
    """A workbook whose first sheet's XML carries payload where a title was (what no spreadsheet
    program writes, but anyone can upload)."""
    source = zipfile.ZipFile(io.BytesIO(workbook(excel.headers("zh"), [["MARKER"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in source.namelist():
            z.writestr(name, source.read(name).replace(b"MARKER", payload))
    return out.getvalue()


@pytest.mark.parametrize("payload", [b"&#1;", b"\x01", b"&#xFFFF;", b"</t></is></c></row>", b"\xff\xfe"])
def test_a_tampered_workbook_is_refused_naming_the_file(world, payload: bytes) -> None:  # noqa: ANN001
    before = count(Result)
    with pytest.raises(ValidationError) as err:
        excel.import_results(actor=world.hz.operator, data=_tampered(payload), lang="zh")
    assert err.value.field == excel.FILE_FIELD and count(Result) == before


def test_dates_and_times_from_a_sheet_are_days(world) -> None:  # noqa: ANN001
    """A grant date typed as a date-time (Excel's default for dates) is its day; one in 2300 is refused."""
    hz = world.hz
    rows = [[_patent("199010000001"), "发明专利", "一种防雾涂层", "", hz.licensor.credit_code, "", "新材料", 5, "", "",
             "是", datetime(2020, 5, 6, 0, 0), "", 12, None, "是", ""]]
    excel.import_results(actor=hz.operator, data=workbook(excel.headers("zh"), rows), lang="zh")
    with Session(get_engine()) as s:
        assert s.exec(select(Result.grant_date).where(Result.number == rows[0][0])).one() == date(2020, 5, 6)
    rows[0][0], rows[0][11] = _patent("199010000002"), "2300-01-01"
    with pytest.raises(ImportFailed) as err:
        excel.import_results(actor=hz.operator, data=workbook(excel.headers("zh"), rows), lang="zh")
    assert [(e.row, e.column) for e in err.value.errors] == [(2, i18n.field_label("result_grant_date"))]
