"""The enterprise's whole path in chromium: it signs in, asks for a free trial from a
recommendation, the result's city operator sees the request and signs the trial, and the
enterprise reads the outcome on 我的申请 (screenshots of each page)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser
CARD = "[data-testid='stVerticalBlockBorderWrapper'], [data-testid='stVerticalBlock']"


def test_trial_request_from_a_recommendation_to_a_signed_trial(live_server: str, browser) -> None:  # noqa: ANN001
    ent = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    ent.set_default_timeout(30_000)
    sign_in(ent, live_server, "ent_demo", path="recommend")
    ent.get_by_text("匹配原因：").first.wait_for()
    # the cards stream in: let them stand (the relative score floor leaves the demo's first demand
    # its three close hits, one of them in Hangzhou)
    ent.get_by_role("link", name="查看成果详情").nth(2).wait_for()
    ent.wait_for_timeout(1000)
    # the last Hangzhou recommendation the enterprise has not asked about yet, found again by its title
    # (a locator is resolved on every use); by its whole title, as near-twins share the same words
    # ("…检测系统" beside "…检测系统（第二代）" of another city)
    first = (ent.locator(CARD).filter(has_text="杭州市").filter(has_text="匹配原因")
             .filter(has=ent.get_by_role("button", name="申请试用")).last)
    title = re.sub(r"^\d+\.\s*", "", first.locator("strong").first.inner_text()).strip()
    heading = ent.locator("strong").filter(has_text=re.compile(rf"^\d+\.\s*{re.escape(title)}$"))
    card = ent.locator(CARD).filter(has=heading).filter(has=ent.get_by_role("button", name="申请试用")).last
    card.get_by_role("link", name="查看成果详情").wait_for()
    card.get_by_role("button", name="申请试用").click()
    ent.get_by_role("textbox", name="想说明的情况（选填）").fill("用于新一代智能分拣机，试用期内提供工况数据")
    shot(ent, "requests_ask_trial")
    ent.get_by_role("button", name="提交试用申请").click()
    ent.get_by_text("试用申请已提交").wait_for()
    shot(ent, "requests_recommend_after")

    op = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    op.set_default_timeout(30_000)
    sign_in(op, live_server, "hz_operator", path="requests")
    op.get_by_text("企业从成果池、推荐结果提交的申请").wait_for()
    # the newest open request is picked first: the one just sent
    op.get_by_role("heading", name=title, exact=True).wait_for()
    op.get_by_role("button", name="签订试用").wait_for()
    op.wait_for_timeout(1000)
    shot(op, "requests_inbox")
    op.get_by_role("button", name="签订试用").click()
    op.get_by_text("已签订试用合同 XYSY-3301-").wait_for()
    shot(op, "requests_inbox_after")

    ent.goto(f"{live_server}/my_requests")
    mine = (ent.locator(CARD).filter(has=ent.locator("strong").filter(has_text=re.compile(rf"^{re.escape(title)}$")))
            .filter(has_text="已转试用").last)
    mine.wait_for()
    assert "已为您签订试用合同" in mine.inner_text()
    mine.get_by_role("link", name="查看试用合同").wait_for()
    shot(ent, "requests_my_requests")
    ent.context.close()
    op.context.close()


def test_an_enterprise_asks_for_pilot_testing_and_sees_a_results_page(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "ent_demo")
    page.get_by_role("link", name="查看我的申请").wait_for()  # home's 我的申请 figure leads there
    shot(page, "requests_home")
    page.goto(f"{live_server}/pilot_bookings")
    page.get_by_role("tab", name="申请中试").click()
    page.get_by_role("button", name="提交中试申请").wait_for()
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="提交中试申请").scroll_into_view_if_needed()
    shot(page, "requests_pilot_form")
    page.goto(f"{live_server}/pool")
    page.get_by_text("项成果").first.wait_for()
    page.goto(f"{live_server}/my_requests")
    page.get_by_role("link", name="查看成果详情").first.click()
    page.get_by_role("button", name="返回成果列表").wait_for()
    shot(page, "requests_result_page")
