"""The presenter's cards in chromium at the three projector sizes people meet (1920×1080,
1280×720, 1024×768): the card and every control on screen and whole, titles broken between words
with no short last line, believable texts; the presenter downloads the deck; the disclosure form
previews the card live as it is typed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOTS, shot, sign_in
from tests.browser.test_presenter import start_presenting

pytestmark = pytest.mark.browser

SIZES = ((1920, 1080), (1280, 720), (1024, 768))

# Per element: its lines (by the top of each character's box), and the words (text nodes between
# the <wbr>s) that sit on more than one line.
LINES_JS = """
(el) => {
  const tops = [], split = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const own = new Set();
    for (let i = 0; i < node.length; i++) {
      const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
      const box = r.getBoundingClientRect();
      if (box.width === 0) continue;
      const top = Math.round(box.top); tops.push([top, node.data[i]]); own.add(top);
    }
    if (own.size > 1) split.push(node.data);
  }
  const lines = [];
  for (const [top, ch] of tops) {
    const line = lines.find(l => Math.abs(l.top - top) < 4);
    if (line) line.text += ch; else lines.push({top, text: ch});
  }
  return {lines: lines.sort((a, b) => a.top - b.top).map(l => l.text), split};
}
"""


def _whole(page, locator, width: int, height: int) -> None:  # noqa: ANN001
    """locator is on screen and its text is not cut (no ellipsis, nothing wider than the box)."""
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, (box, width, height)
    assert locator.evaluate("e => [...e.querySelectorAll('p, div, span')].concat([e])"
                            ".every(x => x.scrollWidth <= x.clientWidth + 1)"), locator


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_cards_read_well_on_every_projector(live_server: str, browser, width: int, height: int) -> None:  # noqa: ANN001
    context, page, card = start_presenting(browser, live_server, width, height)
    total = int(re.fullmatch(r"1 / (\d+)", page.locator(".rs-progress").inner_text().strip()).group(1))
    seen = []
    for n in range(1, total + 1):
        page.locator(".rs-progress", has_text=f"{n} / {total}").wait_for()
        page.wait_for_timeout(400)  # fonts and the QR image settle
        page.screenshot(path=str(SHOTS / f"cards_{width}x{height}_{n}.png"))
        box = card.bounding_box()
        assert box["y"] + box["height"] <= height and box["width"] >= width * 0.9
        for name in ("◀ 上一项", "下一项 ▶", "退出演示"):
            _whole(page, page.get_by_role("button", name=name), width, height)
        # nothing overflows the card: the last advantage and the terms are inside it
        bottom = box["y"] + box["height"]
        for part in (".rs-adv li", ".rs-terms", ".rs-contact"):
            for el in page.locator(part).all():
                b = el.bounding_box()
                assert b["y"] + b["height"] <= bottom, (part, n)
        title = page.locator(".rs-title").evaluate(LINES_JS)
        assert title["split"] == [], title  # no word broken across lines
        if len(title["lines"]) > 1:  # the last line is not a stub of two or three characters
            assert len(title["lines"][-1]) >= 4, title["lines"]
        for adv in page.locator(".rs-adv li").all():
            assert adv.evaluate(LINES_JS)["split"] == []
        texts = page.locator(".rs-adv li").all_inner_texts()
        assert len(texts) == 3 and len(set(texts)) == 3
        seen.append((page.locator(".rs-chips .rs-trl").inner_text(), tuple(texts)))
        if n < total:
            page.get_by_role("button", name="下一项 ▶").click()
    # the demo's cards differ from each other, and none promises a demonstration below TRL 7
    assert len({adv for _trl, adv in seen}) == total
    for trl, adv in seen:
        if int(trl.removeprefix("TRL ")) < 7:
            assert not any("演示" in a for a in adv), (trl, adv)
    context.close()


def test_the_presenter_downloads_the_deck(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "presenter", path="presenter")
    page.get_by_role("button", name="开始演示").wait_for()
    for name, suffix, magic in (("下载 PPT 路演稿", ".pptx", b"PK"), ("下载 PDF 路演稿", ".pdf", b"%PDF")):
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name=name).click()
        download = info.value
        assert download.suggested_filename.endswith(suffix)
        with open(download.path(), "rb") as fh:
            assert fh.read(4).startswith(magic)
    shot(page, "presenter_setup")


def test_the_disclosure_form_previews_the_card_as_it_is_typed(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "zju_officer", path="my_results")
    frame = page.frame_locator("iframe[title='st.iframe']").first.frame_locator("#card")
    # each field as a user fills it: type, leave it, see the card follow
    page.get_by_role("textbox", name="成果名称").fill("一种用于纺织车间的低成本布面瑕疵在线检测装置")
    page.keyboard.press("Tab")
    frame.locator(".rs-title", has_text="布面瑕疵在线检测装置").wait_for(timeout=30_000)
    page.get_by_role("textbox", name="一句话介绍（路演卡片）").fill("装在织机上的摄像头，边织边找布面毛病")
    page.keyboard.press("Tab")
    expect(frame.locator(".rs-summary")).to_have_text("装在织机上的摄像头，边织边找布面毛病", timeout=30_000)
    advantages = page.get_by_role("textbox", name=re.compile("核心优势"))
    advantages.fill("检出率98%\n每台织机加装成本不到两千元\n已在企业现场试用")
    advantages.blur()
    frame.locator(".rs-adv li", has_text="每台织机加装成本不到两千元").wait_for(timeout=30_000)
    assert frame.locator(".rs-adv li").all_inner_texts() == ["检出率98%", "每台织机加装成本不到两千元", "已在企业现场试用"]
    expect(frame.locator(".rs-inst")).to_have_text(re.compile("浙江大学$"))
    page.wait_for_timeout(500)
    shot(page, "disclosure_preview")


LONG_TITLES = (
    "一种基于深度学习的纺织品表面瑕疵在线视觉检测系统及其在印染车间的应用",
    "锂离子电池高镍正极材料表面包覆改性方法及其产业化应用（第二代）",
    "面向中小企业的轻量化制造执行系统软件（产业化版）",
    "一种高导热石墨烯复合散热膜及其制备方法及其应用",
    "基于CAR-T的实体瘤细胞治疗制备工艺（改进型）",
)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_long_titles_wrap_between_words_with_no_stub_line(browser, width: int, height: int) -> None:  # noqa: ANN001
    """The card's own HTML and CSS, long titles and the longest texts the form allows."""
    from portal.roadshows.cards import preview_card
    from portal.ui.roadshows import PRESENTER_CSS, card_html

    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    for n, title in enumerate(LONG_TITLES):
        card = preview_card(title=title, field="ai", trl=6, institution="浙江大学宁波“五位一体”校区研究院",
                            summary="装" * 30 + "在织机上的摄像头，边织边找布面毛病" + "好" * 12,
                            advantages="检出率98%，漏检率低于千分之五，误报少\n每台织机加装成本不到两千元，一天装完\n"
                                       "已在绍兴三家印染企业现场试用半年",
                            trial_months=12, max_licensees=3, roadshow_title="杭州“先用后转”人工智能专场路演")
        page.set_content(f"<html><body style='margin:0'>{PRESENTER_CSS}{card_html(card, None)}</body></html>")
        page.wait_for_timeout(200)
        title_lines = page.locator(".rs-title").evaluate(LINES_JS)
        assert title_lines["split"] == [], title_lines
        assert len(title_lines["lines"]) == 1 or len(title_lines["lines"][-1]) >= 4, title_lines["lines"]
        for part in (".rs-summary", ".rs-adv li"):
            for el in page.locator(part).all():
                assert el.evaluate(LINES_JS)["split"] == [], (part, el.inner_text())
        card_box = page.locator(".rs-card").bounding_box()
        last = page.locator(".rs-adv li").last.bounding_box()
        assert last["y"] + last["height"] <= card_box["y"] + card_box["height"], (width, title)
        page.screenshot(path=str(SHOTS / f"cards_long_{width}x{height}_{n}.png"))
    context.close()
