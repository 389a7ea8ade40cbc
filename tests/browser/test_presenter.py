"""Presenter mode in chromium at 1920×1080: a full-screen card with the chrome hidden, paging by
keyboard, a QR code that opens the public intent page without sign-in."""

from __future__ import annotations

import io
import re

import pytest

from tests.browser.conftest import SHOTS, sign_in
from tests.conftest import unavailable

pytestmark = pytest.mark.browser


def _decode(png: bytes) -> list[str]:
    try:
        from PIL import Image
        from pyzbar.pyzbar import decode
    except ImportError as exc:
        unavailable(f"QR decoder: {exc} (pip install pyzbar; apt-get install libzbar0)")
    return [s.data.decode() for s in decode(Image.open(io.BytesIO(png)))]


def _press_until(page, key: str, progress: str) -> None:  # noqa: ANN001
    """Press a paging key and wait for the card; a key pressed while the previous card's rerun is
    still arriving can be swallowed, so press again once before failing."""
    page.wait_for_timeout(600)  # let the previous rerun settle
    for attempt in range(2):
        page.keyboard.press(key)
        try:
            page.locator(".rs-progress", has_text=progress).first.wait_for(timeout=15_000)
            return
        except Exception:  # noqa: BLE001
            if attempt:
                raise


def start_presenting(browser, base_url: str, width: int, height: int):  # noqa: ANN001, ANN201
    """A presenter signed in at width×height, on the first card of the published roadshow:
    (context, page, the card's locator)."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    sign_in(page, base_url, "presenter", path="presenter")
    page.get_by_role("button", name="开始演示").click()
    card = page.locator(".rs-card")
    card.wait_for()
    return context, page, card


def test_presenter_mode_fills_a_projector_and_its_qr_opens_the_intent_page(live_server: str, browser) -> None:  # noqa: ANN001
    context, page, card = start_presenting(browser, live_server, 1920, 1080)
    progress = page.locator(".rs-progress")
    first = progress.inner_text()
    match = re.fullmatch(r"1 / (\d+)", first.strip())
    assert match, first
    total = int(match.group(1))
    page.wait_for_timeout(500)  # fonts and the QR image settle
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "presenter_1920x1080.png"))

    # the chrome is hidden and the card fills the screen without scrolling
    assert not page.get_by_test_id("stSidebar").is_visible()
    assert not page.get_by_test_id("stHeader").is_visible()
    box = card.bounding_box()
    assert box["width"] > 1700 and box["height"] > 850 and box["y"] + box["height"] <= 1080
    for button in ("◀ 上一项", "下一项 ▶"):  # the controls are on screen too
        b = page.get_by_role("button", name=button).bounding_box()
        assert b["y"] + b["height"] <= 1080
    # large type, readable at the back of a room
    title_px = float(page.locator(".rs-title").evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
    body_px = float(page.locator(".rs-summary").evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
    assert title_px >= 56 and body_px >= 32
    text = card.inner_text()
    for label in ("成果单位", "扫码登记合作意向", "先用后转", "免费试用", "联系我们", "TRL"):
        assert label in text

    # the QR code on screen decodes to this item's public intent URL
    url = _decode(page.locator(".rs-qr").screenshot())
    assert len(url) == 1 and re.fullmatch(re.escape(live_server) + r"/intent\?t=[A-Za-z0-9_-]{32}", url[0])
    result_title = page.locator(".rs-title").inner_text()

    # a clicker's keys page forward and back
    _press_until(page, "ArrowRight", f"2 / {total}")
    assert page.locator(".rs-title").first.inner_text() != result_title
    page.screenshot(path=str(SHOTS / "presenter_1920x1080_2.png"))
    _press_until(page, "ArrowLeft", f"1 / {total}")

    # scanning the code: the intent page opens signed out and shows the result
    visitor = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    phone = visitor.new_page()
    phone.goto(url[0])
    phone.get_by_text("登记合作意向").first.wait_for()
    phone.get_by_text(result_title).first.wait_for()
    phone.get_by_role("textbox", name="统一社会信用代码").wait_for()
    assert phone.get_by_role("textbox", name="用户名").count() == 0  # no sign-in asked
    phone.screenshot(path=str(SHOTS / "intent_phone.png"), full_page=True)
    visitor.close()
    context.close()
