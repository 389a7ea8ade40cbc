"""What only a browser shows of "screens that show what just happened": a confirmation dialog
(its buttons rerun only the dialog, which AppTest does not), the chosen row following its record
after a write, and a home figure's link opening its filtered list."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from portal.core.validation import patent_check_char
from tests.browser.conftest import shot, sign_in, wait_for_cookie

pytestmark = pytest.mark.browser


def _number(digits: str) -> str:
    return f"{digits}.{patent_check_char(digits)}"


def test_terminating_a_trial_asks_first_and_cancel_changes_nothing(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "hz_operator", path="contracts?kind=trial&status=active")
    page.get_by_text("份合同").first.wait_for()
    shot(page, "screens_contracts_linked")
    wait_for_cookie(page)
    page.goto(f"{live_server}/expiring")  # signed in by the cookie
    page.get_by_role("link", name="打开合同").first.click()
    page.get_by_text("风险提示").first.wait_for()
    page.get_by_role("tab", name="终止试用").click()
    page.get_by_test_id("stForm").get_by_role("button", name="终止试用").click()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog.get_by_text("释放一个试用名额")).to_be_visible()
    shot(page, "screens_terminate_dialog")
    dialog.get_by_role("button", name="取消").last.click()
    expect(page.get_by_test_id("stDialog")).to_have_count(0)
    expect(page.get_by_role("tab", name="终止试用")).to_have_count(1)  # still running: still offered
    page.get_by_test_id("stForm").get_by_role("button", name="终止试用").click()
    page.get_by_test_id("stDialog").get_by_role("button", name="确认").click()
    expect(page.get_by_text("试用已终止").first).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stDialog")).to_have_count(0)


def test_a_submitted_draft_stays_chosen_and_reads_awaiting_approval(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "zju_officer", path="my_results")
    page.get_by_text("项成果").first.wait_for()
    for digits, title in (("209310654321", "浏览器测试草稿甲"), ("209310111222", "浏览器测试草稿乙")):
        if page.get_by_text("新登记成果").count() and not page.get_by_role("textbox", name="成果名称").count():
            page.get_by_text("新登记成果").click()
        page.get_by_role("textbox", name="成果编号 / 专利申请号").fill(_number(digits))
        page.get_by_role("textbox", name="成果名称").fill(title)
        page.get_by_role("button", name="保存草稿").click()
        expect(page.get_by_text(f"已保存“{title}”（草稿）。").first).to_be_visible(timeout=30_000)
    page.mouse.wheel(0, -5000)
    grid = page.get_by_test_id("stDataFrame").first
    # the grid is a canvas: its rows are known once its (unpainted) accessibility table holds both
    expect(grid.get_by_text("浏览器测试草稿乙").first).to_be_attached(timeout=30_000)
    expect(grid.get_by_text("浏览器测试草稿甲").first).to_be_attached(timeout=30_000)
    submit = page.get_by_role("button", name="提交单位审批")
    for _ in range(3):  # a click in the instant a rerun redraws the grid can be lost: click again
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 35 + 17)  # the second row: 甲, saved first
        try:
            submit.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            continue
    submit.click()
    expect(page.get_by_text("已提交审批。").first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="提交单位审批")).to_have_count(0)
    expect(page.get_by_role("heading", name="浏览器测试草稿甲")).to_be_visible(timeout=30_000)  # the same result, now on top
    page.mouse.wheel(0, -5000)
    shot(page, "screens_submitted_draft")
