"""The operator's deck downloads in chromium: the PDF and PPTX buttons hand over real files."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

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
