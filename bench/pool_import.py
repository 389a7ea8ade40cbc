"""Time an import of N result rows (default 5,000) and the export of them, on a fresh SQLite
database (or PORTAL_BENCH_URL). Usage: python bench/pool_import.py [N]."""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import db.models  # noqa: E402,F401
from db import engine as db_engine  # noqa: E402
from db.models import Organization  # noqa: E402
from db.reference import ensure_regions  # noqa: E402
from portal.core.actor import SYSTEM  # noqa: E402
from portal.core.validation import credit_check_char, patent_check_char  # noqa: E402
from portal.pool import excel  # noqa: E402


def main(n: int) -> None:
    url = os.environ.get("PORTAL_BENCH_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    eng = db_engine.configure(url)
    SQLModel.metadata.create_all(eng)
    body = "12330100000000001"
    org = Organization(name="基准大学", kind="university", credit_code=body + credit_check_char(body), city_code="330100")
    with Session(eng) as s:
        ensure_regions(s)
        s.add(org)
        s.commit()
        code = org.credit_code
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("成果")
    ws.append(excel.headers())
    for i in range(n):
        digits = f"2024{1}{i:07d}"
        ws.append([f"{digits}.{patent_check_char(digits)}", "发明专利", f"一种基准测试成果{i}", "张三", code, "",
                   "新材料", 5, "摘要" * 40, "材料,测试", "是", date(2022, 1, 1), "", 12, 3, "是", "面议"])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    t0 = time.perf_counter()
    report = excel.import_results(actor=SYSTEM, data=data, city_code="330100")
    t1 = time.perf_counter()
    again = excel.import_results(actor=SYSTEM, data=data, city_code="330100")
    t2 = time.perf_counter()
    print(f"import {n} rows: {t1 - t0:.2f} s ({report}); re-import unchanged: {t2 - t1:.2f} s ({again})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
