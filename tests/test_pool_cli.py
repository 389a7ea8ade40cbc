"""`portal import results`, `portal export results` and `portal tick` (SQLite; the services are
tested on both databases elsewhere)."""

from __future__ import annotations

from datetime import date, timedelta

from openpyxl import load_workbook
from sqlmodel import Session, func, select

from db.models import PublicNotice, Result
from portal.cli import main
from tests.factories import make_org, make_result, save
from tests.test_pool_rules import row, workbook


def test_import_export_and_tick_from_the_command_line(sqlite_engine, tmp_path, capsys) -> None:  # noqa: ANN001
    url = str(sqlite_engine.url)
    uni = make_org("命令行大学", "university", "330100")
    good = tmp_path / "ok.xlsx"
    good.write_bytes(workbook([row(uni.credit_code), row(uni.credit_code)]))
    assert main(["import", "results", str(good), "--city", "杭州", "--database-url", url]) == 0
    assert "新增 2 项" in capsys.readouterr().out

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([row(uni.credit_code), row(uni.credit_code, result_trl="九")]))
    assert main(["--lang", "en", "import", "results", str(bad), "--city", "330100", "--database-url", url]) == 2
    out = capsys.readouterr()
    assert "nothing was imported" in out.err and "Readiness" in out.out
    errors = load_workbook(tmp_path / "bad.errors.xlsx").worksheets[0]
    assert [c.value for c in errors[2]][:2] == [3, "Readiness (TRL 1–9)"]
    with Session(sqlite_engine) as s:
        assert s.exec(select(func.count()).select_from(Result)).one() == 2

    listed = make_result(uni, title="命令行上架成果")
    out_xlsx, out_csv = tmp_path / "pool.xlsx", tmp_path / "market.csv"
    assert main(["export", "results", str(out_xlsx), "--database-url", url]) == 0
    assert main(["export", "results", str(out_csv), "--city", "杭州", "--database-url", url]) == 0
    assert load_workbook(out_xlsx).worksheets[0].cell(2, 3).value == listed.title
    assert out_csv.read_text(encoding="utf-8-sig").startswith("成果名称,成果类型,专利号/登记号")

    pending = make_result(uni, status="notice", title="公示中的成果")
    save(PublicNotice(result_id=pending.id, city_code="330100", days=15, start_date=date(2026, 1, 1),
                      end_date=date(2026, 1, 16)))
    day = (date(2026, 1, 16)).isoformat()
    assert main(["tick", "--date", day, "--database-url", url]) == 0
    assert "advance_notices：1" in capsys.readouterr().out
    assert main(["tick", "--date", (date(2026, 1, 16) + timedelta(days=1)).isoformat(), "--database-url", url]) == 0
    assert "advance_notices：0" in capsys.readouterr().out
    with Session(sqlite_engine) as s:
        assert s.get(Result, pending.id).status == "listed"
