"""The public QR page on a phone: Chromium at a phone's viewport with WeChat's user agent and
JavaScript switched off submits the form and reads the receipt; the page is one request, fits
the screen without sideways scrolling, and its inputs are large enough not to zoom on focus."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import credit_code

pytestmark = pytest.mark.browser

WECHAT = ("Mozilla/5.0 (Linux; Android 13; V2183A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like "
          "Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 "
          "MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN",
         "user_agent": WECHAT, "device_scale_factor": 3}


def _token(tmp_path_factory) -> tuple[Path, str]:  # noqa: ANN001
    db = next(Path(tmp_path_factory.getbasetemp()).glob("live*/portal.db"))
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        (token,) = conn.execute("select i.token from roadshow_item i join roadshow s on s.id = i.roadshow_id "
                                "where s.status = 'published' order by i.position limit 1").fetchone()
    return db, token


def test_a_phone_in_wechat_without_javascript_submits_and_reads_its_receipt(  # noqa: ANN001
        live_server: str, browser, tmp_path_factory) -> None:
    db, token = _token(tmp_path_factory)
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(f"{live_server}/intent?t={token}")
    expect(page.get_by_role("heading", name="登记合作意向")).to_be_visible()
    assert [u for u in asked if not u.endswith("/favicon.ico")] == [f"{live_server}/intent?t={token}"]
    code = credit_code("330106")
    page.get_by_role("textbox", name="企业名称").fill("杭州手机扫码科技有限公司")
    page.get_by_role("textbox", name="统一社会信用代码").fill(code)
    page.get_by_role("textbox", name="联系人").fill("李经理")
    page.get_by_role("textbox", name="联系电话").fill("138 1234 5678")
    page.get_by_role("checkbox", name="验证中试").check()
    page.get_by_role("button", name="提交意向").tap()
    expect(page.get_by_role("status")).to_contain_text("已收到杭州手机扫码科技有限公司")
    expect(page.get_by_role("status")).to_contain_text("联系人：李经理")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("select wants from intent where credit_code = ?", (code,)).fetchall() == [("trial,pilot",)]
    page.get_by_role("link", name="English").tap()  # the language link, no script needed
    expect(page.get_by_role("heading", name="Register your interest")).to_be_visible()
    context.close()


def test_the_page_fits_a_phone_screen(live_server: str, browser, tmp_path_factory) -> None:  # noqa: ANN001
    _, token = _token(tmp_path_factory)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/intent?t={token}")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    sizes = page.evaluate("() => [...document.querySelectorAll('input[type=text], input[type=tel], textarea')]"
                          ".map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 16  # iOS and WeChat zoom into smaller inputs
    button = page.get_by_role("button", name="提交意向").bounding_box()
    assert button["height"] >= 44 and button["width"] >= 300  # a thumb's target
    context.close()
