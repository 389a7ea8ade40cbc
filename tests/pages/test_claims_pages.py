"""Claims, budgets, settings, dashboard and rankings pages on the demo data (AppTest)."""

from __future__ import annotations

import pytest

from tests.pages.conftest import tables, texts


def _open(at, page: str):  # noqa: ANN001, ANN202
    at.switch_page(f"../pages/{page}")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("username", ["zj_admin", "hz_operator", "hz_manager", "zj_manager"])
@pytest.mark.parametrize("page", ["claims.py", "budgets.py", "dashboard.py", "rankings.py"])
def test_pages_render_for_each_reader(app, username: str, page: str) -> None:
    at = _open(app(username), page)
    assert at.title


def test_dashboard_shows_the_funnel_and_the_province_map(app) -> None:
    at = _open(app("zj_manager"), "dashboard.py")
    body = texts(at)
    for words in ("转化漏斗", "上架成果", "已对接", "试用", "已转化", "月度趋势", "11 个设区市对比", "示意图"):
        assert words in body
    assert len(at.get("vega_lite_chart")) >= 6  # funnel, 2 trends, subsidies, map, city bars
    assert [b.label for b in at.get("download_button")][:2] == ["下载 Excel", "下载 CSV"]


def test_city_manager_sees_only_its_city(app) -> None:
    at = _open(app("hz_manager"), "dashboard.py")
    body = texts(at)
    assert "范围：杭州市" in body and "11 个设区市对比" not in body
    at = _open(app("hz_manager"), "claims.py")
    frame = tables(at)[0]
    assert set(frame["运营机构"]) <= {a for a in frame["运营机构"] if "杭州" in a or "浙" in a}


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
