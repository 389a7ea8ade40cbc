"""Signing in through the real form in chromium: scope, refusals by URL, deep links, sign-out."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import shot, sign_in, wait_for_cookie, wait_signed_in

pytestmark = pytest.mark.browser


def test_hz_operator_home_shows_hangzhou_not_ningbo(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "hz_operator")
    page.get_by_text("您好，杭州运营专员").first.wait_for()
    page.get_by_text("范围：杭州市").first.wait_for()
    page.get_by_text("30天内到期的试用").first.wait_for()
    page.get_by_test_id("stMetricLabel").first.wait_for()
    grid = page.get_by_test_id("stDataFrame").first  # trials ending soon: a typed, sortable table
    grid.wait_for()
    # the grid draws on a canvas; its cells are also in the page for screen readers
    cells = grid.locator("[role=gridcell]")
    cells.first.wait_for(state="attached")
    body = page.get_by_test_id("stMain").inner_text() + "\n".join(cells.all_text_contents())
    assert "已上架成果" in body and "试用中" in body
    assert re.search(r"杭州\S+有限公司", body)  # licensees of Hangzhou trials ending soon
    assert "宁波" not in body and "温州" not in body
    shot(page, "home_hz_operator")


def test_wrong_password_is_refused(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "hz_operator", password="not-the-password1", settle=False)
    page.get_by_text("用户名或密码不正确。").first.wait_for()
    assert page.get_by_text("您好").count() == 0


def test_role_without_access_sees_a_refusal_by_url(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "presenter")
    page.get_by_text("您好，杭州路演讲解员").first.wait_for()
    wait_for_cookie(page)  # the reload below signs in again from the cookie
    page.goto(f"{live_server}/users")
    page.get_by_text("您的角色无权访问此页面。").first.wait_for()
    assert page.get_by_text("zj_admin").count() == 0


def test_deep_link_survives_sign_in_and_sign_out_forgets(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "zj_admin", path="audit")
    page.get_by_role("heading", name="操作日志").wait_for()
    assert re.search(r"/audit$", page.url)
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("textbox", name="用户名").wait_for()
    assert page.get_by_test_id("stException").count() == 0
    page.reload()
    page.get_by_role("textbox", name="用户名").wait_for()  # the cookie is gone: still signed out
    assert page.get_by_text("您好").count() == 0


IDLE = "document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === 'notRunning'"
WAITING = re.compile(r"账号已暂时锁定，请于 (\d{4}-\d\d-\d\d )?\d\d:\d\d 后再试")  # the date when it ends tomorrow


def _try_in_a_new_session(page, base_url: str, password: str) -> None:  # noqa: ANN001
    """Open the portal afresh and submit the form once the page has settled: a click in the same
    instant as the cookie component's first report (which reruns the page) can be lost to a
    Streamlit race that no person is quick enough to meet."""
    page.goto(base_url)
    page.get_by_role("textbox", name="用户名").wait_for()
    for _ in range(2):
        page.wait_for_function(IDLE)
        page.wait_for_timeout(300)
    page.get_by_role("textbox", name="用户名").fill("wz_operator")
    page.get_by_role("textbox", name="密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_guessing_makes_the_account_wait_in_every_session(live_server: str, page, browser) -> None:  # noqa: ANN001
    for n in range(1, 5):  # each try in a new session
        _try_in_a_new_session(page, live_server, f"guess{n}wrong")
        page.get_by_text("用户名或密码不正确。").first.wait_for()
    _try_in_a_new_session(page, live_server, "guess5wrong")
    page.get_by_text(WAITING).first.wait_for()
    other = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    try:
        _try_in_a_new_session(other, live_server, "Demo@2026")  # the right password, another browser
        other.get_by_text(WAITING).first.wait_for()
        assert other.get_by_text("您好").count() == 0
        shot(other, "login_waiting")
    finally:
        other.context.close()


def test_a_tab_opened_right_after_signing_in_stays_open(live_server: str, page) -> None:  # noqa: ANN001
    """The run the cookie's report starts draws the page in the same places as the run that signed
    in, so the tab the user opened in between is not closed again."""
    sign_in(page, live_server, "hz_operator", path="demands", settle=False)
    page.get_by_role("tab", name="发布需求").click()  # at once, before the sign-in has settled
    wait_signed_in(page)
    page.wait_for_timeout(1000)
    assert page.get_by_role("tab", name="发布需求").get_attribute("aria-selected") == "true"
    assert page.get_by_role("textbox", name="需求标题").is_visible()
