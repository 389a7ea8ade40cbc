"""Contracts in chromium: from the expiry list to a trial's page, its .docx download, and the
contracts list's deferred .xlsx export."""

from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


def test_expiring_trial_opens_and_its_document_downloads(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "hz_operator", path="expiring")
    page.get_by_text("试用期在 30 天内结束的合同").first.wait_for()
    shot(page, "contracts_expiring")
    page.get_by_role("link", name="打开合同").first.click()
    page.get_by_text("风险提示").first.wait_for()
    number = page.get_by_role("textbox", name="合同编号").input_value()
    assert number.startswith("XYSY-3301-")
    page.get_by_role("button", name="生成合同文本（.docx）").click()
    with page.expect_download() as info:
        page.get_by_role("button", name=f"下载 {number}.docx").click()
    text = "\n".join(p.text for p in Document(info.value.path()).paragraphs)
    assert number in text and "{" not in text and "普通许可" in text
    shot(page, "contracts_detail")


def test_contracts_list_exports_xlsx(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "hz_operator", path="contracts")
    page.get_by_text("份合同").first.wait_for()
    export = page.get_by_role("button", name="导出 Excel")
    expect(export).to_have_count(1, timeout=30_000)  # the sign-in run's elements are gone
    with page.expect_download() as info:
        export.click()
    rows = list(load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).worksheets[0].values)
    assert rows[0][0] == "合同编号" and len(rows) > 10
    assert all(r[10] == "杭州市" for r in rows[1:])  # the city by name, not its code
    shot(page, "contracts_list")
