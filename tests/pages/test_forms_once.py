"""Create forms through AppTest: a second click on 发布 / 创建路演 makes no second record, a form
that succeeded is empty again and says what it made, and a refused form keeps what was typed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from portal.ui import forms, roadshow_admin
from tests.pages.conftest import signed_in, texts

DEMAND = "染布废水脱色（只发一次）"
ROADSHOW = "滨江只创建一次专场路演"


def _count(db: Path, sql: str, *args: object) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchone()[0]


def _open(page: str) -> AppTest:
    at = signed_in("hz_operator")
    at.switch_page(f"../pages/{page}").run()
    assert not at.exception, at.exception
    return at


def _field(at: AppTest, label: str):  # noqa: ANN202
    return next(w for w in at.text_input if w.label == label)


def _click(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception


def _post_demand(at: AppTest, budget_max: str = "500000") -> None:
    _field(at, "需求标题").input(DEMAND)
    _field(at, "预算上限（元）").input(budget_max)
    _click(at, "发布")


def _plan(at: AppTest) -> None:
    _field(at, "路演名称").input(ROADSHOW)
    _field(at, "地点").input("滨江会议中心")
    _click(at, "创建路演")


def _demands(db: Path) -> int:
    return _count(db, "select count(*) from demand where title = ?", DEMAND)


def _roadshows(db: Path) -> int:
    return _count(db, "select count(*) from roadshow where title = ?", ROADSHOW)


def test_a_second_click_on_the_demand_form_posts_nothing(own_demo: Path) -> None:
    at = _open("demands.py")
    _post_demand(at)
    assert "已发布需求“染布废水脱色（只发一次）”。" in texts(at)  # and it heads the list
    assert _field(at, "需求标题").value == "" and _field(at, "预算上限（元）").value == ""  # the form is empty
    _click(at, "发布")  # the same button again
    assert "【需求标题】必填。" in texts(at)
    assert _demands(own_demo) == 1


def test_a_refused_demand_keeps_what_was_typed(own_demo: Path) -> None:
    at = _open("demands.py")
    _post_demand(at, budget_max="五十万")
    assert "【预算上限（元）】" in texts(at) and _demands(own_demo) == 0
    assert _field(at, "需求标题").value == DEMAND  # nothing to type again
    _field(at, "预算上限（元）").input("50万")
    _click(at, "发布")
    assert _demands(own_demo) == 1 and _field(at, "需求标题").value == ""


def _answer_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first run stops after the service committed and before the page could answer (a
    dropped connection, a run cut short by the second click): the form instance stays."""
    for module in (forms, roadshow_admin):  # pages import it afresh each run, portal/ui modules once
        monkeypatch.setattr(module, "succeeded", lambda name: st.stop())


def test_a_demand_whose_answer_was_lost_is_posted_once(own_demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _open("demands.py")
    with monkeypatch.context() as patch:
        _answer_lost(patch)
        _post_demand(at)
    assert _demands(own_demo) == 1 and _field(at, "需求标题").value == DEMAND
    _click(at, "发布")  # the user clicks again, the same form instance with the same values
    assert _demands(own_demo) == 1
    assert "已发布需求“染布废水脱色（只发一次）”。" in texts(at) and _field(at, "需求标题").value == ""


def test_a_second_click_on_the_roadshow_form_plans_nothing(own_demo: Path) -> None:
    at = _open("roadshows.py")
    _plan(at)
    assert "已创建路演“滨江只创建一次专场路演”（筹备中）。" in texts(at)
    assert _field(at, "路演名称").value == "" and _field(at, "地点").value == ""
    _click(at, "创建路演")
    assert "【路演名称】必填。" in texts(at)
    assert _roadshows(own_demo) == 1


def test_a_roadshow_whose_answer_was_lost_is_planned_once(own_demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _open("roadshows.py")
    with monkeypatch.context() as patch:
        _answer_lost(patch)
        _plan(at)
    assert _roadshows(own_demo) == 1 and _field(at, "路演名称").value == ROADSHOW
    _click(at, "创建路演")
    assert _roadshows(own_demo) == 1 and "已创建路演“滨江只创建一次专场路演”（筹备中）。" in texts(at)
    assert _field(at, "路演名称").value == ""


def test_an_imported_demand_file_is_gone_from_the_form(own_demo: Path) -> None:
    """Clicking 导入 again once it answered would import every demand a second time."""
    import io

    from openpyxl import Workbook

    from portal.hub.demand_sheets import COLUMNS

    book = Workbook()
    book.active.append([c.header("zh") for c in COLUMNS])
    with sqlite3.connect(own_demo) as conn:
        code = conn.execute("select credit_code from organization where kind = 'enterprise' "
                            "and city_code = '330100' limit 1").fetchone()[0]
    book.active.append([code, DEMAND, "", "新材料", "", None, None, None, "试用"])
    data = io.BytesIO()
    book.save(data)
    at = _open("demands.py")
    at.file_uploader[0].upload("demands.xlsx", data.getvalue(),
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").run()
    _click(at, "导入")
    assert "已导入 1 条需求。" in texts(at) and _demands(own_demo) == 1
    assert not [b for b in at.button if b.label == "导入"]  # the file is gone: nothing to import twice
