"""The language in chromium: English kept across a reload, in a shared link and on a link typed
by hand (the URL and the cookie); /home opens without Streamlit's English "Page not found"; the
Chinese UI shows no Streamlit English where a parameter or a style reaches it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in, wait_for_cookie

pytestmark = pytest.mark.browser


def test_english_survives_a_reload_a_shared_link_and_a_typed_one(live_server: str, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    sign_in(page, live_server, "hz_operator", path="pool")
    wait_for_cookie(page)
    page.get_by_text("English", exact=True).click()
    expect(page.get_by_role("heading", name="Result pool")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]lang=en"))
    page.reload()
    expect(page.get_by_role("heading", name="Result pool")).to_be_visible()
    shared = page.url
    # a page chosen from the menu keeps it
    page.get_by_role("link", name="Contracts").first.click()
    expect(page).to_have_url(re.compile(r"/contracts\?(.*&)?lang=en"))
    # a link typed by hand, without ?lang: the cookie remembers
    assert any(c["name"] == "portal_lang" and c["value"] == "en" for c in context.cookies())
    page.goto(f"{live_server}/three_year")
    expect(page.get_by_role("heading", name="Three-year rule")).to_be_visible()
    shot(page, "language_typed_link_en")
    context.close()

    # the shared link in another browser (no cookie): the sign-in form and the page in English
    other = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    tab = other.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(shared)
    tab.get_by_role("textbox", name="Username").fill("hz_operator")
    tab.get_by_role("textbox", name="Password").fill("Demo@2026")
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("heading", name="Result pool")).to_be_visible()
    other.close()


def test_home_opens_without_a_page_not_found_dialog(live_server: str, page) -> None:  # noqa: ANN001
    page.goto(f"{live_server}/home")
    page.get_by_role("textbox", name="用户名").fill("hz_operator")  # not hidden behind a dialog
    page.get_by_role("textbox", name="密码").fill("Demo@2026")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="您好，杭州运营专员")).to_be_visible()
    wait_for_cookie(page)
    page.goto(f"{live_server}/home")
    expect(page.get_by_role("heading", name="您好，杭州运营专员")).to_be_visible()
    page.wait_for_timeout(1500)
    assert page.get_by_text("Page not found").count() == 0
    shot(page, "home_by_path")


def test_the_chinese_ui_shows_streamlits_hints_in_chinese(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "hz_operator", path="pool_import")
    uploader = page.get_by_test_id("stFileUploaderDropzone")
    uploader.wait_for()
    page.wait_for_timeout(500)
    button = uploader.locator("button")
    after = lambda el: el.evaluate("e => getComputedStyle(e.querySelector('p') || e, '::after').content")  # noqa: E731
    assert after(button) == '"选择文件"'
    hint = page.get_by_test_id("stFileUploaderDropzoneInstructions")
    assert hint.locator("span").first.evaluate("e => getComputedStyle(e, '::after').content") == '"单个文件不超过 20 MB"'
    assert "200MB" not in hint.inner_text() and "20MB per file" in hint.inner_text()  # the server's limit is ours
    shot(page, "language_zh_uploader")
    # a text input's "Press Enter to apply" is not shown
    page.goto(f"{live_server}/pool")
    box = page.get_by_role("textbox", name=re.compile("搜索"))
    box.fill("石墨烯")
    page.wait_for_timeout(300)
    assert not page.get_by_test_id("InputInstructions").is_visible()
