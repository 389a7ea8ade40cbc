"""After every write the page shows the new state, in the same run the user clicked in: no
reload, no second click. (A success message used to be drawn below a list read before the write.)"""

from __future__ import annotations

from portal.core.validation import patent_check_char
from tests.pages.conftest import signed_in, tables, texts


def _open(user: str, page: str):  # noqa: ANN202
    at = signed_in(user)
    at.switch_page(f"../pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _click(at, label: str):  # noqa: ANN001, ANN202
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


def _select(at, key: str, title: str, column: str = "成果名称"):  # noqa: ANN001, ANN202
    """Select the row whose column reads title, as a click on it does."""
    frame = next(f for f in tables(at) if column in f.columns and title in set(f[column]))
    at.session_state[key] = {"selection": {"rows": [list(frame[column]).index(title)], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    return at


def _draft(at, title: str, digits: str):  # noqa: ANN001, ANN202
    inputs = {ti.label: ti for ti in at.text_input}
    inputs["成果编号 / 专利申请号"].input(f"{digits}.{patent_check_char(digits)}")
    inputs["成果名称"].input(title)
    return _click(at, "保存草稿")


def _submitted(title: str, digits: str) -> None:
    """The officer saves a draft on 成果披露 and submits it, as a user does."""
    at = _open("zju_officer", "my_results")
    _draft(at, title, digits)
    _select(at, "mine_table", title)
    _click(at, "提交单位审批")


def _found(at) -> int:  # noqa: ANN001
    line = next(c.value for c in at.caption if str(c.value).startswith("共 "))
    return int(line.split()[1])


def test_a_saved_draft_is_counted_and_listed_at_once(own_demo) -> None:
    at = _open("zju_officer", "my_results")
    before = _found(at)
    _draft(at, "保存后立即可见的成果", "209710123456")
    assert "已保存“保存后立即可见的成果”（草稿）。" in texts(at)
    assert _found(at) == before + 1
    mine = tables(at)[0]
    # at the top (newest first; within the second of another test's write, next to it)
    row = mine[mine["成果名称"] == "保存后立即可见的成果"]
    assert list(row["状态"]) == ["草稿"] and row.index[0] <= 1


def test_a_submitted_draft_reads_submitted_and_its_form_goes(own_demo) -> None:
    at = _open("zju_officer", "my_results")
    _draft(at, "提交后状态立即更新的成果", "209710654321")
    _draft(at, "另一项后保存的草稿", "209710111111")  # the one to submit is no longer on top
    _select(at, "mine_table", "提交后状态立即更新的成果")
    assert any(b.label == "提交单位审批" for b in at.button)
    _click(at, "提交单位审批")
    assert "已提交审批。" in texts(at)
    mine = tables(at)[0]
    row = mine[mine["成果名称"] == "提交后状态立即更新的成果"].iloc[0]
    assert row["状态"] == "待单位审批"
    # still the same result on screen (it moved to the top of the list), now without its edit form
    assert at.session_state["mine_table"]["selection"]["rows"] == [list(mine["成果名称"]).index(row["成果名称"])]
    assert not any(b.label == "提交单位审批" for b in at.button)
    assert not any(b.label == "保存草稿" and "edit" in str(b.form_id) for b in at.button)
    assert "提交后状态立即更新的成果" in texts(at)


def test_an_approved_result_leaves_the_queue_at_once(own_demo) -> None:
    _submitted("批准后离开队列的成果", "209610654321")
    at = _open("zju_officer", "approvals")
    before = at.tabs[0].label
    assert "批准后离开队列的成果" in set(tables(at)[0]["成果名称"])
    box = at.selectbox(key="approve_pick")
    box.select_index(next(i for i, o in enumerate(box.options) if "批准后离开队列的成果" in o))
    _click(at, "批准")
    assert "已批准。" in texts(at)
    assert at.tabs[0].label != before
    queue = tables(at)[0] if tables(at) else None
    assert queue is None or "批准后离开队列的成果" not in set(queue.get("成果名称", []))
    # and the next queue (待发布公示) has it, for the city's operator
    at = _open("hz_operator", "approvals")
    assert "批准后离开队列的成果" in texts(at)


def test_a_moved_match_shows_its_new_stage_at_once(own_demo) -> None:
    at = _open("hz_operator", "matches")
    frame = tables(at)[0]
    row = next(i for i, stage in enumerate(frame["阶段"]) if stage == "已接触")
    title = frame.iloc[row]["成果"]
    at.session_state["matches_table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    box = next(s for s in at.selectbox if s.label == "对接阶段")
    box.set_value("interested")
    next(b for b in at.button if b.label == "推进阶段").click().run()
    assert not at.exception, at.exception
    assert "阶段已更新。" in texts(at)
    frame = tables(at)[0]
    selected = at.session_state["matches_table"]["selection"]["rows"]
    assert selected and frame.iloc[selected[0]]["成果"] == title and frame.iloc[selected[0]]["阶段"] == "有意向"


def test_a_closed_demand_reads_closed_at_once(own_demo) -> None:
    at = _open("hz_operator", "demands")
    frame = tables(at)[0]
    row = next(i for i, status in enumerate(frame["状态"]) if status in ("征集中", "已对接"))
    at.session_state["demands_table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    _click(at, "关闭需求")
    frame = tables(at)[0]
    selected = at.session_state["demands_table"]["selection"]["rows"]
    assert selected and frame.iloc[selected[0]]["状态"] == "已关闭"


def test_no_page_reports_a_write_below_a_list_read_before_it() -> None:
    """A success message goes through portal.ui.done (flash, then a rerun that redraws the page
    with the change): st.success straight after a write leaves the lists above it stale."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    allowed = {"pages/approvals.py": 1,  # notices that ended were listed before the queues are read
               "pages/contract_detail.py": 1,  # "no risks found": not a write
               "pages/pool_import.py": 1,  # the import report is the page's only content
               "portal/ui/notify.py": 1,  # a test message went out: nothing on the page changed
               "portal/ui/requests.py": 1}  # a finished pilot's outcome, read, not written
    found = {}
    for path in [*root.glob("pages/*.py"), *root.glob("portal/ui/*.py")]:
        n = path.read_text(encoding="utf-8").count("st.success(")
        if n:
            found[str(path.relative_to(root))] = n
    assert found == allowed


def test_the_audit_page_names_the_record_and_the_change_in_words(own_demo) -> None:
    import re

    _submitted("审计页可读的成果", "209510654321")
    audit = _open("zj_admin", "audit")
    next(w for w in audit.text_input if w.label == "用户名").input("zju_officer").run()
    frame = tables(audit)[0]
    top = frame[frame["记录"].str.contains("审计页可读的成果") & (frame["操作"] == "提交成果审批")].iloc[0]
    assert top["操作"] == "提交成果审批" and top["对象"] == "成果" and "审计页可读的成果" in top["记录"]
    assert "状态：草稿 → 待单位审批" in top["变更内容"]
    assert top["打开"].startswith("/pool?q=")
    shown = texts(audit)
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", shown) and "{'" not in shown
    assert "match · " not in shown
    row = list(frame.index[frame["记录"].str.contains("审计页可读的成果") & (frame["操作"] == "提交成果审批")])[0]
    audit.session_state["audit_table"] = {"selection": {"rows": [int(row)], "columns": [], "cells": []}}
    audit.run()
    changes = tables(audit)[1]
    assert ("状态", "草稿", "待单位审批") in set(map(tuple, changes[["字段", "变更前", "变更后"]].to_numpy()))
