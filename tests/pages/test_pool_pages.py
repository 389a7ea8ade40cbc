"""Pool pages as users see them: browsing and search, the detail block, disclosure with its
refusal, the 安心屋 desk (approve / return / notice / objection) and the three-year list."""

from __future__ import annotations

import pytest
from sqlmodel import select

from db.engine import read_session
from db.models import Result
from tests.pages.conftest import signed_in, tables, texts


def _open(user: str, page: str, **kw):  # noqa: ANN001, ANN202
    at = signed_in(user, **kw)
    at.switch_page(f"../pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_pool_lists_listed_results_and_searches_in_chinese(demo_db) -> None:
    from portal.core.auth import load_actor
    from portal.pool.browse import PoolFilter, search_pool

    me = load_actor("ent_demo")
    everything = search_pool(actor=me).total
    at = _open("ent_demo", "pool")
    assert f"共 {everything} 项成果" in texts(at)
    frame = tables(at)[0]
    assert {"成果名称", "权利人", "剩余名额"} <= set(frame.columns) and len(frame) == 25
    at.text_input(key="pool_q").input("石墨烯").run()
    hits = search_pool(actor=me, filters=PoolFilter(text="石墨烯"), page_size=200)
    assert 0 < hits.total < everything and f"共 {hits.total} 项成果" in texts(at)
    assert set(tables(at)[0]["成果名称"]) <= {r.title for r in hits.rows}
    at.text_input(key="pool_q").input("完全不存在的词汇组合").run()
    assert "没有符合条件的成果。" in texts(at)


def test_pool_in_english(demo_db) -> None:
    at = _open("hz_operator", "pool", lang="en")
    assert {"Title", "Slots left"} <= set(tables(at)[0].columns)
    assert "Select a row to see the result's details." in texts(at)


def test_detail_block_shows_slots_trials_and_history(demo_db) -> None:
    from streamlit.testing.v1 import AppTest

    with read_session() as s:
        rid = s.exec(select(Result.id).where(Result.status == "listed", Result.city_code == "330100")).first()

    def page() -> None:
        import uuid

        import streamlit as st

        from portal.core.auth import load_actor
        from portal.ui.pool import render_detail

        st.session_state["lang"] = "zh"
        render_detail(load_actor("hz_operator"), uuid.UUID(st.session_state["rid"]))

    at = AppTest.from_function(page, default_timeout=30)
    at.session_state["rid"] = str(rid)
    at.run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "试用名额" in shown and "试用中企业" in shown and "当前试用" in shown
    assert "上架" in shown  # the history ends with the listing step


def test_disclosure_refuses_a_bad_form_and_saves_a_good_one(own_demo) -> None:
    at = _open("zju_officer", "my_results")
    inputs = {ti.label: ti for ti in at.text_input}
    inputs["成果编号 / 专利申请号"].input("202310123456.0")
    inputs["成果名称"].input("一种页面测试用的成果")
    next(b for b in at.button if b.label == "保存草稿").click().run()
    assert "【成果编号 / 专利申请号】校验位不正确，请核对申请号。" in texts(at)
    with read_session() as s:
        assert s.exec(select(Result).where(Result.title == "一种页面测试用的成果")).first() is None
    from portal.core.validation import patent_check_char

    inputs = {ti.label: ti for ti in at.text_input}
    inputs["成果编号 / 专利申请号"].input(f"209910123456.{patent_check_char('209910123456')}")
    next(b for b in at.button if b.label == "保存草稿").click().run()
    assert "已保存“一种页面测试用的成果”（草稿）。" in texts(at)
    with read_session() as s:
        saved = s.exec(select(Result).where(Result.title == "一种页面测试用的成果")).one()
    assert saved.status == "draft"


def test_desk_return_needs_a_reason_then_approval_and_notice(own_demo) -> None:
    from portal.core.auth import load_actor
    from portal.core.validation import patent_check_char
    from portal.pool import approval, disclosure

    officer = load_actor("zju_officer")
    digits = "209810654321"
    r = disclosure.save_result(actor=officer, data={
        "number": f"{digits}.{patent_check_char(digits)}", "result_type": "invention", "result_title": "桌面测试成果",
        "result_field": "ai", "result_trl": 5, "result_trial_months": 12})
    approval.submit_result(actor=officer, result_id=r.id)

    at = _open("zju_officer", "approvals")
    assert "待单位审批" in "\n".join(tab.label for tab in at.tabs)
    box = at.selectbox(key="approve_pick")
    box.select_index(next(i for i, o in enumerate(box.options) if "桌面测试成果" in o))
    next(b for b in at.button if b.label == "退回").click().run()
    assert "【理由】必填。" in texts(at)
    box = at.selectbox(key="approve_pick")
    box.select_index(next(i for i, o in enumerate(box.options) if "桌面测试成果" in o))
    next(b for b in at.button if b.label == "批准").click().run()
    assert "已批准。" in texts(at)

    at = _open("hz_operator", "approvals")
    box = at.selectbox(key="notice_pick")
    box.select_index(next(i for i, o in enumerate(box.options) if "桌面测试成果" in o))
    next(b for b in at.button if b.label.startswith("发布公示")).click().run()
    assert "已发布公示" in texts(at)
    at.run()
    notice_rows = [f for f in tables(at) if "剩余天数" in f.columns]
    assert notice_rows and "桌面测试成果" in set(notice_rows[0]["成果名称"])


def test_operators_of_another_city_do_not_see_the_desk_items(demo_db) -> None:
    at = _open("nb_operator", "approvals")
    shown = texts(at)
    with read_session() as s:
        hz_titles = set(s.exec(select(Result.title).where(Result.city_code == "330100",
                                                          Result.status.in_(("submitted", "notice")))).all())
        nb_titles = set(s.exec(select(Result.title).where(Result.city_code == "330200",
                                                          Result.status.in_(("submitted", "notice")))).all())
    assert not any(tt in shown for tt in hz_titles - nb_titles)


def test_three_year_page_lists_overdue_results(demo_db) -> None:
    at = _open("hz_operator", "three_year")
    shown = texts(at)
    assert "各单位情况" in shown
    frames = [f for f in tables(at) if "逾期天数" in f.columns]
    assert frames and (frames[0]["逾期天数"].astype(int) > 0).all()
    assert set(frames[0]["城市"]) == {"杭州市"}
    assert any(b.label == "导出 Excel" for b in at.get("download_button"))


def test_enterprise_cannot_open_the_desk(demo_db) -> None:
    at = signed_in("ent_demo")
    with pytest.raises(ValueError):
        at.switch_page("../pages/approvals.py")


def test_operator_records_an_objection_and_dismisses_it(own_demo) -> None:
    at = _open("hz_operator", "approvals")
    box = at.selectbox(key="objection_pick")
    title = box.options[0].split(" ", 1)[1]
    inputs = {ti.label: ti for ti in at.text_input}
    inputs["异议人"].input("王五")
    inputs["异议人联系方式"].input("13800000000")
    next(b for b in at.button if b.label == "登记异议").click().run()
    assert "【异议理由】必填。" in texts(at)
    next(ta for ta in at.text_area if ta.label == "异议理由").input("认为权属存在争议")
    next(b for b in at.button if b.label == "登记异议").click().run()
    assert "已登记异议，公示已暂停。" in texts(at)

    at = _open("hz_operator", "approvals")
    box = next(s for s in at.selectbox if s.label == "选择异议")
    box.select_index(next(i for i, o in enumerate(box.options) if o.startswith(title) and "王五" in o))
    next(ta for ta in at.text_area if ta.label == "处理意见").input("经核实权属清晰")
    next(b for b in at.button if b.label == "处理结果").click().run()
    assert "已处理异议。" in texts(at)


def test_a_dismissed_objection_is_shown_as_resolved_not_pending(own_demo) -> None:
    from streamlit.testing.v1 import AppTest

    from portal.core.auth import load_actor
    from portal.pool import approval

    me = load_actor("hz_operator")
    row = next(r for r in approval.desk(actor=me).in_notice if r.status == "notice")
    obj = approval.file_objection(actor=me, result_id=row.result_id, objector_name="王五", objector_contact="138",
                                  reason="权属存疑")
    approval.resolve_objection(actor=me, objection_id=obj.id, upheld=False, resolution="经核实权属清晰")

    def page() -> None:
        import uuid

        import streamlit as st

        from portal.core.auth import load_actor
        from portal.ui.pool import render_detail

        st.session_state["lang"] = "zh"
        render_detail(load_actor("hz_operator"), uuid.UUID(st.session_state["rid"]))

    at = AppTest.from_function(page, default_timeout=30)
    at.session_state["rid"] = str(row.result_id)
    at.run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "已处理异议（1）" in shown and "待处理异议" not in shown and "经核实权属清晰" in shown


def test_presenters_have_no_pool_page(demo_db) -> None:
    with pytest.raises(ValueError):  # not registered for them: a typed URL shows the refusal page
        _open("presenter", "pool")
