"""Every download a page offers (AppTest on the demo data with formulas planted in every user text
column through the services): the bytes its button would hand over hold no formula and no
unguarded formula text, keep the visible text behind the guard, and carry money, shares and dates
as typed cells."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pytest
import streamlit
from openpyxl import load_workbook
from streamlit.delta_generator import DeltaGenerator

from portal.admin.settings import save_city_policy
from portal.admin.users import add_user
from portal.claims import filing
from portal.core.auth import actor_from_user, load_actor
from portal.core.policy import current_policy
from portal.core.spreadsheet import MONEY, PERCENT, PERCENT_1, unguard
from portal.core.validation import printable
from tests.pages.conftest import signed_in
from tests.test_exports import PAYLOADS, live, plant_for

# the payloads as text fields keep them (stripped) and as names keep them (a lone CR a line break),
# lower-cased (a result number is upper-cased and numbered after its payload), cut to a phone's 20
NUMBER = re.compile(r"-?\d+(\.\d+)?%?")
TYPED = tuple({printable(p).strip().lower() for p in PAYLOADS} | {printable(p)[:20].lower() for p in PAYLOADS})


@dataclass
class Download:
    """One download button: its label, file name and the bytes it hands over."""

    label: str
    file_name: str
    data: bytes


@pytest.fixture
def offered(monkeypatch: pytest.MonkeyPatch) -> list[Download]:
    """Every download button pages draw from now on, with its bytes (built as a click would)."""
    seen: list[tuple[str, str, object]] = []
    real = DeltaGenerator.download_button

    def spy(self, label, data=None, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append((label, kwargs.get("file_name") or (args[0] if args else ""), data))
        return real(self, label, data, *args, **kwargs)

    main = streamlit.download_button.__self__
    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    monkeypatch.setattr(streamlit, "download_button", lambda *a, **k: spy(main, *a, **k))

    class Offered(list):
        def take(self) -> list[Download]:
            out = [Download(label, name, data() if callable(data) else data) for label, name, data in seen]
            seen.clear()
            return out

    return Offered()


@pytest.fixture
def planted(own_demo) -> None:  # noqa: ANN001
    """The formulas in Hangzhou's records, a claim filed under one and a city label set to one."""
    operator = load_actor("hz_operator")
    plant_for(operator)
    admin = load_actor("zj_admin")
    for i, payload in enumerate(PAYLOADS):
        user = add_user(actor=admin, username=f"payload{i}", display_name=payload, password="Payload@2026x",
                        role="city_operator", agency_id=operator.agency_id)
        filing.create_subsidy_claim(actor=actor_from_user(user), programme=payload, amount="12000.5",
                                    period_start="2026-01-01", period_end="2026-06-30", justification="路演")
    policy = current_policy("330100")
    save_city_policy(actor=admin, city_code="330100", reason="导出测试", data={
        **policy.model_dump(), "labels": {**policy.labels, "scheme": PAYLOADS[0]}})


def cells(download: Download) -> list[tuple[object, str, str]]:
    """Every cell of a download as (value, type, number format); a CSV's cell is a number when it
    reads as one."""
    if download.file_name.endswith(".csv"):
        rows = csv.reader(io.StringIO(download.data.decode("utf-8-sig")))
        return [(v, "n" if NUMBER.fullmatch(v) else "s", "") for row in rows for v in row]
    sheet = load_workbook(io.BytesIO(download.data)).worksheets[0]
    return [(c.value, c.data_type, c.number_format) for row in sheet.iter_rows() for c in row]


def payload_cells(download: Download) -> int:
    """How many cells of download hold a planted formula; each must be guarded, its text kept."""
    found = 0
    for value, kind, _ in cells(download):
        assert kind != "f" and (kind == "n" or not live(value)), (download.file_name, value)  # -5 is a number
        if isinstance(value, str) and value != unguard(value) and unguard(value).lower().startswith(TYPED):
            found += 1
    return found


def _open(username: str, page: str):  # noqa: ANN202
    at = signed_in(username)
    at.switch_page(f"../pages/{page}")
    at.run()
    assert not at.exception, at.exception
    return at


def test_every_table_download_is_safe_and_typed(planted, offered) -> None:  # noqa: ANN001
    counts: dict[str, int] = {}
    formats: dict[str, set[str]] = {}
    for username, page in (("hz_operator", "claims.py"), ("hz_manager", "budgets.py"),
                           ("hz_operator", "dashboard.py"), ("zj_manager", "dashboard.py"),
                           ("zj_admin", "settings.py"), ("hz_operator", "three_year.py")):
        at = _open(username, page)
        if page == "three_year.py":  # the planted results are listed, and should have been long ago
            at.checkbox(key="three_listed").check().run()
        downloads = offered.take()
        if page == "dashboard.py":  # each tab below the funnel offers its own tables when opened
            for tab in at.tabs[1:]:
                at.session_state["dash_tab"] = tab.label
                at.run()
                downloads += offered.take()
        assert downloads, page
        for d in downloads:
            counts[f"{page}:{d.file_name}"] = payload_cells(d)
            formats[f"{page}:{d.file_name}"] = {f for _, kind, f in cells(d) if kind in ("n", "d")}
        del at
    at = _open("zj_manager", "rankings.py")
    at.radio[0].set_value("institution").run()
    for d in offered.take():
        counts[f"rankings.py:{d.file_name}"] = payload_cells(d)
    # the user text each table shows, in its .xlsx and CSV: claims (programme, who filed it),
    # the trials ending (result, licensee), the city labels, the three-year list (number, title,
    # institution), the institutions' activity ranking
    for name, least in (("claims.py:claims", 2 * len(PAYLOADS)), ("dashboard.py:trials_ending", 2 * len(PAYLOADS)),
                        ("settings.py:city-settings", 1), ("three_year.py:三年未转化成果", 3 * len(PAYLOADS)),
                        ("rankings.py:activity-institution", len(PAYLOADS))):
        found = {k: v for k, v in counts.items() if k.startswith(name)}
        assert found and all(v >= least for v in found.values()), (name, found)
    print("payload cells per download:", counts)  # the report's figures (pytest -s)
    # money, shares and dates are typed cells with their formats
    assert {MONEY, PERCENT} <= formats["claims.py:claims.xlsx"]
    assert {MONEY, PERCENT_1} <= formats["budgets.py:budgets-" + next(
        k.split("budgets-")[1] for k in formats if k.startswith("budgets.py:") and k.endswith(".xlsx"))]
    assert MONEY in formats["dashboard.py:trends.xlsx"] and PERCENT_1 in formats["dashboard.py:funnel.xlsx"]
    assert PERCENT in formats["settings.py:city-settings.xlsx"]
    assert "yyyy-mm-dd" in formats["three_year.py:三年未转化成果.xlsx"]


def test_the_service_exports_a_page_offers_are_safe(planted, offered) -> None:  # noqa: ANN001
    at = _open("hz_operator", "pool_import.py")
    next(b for b in at.button if b.label == "生成导出文件").click().run()
    at = _open("hz_operator", "contracts.py")
    at = _open("hz_operator", "demands.py")
    next(b for b in at.button if b.label == "生成导出文件").click().run()
    counts = {d.file_name.split("-")[0]: payload_cells(d) for d in offered.take()
              if d.file_name.endswith((".xlsx", ".csv")) and "模板" not in d.file_name and "template" not in d.file_name}
    print("payload cells per download:", counts)
    assert counts["成果池.xlsx"] >= 7 * len(PAYLOADS) and counts["网上技术市场成果.csv"] >= 8 * len(PAYLOADS)
    assert counts["contracts"] >= 12 * len(PAYLOADS) and counts["demands"] >= 3 * len(PAYLOADS)
