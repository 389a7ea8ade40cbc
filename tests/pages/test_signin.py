"""Sign-in edge cases through the real form: a disabled account, a user disabled mid-session,
guessing that makes the account wait (in every session) until an administrator lifts it, and a
cookie key too short to start with."""

from __future__ import annotations

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from db.engine import read_session
from db.models import UserAccount
from db.models.enums import Role
from portal.admin.users import add_user, set_disabled
from portal.core.actor import SYSTEM
from portal.core.auth import wait_ends_text
from portal.core.clock import fmt
from portal.core.settings import get_settings
from tests.markdown_cases import readable
from tests.pages.conftest import APP, signed_in, texts


def _submit(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def _form_sign_in(username: str, password: str) -> AppTest:
    return _submit(AppTest.from_file(APP, default_timeout=60).run(), username, password)


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


def test_guessing_through_the_form_makes_the_account_wait_until_an_administrator_lifts_it(own_demo) -> None:  # noqa: ANN001
    add_user(actor=SYSTEM, username="guessed_manager", display_name="被猜的管理员", password="Rightpw123",
             role=Role.MANAGER, city_code="330100")
    at = AppTest.from_file(APP, default_timeout=60).run()
    for n in range(1, 5):
        _submit(at, "guessed_manager", f"wrong{n}pw")
        assert [e.value for e in at.error] == ["用户名或密码不正确。"]
    _submit(at, "guessed_manager", "wrong5pw")
    with read_session() as s:
        until = s.exec(select(UserAccount.locked_until).where(UserAccount.username == "guessed_manager")).one()
    waiting = f"登录失败次数过多，账号已暂时锁定，请于 {wait_ends_text(until)} 后再试。"
    assert [e.value for e in at.error] == [waiting]
    _submit(at, "guessed_manager", "Rightpw123")  # the right password, same session …
    assert [e.value for e in at.error] == [waiting] and not at.metric
    assert [e.value for e in _form_sign_in("guessed_manager", "Rightpw123").error] == [waiting]  # … and a new one

    admin = signed_in("zj_admin")
    admin.switch_page("../pages/users.py").run()
    assert fmt(until).endswith(wait_ends_text(until)[-5:]) and fmt(until) in texts(admin)  # the list says until when
    admin.selectbox(key="change_target").set_value("guessed_manager").run()
    action = next(r for r in admin.radio if r.label == "操作")
    assert "解除登录锁定" in action.options
    action.set_value("unlock")
    next(b for b in admin.button if b.label == "执行").click().run()
    assert "已更新用户 guessed_manager。" in texts(admin)

    at = _form_sign_in("guessed_manager", "Rightpw123")
    assert not at.error and at.metric  # signed in: the home page's figures


def test_the_unlock_action_is_offered_only_for_a_waiting_account(own_demo) -> None:  # noqa: ANN001
    admin = signed_in("zj_admin")
    admin.switch_page("../pages/users.py").run()
    admin.selectbox(key="change_target").set_value("hz_operator").run()
    action = next(r for r in admin.radio if r.label == "操作")
    assert action.options and "解除登录锁定" not in action.options


def test_a_short_cookie_key_stops_the_app_with_a_message(demo_db, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PORTAL_COOKIE_KEY", "short")
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("PORTAL_COOKIE_KEY 只有 5 字节，至少需要 32 字节" in readable(e.value) for e in at.error)
    assert not at.text_input  # no sign-in form
