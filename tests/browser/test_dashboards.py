"""The province dashboard in chromium: charts with Chinese labels, the map, and the funnel's data
downloaded as .xlsx and CSV."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


def test_dashboard_funnel_downloads_and_map(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "zj_manager", path="dashboard")
    page.get_by_role("tab", name="11 个设区市对比").wait_for()
    page.locator("canvas, svg").first.wait_for()
    # the funnel and the open tab's two trends: charts stream in, wait for all of them
    page.wait_for_function("document.querySelectorAll('.vega-embed').length >= 3", timeout=30_000)
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 Excel").first.click()
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("环节", "成果数", "环节转化率")
    assert [r[0] for r in rows[1:]] == ["上架成果", "已对接", "试用", "已转化"]
    rate = sheet.cell(row=3, column=3)  # matched / listed: a number shown as a percentage, not text
    assert isinstance(rate.value, float) and rate.number_format == "0.0%"
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 CSV").first.click()
    text = info.value.path().read_bytes().decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][0] == "上架成果"
    with page.expect_download() as info:  # the monthly trends: every header in the reader's language
        page.get_by_role("button", name="下载 Excel").nth(1).click()
    header = next(load_workbook(io.BytesIO(info.value.path().read_bytes())).active.iter_rows(values_only=True))
    assert header == ("月份", "上架成果", "试用", "转化", "合作金额（元）")
    # the cities' tab is drawn when opened: the funnel stays, the map and the city bars come in
    page.get_by_role("tab", name="11 个设区市对比").click()
    page.get_by_text("示意图").first.wait_for(timeout=30_000)
    page.wait_for_function("document.querySelectorAll('.vega-embed').length >= 3", timeout=30_000)
    page.get_by_test_id("stVegaLiteChart").nth(2).wait_for()
    shot(page, "dashboard_province")
