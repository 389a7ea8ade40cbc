"""Claims, budgets, settings, dashboard and rankings pages on the demo data (AppTest)."""

from __future__ import annotations

import pytest

from tests.pages.conftest import tables, texts


def _open(at, page: str):  # noqa: ANN001, ANN202
    at.switch_page(f"../pages/{page}")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize(("username", "page"), [
    ("hz_operator", "claims.py"), ("zj_manager", "claims.py"), ("hz_manager", "budgets.py"),
    ("hz_operator", "dashboard.py"), ("zj_manager", "rankings.py"), ("hz_manager", "rankings.py"),
])  # the province admin's view of every page is in test_english_pages_have_no_raw_keys
def test_pages_render_for_each_reader(app, username: str, page: str) -> None:
    at = _open(app(username), page)
    assert at.title


def test_dashboard_shows_the_funnel_and_the_province_map(app) -> None:
    at = _open(app("zj_manager"), "dashboard.py")
    body = texts(at)
    for words in ("转化漏斗", "上架成果", "已对接", "试用", "已转化"):
        assert words in body
    assert [tab.label for tab in at.tabs] == ["月度趋势", "经费与预算", "即将到期的试用", "11 个设区市对比"]
    assert len(at.get("vega_lite_chart")) == 3  # the funnel and the open tab's two trends, nothing hidden
    assert [b.label for b in at.get("download_button")][:2] == ["下载 Excel", "下载 CSV"]
    charts = 3
    for tab, drawn in (("经费与预算", 1), ("即将到期的试用", 0), ("11 个设区市对比", 2)):
        at.session_state["dash_tab"] = tab
        at.run()
        assert not at.exception, at.exception
        assert len(at.get("vega_lite_chart")) == 1 + drawn, tab  # the funnel and this tab's charts
        charts += drawn
    assert "示意图" in texts(at)
    assert charts >= 6  # funnel, 2 trends, subsidies, map, city bars


def test_city_manager_sees_only_its_city(app) -> None:
    at = _open(app("hz_manager"), "dashboard.py")
    body = texts(at)
    assert "范围：杭州市" in body and "11 个设区市对比" not in body
    at = _open(app("hz_manager"), "claims.py")
    from portal.core.regions import counties

    hangzhou = {"杭州市", *[c.name_zh for c in counties("330100")]}
    frame = tables(at)[0]
    assert len(frame) and {cell.split(" ")[0] for cell in frame["预算"]} <= hangzhou


def test_settings_refuses_a_fee_rate_below_the_floor(app) -> None:
    at = _open(app("hz_operator"), "settings.py")
    assert "杭州市 政策设置" in texts(at)
    form_inputs = {ti.label: ti for ti in at.text_input}
    form_inputs["服务费比例"].input("4.5%")
    form_inputs["修改原因"].input("试图降低比例")
    next(b for b in at.button if b.label == "保存新版本").click().run()
    assert "【服务费比例】4.5% 低于全省下限 5%，不予保存。" in texts(at)


def test_province_admin_sees_every_city_side_by_side(app) -> None:
    at = _open(app("zj_admin"), "settings.py")
    overview = tables(at)[0]
    assert len(overview) == 11 and "宁波市" in set(overview["城市"])


@pytest.fixture
def small_world(sqlite_engine, monkeypatch):  # noqa: ANN001, ANN201
    """A fresh SQLite database with the Hangzhou/Ningbo casts, for page tests that change data."""
    from db import engine as db_engine
    from portal.core.settings import get_settings
    from tests.factories import build_world

    url = str(sqlite_engine.url)
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    get_settings.cache_clear()
    world = build_world()
    db_engine.configure(url)
    yield world
    get_settings.cache_clear()


def test_approval_over_budget_shows_the_figures_and_changes_nothing(small_world) -> None:
    from decimal import Decimal

    from db.models import Budget
    from portal.claims import filing, listing, review
    from portal.core.clock import today
    from tests.factories import save
    from tests.pages.conftest import signed_in
    from tests.test_claims import make_deal

    save(Budget(region_code="330100", city_code="330100", year=today().year, kind="service_fee",
                amount=Decimal("5000")))
    claim = filing.create_service_fee_claim(actor=small_world.hz.plain_operator,
                                            contract_id=make_deal(small_world.hz, "200000").id, submit=True)
    review.review_claim(actor=small_world.hz.operator, claim_id=claim.id)
    at = _open(signed_in("hz_op"), "claims.py")
    assert "已初审" in texts(at)
    next(b for b in at.button if b.label == "批准").click().run()
    assert ("批准后将超出预算：预算 ¥5,000.00，已批准 ¥0.00，本次申领 ¥10,000.00，超出 ¥5,000.00。"
            in texts(at))
    assert listing.get_claim(actor=small_world.hz.operator, claim_id=claim.id).status == "reviewed"


def test_an_agency_submits_a_fee_claim_once(small_world) -> None:
    from portal.claims import listing
    from tests.pages.conftest import signed_in
    from tests.test_claims import make_deal

    make_deal(small_world.hz, "100000")
    at = _open(signed_in("hz_op2"), "claims.py")
    at.tabs[1].radio[0].set_value("service_fee").run()
    form_button = next(b for b in at.button if b.label == "提交审核")
    form_button.click().run()
    assert "已提交，金额 ¥5,000.00。" in texts(at)
    assert listing.list_claims(actor=small_world.hz.plain_operator).total == 1
    assert "本机构暂无可申领服务费的已转化合同。" in texts(at)  # the deal is no longer offered


@pytest.mark.parametrize("page", ["claims.py", "budgets.py", "dashboard.py", "rankings.py", "settings.py"])
def test_english_pages_have_no_raw_keys(app, page: str) -> None:
    import re

    from tests.pages.conftest import signed_in

    at = _open(signed_in("zj_admin", lang="en"), page)
    body = texts(at)
    assert not re.findall(r"\b(?:claims|dash|rank|settings|budgets|policy)\.[a-z_]+\b", body)
    assert not re.search(r"[\u4e00-\u9fff]", at.title[0].value)
