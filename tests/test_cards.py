"""A trial is free (DOMAIN.md rule 2): no result can say otherwise, from the form or an old
import template. The roadshow card's own texts: the one-line summary and the key advantages,
validated, imported, exported and shown on the card and in the decks."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from openpyxl import Workbook
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import AuditEntry, Result
from portal.core.errors import ValidationError
from portal.core.i18n import field_label
from portal.core.spreadsheet import ImportFailed
from portal.pool import disclosure, excel
from portal.pool.browse import PoolFilter
from portal.roadshows import decks
from portal.roadshows.cards import advantage_lines, cards
from portal.search.text import words
from tests.conftest import unavailable
from tests.factories import make_result, patent_no
from tests.test_pool_rules import row, workbook
from tests.test_roadshows import plan


def _count(model, *where) -> int:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def _result(number: str) -> Result:
    with Session(get_engine()) as s:
        return s.exec(select(Result).where(Result.number == number)).one()


def _sheet(headers: list[str], rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _form(world, **over) -> dict:  # noqa: ANN001
    return {"result_type": "other", "number": f"QT-{patent_no()[:12]}", "result_title": "卡片测试成果",
            "result_owner": world.hz.licensor.id, "result_field": "ai", "result_trl": 5, "result_trial_months": 12,
            **over}


# --- rule 2: the trial is free -------------------------------------------------------------------------

def test_a_result_has_no_paid_trial_to_claim(world) -> None:
    assert "free_during_trial" not in Result.model_fields
    assert "result_free_trial" not in disclosure.FIELDS
    assert "result_free_trial" not in {c.key for c in excel.COLUMNS}
    # a form (or a forged submission) that still sends the old choice changes nothing
    saved = disclosure.save_result(actor=world.hz.operator, data=_form(world, result_free_trial=False))
    assert not hasattr(saved, "free_during_trial")


def _old_template(code: str, free: object, number: str) -> bytes:
    """A file laid out as before 0006: the "试用期内免费" column after the licensee limit, no card columns."""
    old = [c for c in excel.COLUMNS if c.key not in ("result_summary", "result_advantages")]
    headers = [c.header("zh") for c in old]
    at = headers.index(field_label("result_max_licensees")) + 1
    values = row(code, number)[: len(old)]
    return _sheet(headers[:at] + ["试用期内免费"] + headers[at:], [values[:at] + [free] + values[at:]])


@pytest.mark.parametrize("free", ["是", None, True])
def test_an_old_template_saying_free_imports_with_the_column_ignored(world, free) -> None:  # noqa: ANN001
    number = patent_no()
    report = excel.import_results(actor=world.hz.operator, data=_old_template(world.hz.licensor.credit_code, free, number))
    assert (report.created, report.ignored_free_trial) == (1, True)
    assert _result(number).title == "一种智能巡检机器人"


@pytest.mark.parametrize("paid", ["否", "no", False])
def test_an_old_template_asking_for_a_paid_trial_is_refused_and_nothing_written(world, paid) -> None:  # noqa: ANN001
    before = (_count(Result), _count(AuditEntry))
    with pytest.raises(ImportFailed) as err:
        excel.import_results(actor=world.hz.operator, data=_old_template(world.hz.licensor.credit_code, paid, patent_no()))
    assert [(e.row, e.column) for e in err.value.errors] == [(2, "试用期内免费")]
    assert "一律免费" in err.value.errors[0].reason
    assert (_count(Result), _count(AuditEntry)) == before


def test_a_current_template_notes_nothing(world) -> None:
    report = excel.import_results(actor=world.hz.operator, data=workbook([row(world.hz.licensor.credit_code)]))
    assert (report.created, report.ignored_free_trial) == (1, False)


# --- the card's texts --------------------------------------------------------------------------------

def test_summary_and_advantages_are_saved_one_line_and_three_at_most(world) -> None:
    saved = disclosure.save_result(actor=world.hz.operator, data=_form(
        world, result_summary="  装在验布机上的摄像头，\n自动找出布面毛病 ",
        result_advantages="• 检出率98%\r\n\n- 每分钟验布60米\n已在企业现场试用"))
    assert saved.summary_plain == "装在验布机上的摄像头， 自动找出布面毛病"
    assert saved.advantages == "检出率98%\n每分钟验布60米\n已在企业现场试用"
    assert advantage_lines(saved.advantages) == ["检出率98%", "每分钟验布60米", "已在企业现场试用"]
    values = disclosure.result_form_values(saved)
    assert (values["result_summary"], values["result_advantages"]) == (saved.summary_plain, saved.advantages)


@pytest.mark.parametrize(("over", "key"), [
    ({"result_advantages": "一\n二\n三\n四"}, "cards.error.too_many_advantages"),
    ({"result_advantages": "短\n" + "很" * 25}, "cards.error.advantage_too_long"),
    ({"result_summary": "长" * (disclosure.SUMMARY_MAX + 1)}, "error.too_long"),
])
def test_card_texts_that_would_not_fit_a_slide_are_refused_naming_the_field(world, over, key) -> None:  # noqa: ANN001
    before = _count(Result)
    with pytest.raises(ValidationError) as err:
        disclosure.save_result(actor=world.hz.operator, data=_form(world, **over))
    assert err.value.key == key and err.value.field == next(iter(over))
    assert _count(Result) == before


def test_card_texts_round_trip_through_excel_and_an_older_sheet_keeps_them(world) -> None:
    make_result(world.hz.licensor, title="卡片往返成果", summary_plain="一句话", advantages="甲\n乙\n丙")
    data = excel.export_workbook(actor=world.hz.operator, filters=PoolFilter(city_code="330100"))
    report = excel.import_results(actor=world.hz.operator, data=data)
    assert (report.updated, report.created) == (0, 0)
    # a sheet without the card's columns (an older template) updates the rest and leaves them
    number = _result_number("卡片往返成果")
    old = [c for c in excel.COLUMNS if c.key not in ("result_summary", "result_advantages")]
    values = row(world.hz.licensor.credit_code, number, result_title="卡片往返成果（新名称）")[: len(old)]
    report = excel.import_results(actor=world.hz.operator, data=_sheet([c.header("zh") for c in old], [values]))
    assert report.updated == 1
    r = _result(number)
    assert (r.title, r.summary_plain, r.advantages) == ("卡片往返成果（新名称）", "一句话", "甲\n乙\n丙")


def test_imported_card_texts_are_validated_like_the_form(world) -> None:
    data = workbook([row(world.hz.licensor.credit_code, result_advantages="一\n二\n三\n四")])
    with pytest.raises(ImportFailed) as err:
        excel.import_results(actor=world.hz.operator, data=data)
    assert [e.column for e in err.value.errors] == [field_label("result_advantages")]


def _result_number(title: str) -> str:
    with Session(get_engine()) as s:
        return s.exec(select(Result.number).where(Result.title == title)).one()


# --- the decks print the card's texts ------------------------------------------------------------

def test_both_decks_print_each_cards_summary_and_advantages(world, tmp_path) -> None:  # noqa: ANN001
    from pptx import Presentation  # heavy: only here

    show, _items = plan(world.hz, title="卡片文字路演", n_items=1, publish=True)
    card = cards(actor=world.hz.operator, roadshow_id=show.id)[0]
    with Session(get_engine()) as s:
        r = s.exec(select(Result).where(Result.title == card.title, Result.city_code == "330100")).first()
        r.summary_plain, r.advantages = "装在验布机上的摄像头", "检出率98%\n每分钟验布60米\n已在企业现场试用"
        s.add(r)
        s.commit()
    prs = Presentation(io.BytesIO(decks.deck_pptx(actor=world.hz.operator, roadshow_id=show.id)))
    slide = " ".join(sh.text_frame.text for sh in list(prs.slides)[1].shapes if sh.has_text_frame)
    for text in ("装在验布机上的摄像头", "• 检出率98%", "• 每分钟验布60米", "• 已在企业现场试用", "核心优势"):
        assert text in slide, text
    if not shutil.which("pdftotext"):
        unavailable("pdftotext (apt-get install poppler-utils)")
    pdf = tmp_path / "deck.pdf"
    pdf.write_bytes(decks.deck_pdf(actor=world.hz.operator, roadshow_id=show.id))
    page = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for text in ("装在验布机上的摄像头", "检出率98%", "每分钟验布60米", "已在企业现场试用"):
        assert text in page, text


@pytest.mark.parametrize("title", [
    "一种基于深度学习的纺织品表面瑕疵在线视觉检测系统及其在印染车间的应用",
    "锂离子电池高镍正极材料表面包覆改性方法及其产业化应用（第二代）",
    "一种高导热石墨烯复合散热膜及其制备方法及其应用", "中药铁皮石斛多糖提取纯化工艺",
])
def test_the_pdf_title_breaks_between_words_into_balanced_lines(title: str) -> None:
    measure = lambda s: 28.0 * len(s)  # noqa: E731 — CJK glyphs are square
    lines = decks.balanced_lines(title, 608, measure)
    assert "".join(lines) == title and all(measure(line) <= 608 for line in lines)
    ends = {len("".join(lines[: n + 1])) for n in range(len(lines))}
    cuts = {len("".join(words(title)[: n + 1])) for n in range(len(words(title)))}
    assert ends <= cuts  # every line ends at a word end
    assert len(lines) == -(-int(measure(title)) // 608) or len(lines) == 1 + -(-int(measure(title)) // 608)
    if len(lines) > 1:
        assert min(map(len, lines)) >= 4 and max(map(len, lines)) - min(map(len, lines)) <= 6
