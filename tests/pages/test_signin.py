"""Sign-in edge cases through the real form: a disabled account, and a user disabled mid-session."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from db.models.enums import Role
from portal.admin.users import add_user, set_disabled
from portal.core.actor import SYSTEM
from tests.pages.conftest import APP, signed_in, texts


def _form_sign_in(username: str, password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def test_disabled_account_is_told_so(demo_db) -> None:  # noqa: ANN001
    add_user(actor=SYSTEM, username="retired_presenter", display_name="退休讲解员", password="Retired123",
             role=Role.PRESENTER, city_code="330100")
    set_disabled(actor=SYSTEM, username="retired_presenter", disabled=True)
    at = _form_sign_in("retired_presenter", "Retired123")
    assert "该账号已停用，请联系管理员。" in texts(at)
    assert not at.metric and "actor" not in at.session_state


def test_user_disabled_during_a_session_is_signed_out(demo_db) -> None:  # noqa: ANN001
    add_user(actor=SYSTEM, username="leaving_manager", display_name="离任管理员", password="Leaving123",
             role=Role.MANAGER, city_code="330200")
    at = signed_in("leaving_manager")
    assert at.metric
    set_disabled(actor=SYSTEM, username="leaving_manager", disabled=True)
    at.run()
    assert not at.metric
    assert "该账号已停用，请联系管理员。" in texts(at)
    assert [t.label for t in at.text_input] == ["用户名", "密码"]


def test_sign_out_shows_the_form_again(app) -> None:  # noqa: ANN001
    at = app("hz_manager")
    at.sidebar.button(key="logout_button").click().run()
    assert not at.exception
    assert not at.metric
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
