"""The user admin page: one city's organizations at a time, and refusals that name the field."""

from __future__ import annotations

from db.models.enums import Role
from tests.pages.conftest import texts


def test_province_admin_binds_an_operator_to_an_agency_of_the_chosen_city(app) -> None:  # noqa: ANN001
    at = app("zj_admin")
    at.switch_page("../pages/users.py").run()
    role = next(s for s in at.selectbox if s.label == "角色")
    role.set_value(Role.CITY_OPERATOR).run()
    city = next(s for s in at.selectbox if s.label == "城市")
    city.set_value("330200").run()
    agency = next(s for s in at.selectbox if s.label == "运营机构")
    assert agency.options and all("宁波" in o for o in agency.options)


def test_a_weak_password_is_refused_naming_the_field(app) -> None:  # noqa: ANN001
    at = app("hz_operator")
    at.switch_page("../pages/users.py").run()
    form_inputs = {t.label: t for t in at.text_input}
    form_inputs["用户名"].input("new_hz_user")
    form_inputs["姓名"].input("新同事")
    form_inputs["密码"].input("short")
    next(b for b in at.button if b.label == "新增用户").click().run()
    assert "【密码】至少 8 位，且包含字母和数字。" in texts(at)
    assert "new_hz_user" not in texts(at)
