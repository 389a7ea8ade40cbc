"""Irreversible actions ask first: the button opens a dialog saying what will happen, nothing
changes until 确认, and 取消 leaves everything as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.pages.conftest import tables, texts
from tests.pages.test_after_writes import _click, _open, _select


def _one(db: Path, sql: str, *args) -> tuple:  # noqa: ANN002
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchone()


def test_closing_a_roadshow_says_what_happens_and_waits_for_confirmation(own_demo: Path) -> None:
    at = _open("hz_operator", "roadshows")
    [published] = _one(own_demo, "select count(*) from roadshow where city_code = '330100' and status = 'published'")
    box = at.selectbox(key="roadshow_pick")
    box.select_index(next(i for i, o in enumerate(box.options) if "已发布" in o)).run()
    _click(at, "结束路演")
    shown = texts(at)
    assert "讲解员不能再演示它" in shown and "不能撤销" in shown
    assert _one(own_demo, "select count(*) from roadshow where city_code = '330100' and status = 'published'") == (
        published,)  # nothing yet
    _click(at, "确认")
    assert "已结束" in texts(at) or "路演已结束" in texts(at)
    assert _one(own_demo, "select count(*) from roadshow where city_code = '330100' and status = 'published'") == (
        published - 1,)
    assert not any(b.label == "确认" for b in at.button)  # the dialog is gone


def test_cancelling_a_termination_keeps_the_trial_running(own_demo: Path) -> None:
    from portal.contracts.listing import ContractFilters, list_contracts
    from portal.core.auth import load_actor

    number = list_contracts(actor=load_actor("hz_operator"),
                            filters=ContractFilters(kind="trial", status="active")).rows[0].number
    at = _open("hz_operator", "contract_detail")
    next(w for w in at.text_input if w.label == "合同编号").set_value(number).run()
    _click(at, "终止试用")
    shown = texts(at)
    assert f"试用合同 {number} 将于" in shown and "释放一个试用名额" in shown
    _click(at, "取消")
    assert _one(own_demo, "select status from contract where number = ?", number) == ("active",)
    assert not any(b.label == "确认" for b in at.button)
    _click(at, "终止试用")
    _click(at, "确认")
    assert _one(own_demo, "select status from contract where number = ?", number) == ("terminated",)


def test_rejecting_a_claim_names_it_and_its_reason(own_demo: Path) -> None:
    at = _open("zj_admin", "claims")  # the demo's claims were filed by the city operators themselves
    box = at.selectbox(key="claims_open")
    index = next((i for i, o in enumerate(box.options) if o.endswith("已提交") or o.endswith("已初审")), None)
    assert index is not None
    box.select_index(index).run()
    reference = box.options[index].split(" · ")[0]
    next(w for w in at.text_input if w.label == "驳回理由").input("佐证材料缺合同原件").run()
    _click(at, "驳回")
    shown = texts(at)
    assert f"申领 {reference}" in shown and "佐证材料缺合同原件" in shown
    assert _one(own_demo, "select status from fee_claim where reference = ?", reference)[0] in ("submitted", "reviewed")
    _click(at, "确认")
    assert "已驳回。" in texts(at)
    assert _one(own_demo, "select status, reject_reason from fee_claim where reference = ?", reference) == (
        "rejected", "佐证材料缺合同原件")


def test_withdrawing_a_listed_result_says_what_enterprises_lose(own_demo: Path) -> None:
    at = _open("zju_officer", "my_results")
    frame = tables(at)[0]
    title = next(t for t, s in zip(frame["成果名称"], frame["状态"], strict=True) if s == "已上架")
    _select(at, "mine_table", title)
    next(w for w in at.text_input if w.label == "理由").input("许可人决定暂不开放试用")  # sent with the form
    _click(at, "撤回成果")
    assert "企业不能再申请试用" in texts(at) and "许可人决定暂不开放试用" in texts(at)
    assert _one(own_demo, "select status from result where title = ?", title) == ("listed",)
    _click(at, "确认")
    assert _one(own_demo, "select status from result where title = ?", title) == ("withdrawn",)
