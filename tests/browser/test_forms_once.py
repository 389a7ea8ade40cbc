"""Clicking a create form's button twice in chromium (a double click, or again once it answered):
one record, and the form empty again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

TITLE = "双击只发布一次的需求"


def test_posting_a_demand_twice_makes_one(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "hz_operator", path="demands")
    new = page.get_by_role("tab", name="发布需求")
    new.click()
    expect(new).to_have_attribute("aria-selected", "true")
    title = page.get_by_role("textbox", name="需求标题")
    title.fill(TITLE)
    post = page.get_by_role("button", name="发布", exact=True)
    post.dblclick()
    expect(page.get_by_text(f"已发布需求“{TITLE}”。")).to_be_visible(timeout=30_000)
    expect(title).to_have_value("")  # the tab stays open, the form empty again
    expect(post).to_have_count(1, timeout=30_000)  # the new form instance replaces the old one as the run ends
    post.click()  # and once more, as a user unsure it worked would
    expect(page.get_by_text("【需求标题】必填。")).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name="需求列表").click()
    search = page.get_by_role("textbox", name="搜索标题或企业")
    search.fill(TITLE)
    search.press("Enter")
    expect(page.get_by_text("共 1 条需求")).to_be_visible(timeout=30_000)
