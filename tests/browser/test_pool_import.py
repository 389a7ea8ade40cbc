"""The Excel round trip in chromium: template download, a bad file refused with its error sheet,
a good file imported with the progress bar; and the pool's row selection opening the details."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


def _file(tmp_path, name: str, trl) -> str:  # noqa: ANN001
    from portal.core.validation import patent_check_char
    from portal.pool import excel

    digits = "209710777001"
    wb = Workbook()
    ws = wb.active
    ws.append(excel.headers())
    ws.append([f"{digits}.{patent_check_char(digits)}", "发明专利", "浏览器导入的成果", "张三", CODE[0], "",
               "新材料", trl, "摘要", "导入", "否", date(2022, 1, 1), "", 12, "", "是", "面议"])
    path = tmp_path / name
    wb.save(path)
    return str(path)


CODE: list[str] = []


def test_import_refuses_a_bad_file_then_imports_a_good_one(live_server: str, page, tmp_path) -> None:  # noqa: ANN001
    sign_in(page, live_server, "hz_operator", path="pool_import")
    page.get_by_text("用 Excel 批量登记或更新成果").first.wait_for()
    with page.expect_download() as info:
        page.get_by_role("button", name="下载导入模板").click()
    template = load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).worksheets[0]
    assert template.cell(1, 3).value == "成果名称"
    # the licensor's credit code, read back from an export of the pool
    page.get_by_role("button", name="生成导出文件").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="导出 Excel").click()
    export = load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).worksheets[0]
    CODE[:] = [next(row[4] for row in export.iter_rows(min_row=2, values_only=True) if row[5] == "浙江大学")]

    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(_file(tmp_path, "bad.xlsx", 12))
    page.get_by_role("button", name="开始导入").click()
    page.get_by_text("未导入任何数据").first.wait_for()
    with page.expect_download() as info:
        page.get_by_role("button", name="下载错误清单").click()
    errors = load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).worksheets[0]
    assert [c.value for c in errors[2]][:2] == [2, "技术成熟度（TRL 1–9）"]
    shot(page, "pool_import_errors")

    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(_file(tmp_path, "good.xlsx", 6))
    page.get_by_text("good.xlsx").first.wait_for()  # the uploader holds the new file
    page.get_by_text("未导入任何数据").first.wait_for(state="hidden")  # the upload's own rerun has finished
    page.wait_for_timeout(500)
    page.get_by_role("button", name="开始导入").click()
    page.get_by_text("导入完成：新增 1 项").first.wait_for(timeout=60_000)


def test_selecting_a_pool_row_opens_its_details(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "ent_demo", path="pool")
    page.get_by_text("点选表格中的一行查看成果详情。").first.wait_for()
    grid = page.get_by_test_id("stDataFrame").first
    grid.wait_for()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 36 + 18)
    page.get_by_text("试用名额").first.wait_for()
    page.get_by_text("试用条件：").first.wait_for()
    shot(page, "pool_detail")
