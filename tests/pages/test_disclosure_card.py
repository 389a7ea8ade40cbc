"""The disclosure form as an officer uses it: the card's summary and advantages saved with the
result, a card text too long for a slide refused naming the field, no "free during trial" box,
and the projector preview beside the form."""

from __future__ import annotations

from sqlmodel import select

from db.engine import read_session
from db.models import Result
from portal.core.validation import patent_check_char
from tests.pages.conftest import signed_in, texts


def _form():  # noqa: ANN202
    at = signed_in("zju_officer")
    at.switch_page("../pages/my_results.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _fill(at, **fields: str) -> None:  # noqa: ANN001
    inputs = {w.label: w for w in [*at.text_input, *at.text_area]}
    for name, value in fields.items():
        inputs[name].input(value)


def test_the_card_texts_are_saved_and_a_long_line_is_refused(own_demo) -> None:
    at = _form()
    assert "试用期内免费" not in [c.label for c in at.checkbox]  # rule 2: nothing to untick
    assert "试用期内一律免费（先用后转规则），无需选择。" in texts(at)
    assert at.get("iframe"), "the projector preview is beside the form"
    digits = "209710123456"
    _fill(at, **{"成果编号 / 专利申请号": f"{digits}.{patent_check_char(digits)}", "成果名称": "一种卡片页面测试成果",
                 "一句话介绍（路演卡片）": "装在织机上的摄像头，边织边找布面毛病",
                 "核心优势（路演卡片，每行一条，最多 3 条）": "检出率98%\n" + "很" * 30})
    next(b for b in at.button if b.label == "保存草稿").click().run()
    assert "【核心优势（路演卡片，每行一条，最多 3 条）】第 2 条有 30 个字，每条不超过 24 个字。" in texts(at)
    with read_session() as s:
        assert s.exec(select(Result).where(Result.title == "一种卡片页面测试成果")).first() is None
    _fill(at, **{"核心优势（路演卡片，每行一条，最多 3 条）": "检出率98%\n每台织机加装成本不到两千元"})
    next(b for b in at.button if b.label == "保存草稿").click().run()
    assert "已保存“一种卡片页面测试成果”（草稿）。" in texts(at)
    with read_session() as s:
        saved = s.exec(select(Result).where(Result.title == "一种卡片页面测试成果")).one()
    assert (saved.summary_plain, saved.advantages) == ("装在织机上的摄像头，边织边找布面毛病",
                                                        "检出率98%\n每台织机加装成本不到两千元")
