"""The settings, audit, budgets and home pages ask the tables what to show (issue 14)."""

from __future__ import annotations

from db.models.enums import Role
from portal.admin.users import add_user
from portal.core.actor import SYSTEM
from tests.pages.conftest import signed_in, texts


def _open(username: str, page: str):  # noqa: ANN202
    at = signed_in(username)
    at.switch_page(f"../pages/{page}").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def test_the_province_sets_floors_and_compares_cities_a_city_edits_its_own(app) -> None:  # noqa: ANN001
    province = _open("zj_admin", "settings.py")
    assert {"全省下限", "各市设置对比"} <= {h.value for h in province.subheader}
    assert len(next(s for s in province.selectbox if s.label == "编辑城市").options) == 11
    city = _open("hz_operator", "settings.py")
    assert "全省下限" not in {h.value for h in city.subheader} and "杭州市 政策设置" in texts(city)
    assert not [s for s in city.selectbox if s.label == "编辑城市"]


def test_the_audit_trail_is_paged(app) -> None:  # noqa: ANN001
    at = _open("zj_admin", "audit.py")
    assert "条记录" in texts(at)


def test_only_those_who_may_set_budgets_get_the_form(own_demo) -> None:  # noqa: ANN001
    add_user(actor=SYSTEM, username="hz_plain", display_name="杭州普通专员", password="Plain1234",
             role=Role.CITY_OPERATOR, agency_id=signed_in("hz_operator").session_state["actor"].agency_id)
    assert "设置预算" in {h.value for h in _open("hz_operator", "budgets.py").subheader}
    assert "设置预算" not in {h.value for h in _open("hz_plain", "budgets.py").subheader}
    assert "设置预算" not in {h.value for h in _open("hz_manager", "budgets.py").subheader}


def test_a_presenter_home_shows_its_roadshows_only(app) -> None:  # noqa: ANN001
    assert [m.label for m in signed_in("presenter").metric] == ["已发布路演"]
