"""Roadshows in chromium: the operator's deck downloads hand over real files; the public QR page
makes one row of a double tap and shows each visitor only their own receipt."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import credit_code

pytestmark = pytest.mark.browser


def test_operator_downloads_the_decks(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "hz_operator", path="roadshows")
    page.get_by_text("选择要管理的路演").first.wait_for()
    tab = page.get_by_role("tab", name="导出")
    expect(tab).to_have_count(1, timeout=30_000)  # a rerun briefly draws the tabs twice
    tab.click()
    for label, head, suffix in (("下载 PDF 路演稿", b"%PDF-", ".pdf"), ("下载 PPT 路演稿", b"PK", ".pptx")):
        button = page.get_by_role("button", name=label)
        expect(button).to_have_count(1, timeout=30_000)
        with page.expect_download(timeout=90_000) as info:  # the deck is built on click
            button.click()
        download = info.value
        assert download.suggested_filename.startswith("roadshow-") and download.suggested_filename.endswith(suffix)
        with open(download.path(), "rb") as fh:
            data = fh.read()
        assert data.startswith(head) and len(data) > 10_000


def _live_db(tmp_path_factory) -> Path:  # noqa: ANN001
    """The live server's SQLite file (the live_server fixture's data folder), read only here."""
    return next(Path(tmp_path_factory.getbasetemp()).glob("live*/portal.db"))


def _rows(db: Path, sql: str, *args) -> list[tuple]:  # noqa: ANN002
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, args).fetchall()


def _submit(page, company: str, code: str, person: str, *, double: bool = False) -> None:  # noqa: ANN001
    page.get_by_role("textbox", name="企业名称").fill(company)
    page.get_by_role("textbox", name="统一社会信用代码").fill(code)
    page.get_by_role("textbox", name="联系人").fill(person)
    page.get_by_role("textbox", name="电话").fill("13812345678")
    button = page.get_by_role("button", name="提交意向")
    if not double:
        button.click()
        return
    button.scroll_into_view_if_needed()  # the page is long on a phone, and mouse clicks do not scroll
    box = button.bounding_box()  # a double tap: the same spot again, a moment later
    for pause in (0, 400, 1200):
        page.wait_for_timeout(pause)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_public_page_double_tap_is_one_row_and_each_visitor_sees_only_their_receipt(  # noqa: ANN001
        live_server: str, page, browser, tmp_path_factory) -> None:
    db = _live_db(tmp_path_factory)
    (token,) = _rows(db, "select i.token from roadshow_item i join roadshow s on s.id = i.roadshow_id "
                         "where s.status = 'published' and s.city_code = '330100' order by i.position limit 1")[0]
    code = credit_code("330106")
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.goto(f"{live_server}/intent?t={token}")
    _submit(page, "<script>alert(1)</script>", code, "王经理")
    expect(page.get_by_text("【企业名称】不能包含网页标记或链接", exact=False).first).to_be_visible()
    _submit(page, "杭州浏览器测试科技有限公司", code, "王经理", double=True)  # taps in a row
    expect(page.get_by_text("联系人：王经理", exact=False)).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1500)  # let a second submission land, if there were one
    assert _rows(db, "select count(*) from intent where credit_code = ?", code) == [(1,)]

    context = browser.new_context(viewport={"width": 430, "height": 900}, locale="zh-CN")  # a phone, elsewhere
    other = context.new_page()
    other.goto(f"{live_server}/intent?t={token}")
    _submit(other, "杭州浏览器测试科技有限公司（冒名）", code.lower(), "王五")
    expect(other.get_by_text("联系人：王五", exact=False)).to_be_visible(timeout=30_000)
    seen = other.locator("body").inner_text()
    assert "王经理" not in seen and "合并" not in seen
    context.close()
    assert sorted(_rows(db, "select contact_person from intent where credit_code = ?", code)) == [("王五",), ("王经理",)]
    page.goto(f"{live_server}/intent?t={token}")  # the first visitor again: a fresh form, nothing of anyone else
    expect(page.get_by_role("button", name="提交意向")).to_be_visible()
    assert "王五" not in page.locator("body").inner_text()
    assert alerts == []  # no script ran
