"""The language a user chose is kept in the URL (a reload, a shared link) and Streamlit's own words
follow it where a parameter reaches them: select boxes' placeholders, a multiselect's "Select all"."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import APP, texts


def _open(query: dict[str, str] | None = None, *, username: str = "hz_operator") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_link_with_lang_en_opens_in_english_and_keeps_it(demo_db) -> None:
    at = _open({"lang": "en"})
    assert "Hello, 杭州运营专员" in texts(at)
    assert at.toggle(key="lang_toggle").value is True
    assert at.query_params["lang"] == "en"
    at.switch_page("../pages/account.py").run()  # a page switch: the URL says English again
    assert "My account" in texts(at) and at.query_params.get("lang") == "en"


def test_switching_to_english_puts_it_in_the_url_and_back_removes_it(demo_db) -> None:
    at = _open()
    assert "lang" not in at.query_params
    at.toggle(key="lang_toggle").set_value(True).run()
    assert at.query_params["lang"] == "en" and "Hello, 杭州运营专员" in texts(at)
    at.toggle(key="lang_toggle").set_value(False).run()
    assert "lang" not in at.query_params and "您好，杭州运营专员" in texts(at)


def test_an_unknown_language_in_the_url_is_the_default(demo_db) -> None:
    at = _open({"lang": "fr"})
    assert at.toggle(key="lang_toggle").value is False and "您好，杭州运营专员" in texts(at)


def test_select_boxes_speak_the_users_language(demo_db) -> None:
    def page() -> None:
        import streamlit as st

        from portal.ui import remember_language
        from portal.ui.language import speak_streamlit

        speak_streamlit()
        remember_language(st.session_state["lang"])
        st.selectbox("空的", [], key="empty")
        st.selectbox("未选", ["甲", "乙"], index=None, key="unset")
        st.multiselect("多选", ["甲", "乙", "丙"], key="many")
        left, _ = st.columns(2)
        left.selectbox("列里的", [], key="in_column")
        st.selectbox("自己的", [], placeholder="自定义", key="own")

    for lang, empty, unset in (("zh", "没有可选项", "请选择"), ("en", "No options to select", "Choose an option")):
        at = AppTest.from_function(page)
        at.session_state["lang"] = lang
        at.run()
        assert not at.exception, at.exception
        assert at.selectbox(key="empty").proto.placeholder == empty
        assert at.selectbox(key="in_column").proto.placeholder == empty
        assert at.selectbox(key="unset").proto.placeholder == unset
        assert at.selectbox(key="own").proto.placeholder == "自定义"
        many = at.multiselect(key="many").proto
        assert many.placeholder in ("请选择（可多选）", "Choose options")


def test_portal_serve_gives_streamlit_the_portals_upload_limit(monkeypatch) -> None:  # noqa: ANN001
    import argparse

    from portal.cli import serve_cmd
    from portal.core.settings import get_settings

    monkeypatch.setenv("PORTAL_MAX_ATTACHMENT_MB", "12")
    get_settings.cache_clear()
    started: list[list[str]] = []
    monkeypatch.setattr(serve_cmd.os, "execve", lambda _exe, cmd, _env: started.append(cmd))
    try:
        serve_cmd._run_streamlit(argparse.Namespace(port=8599, host="127.0.0.1"))
    finally:
        get_settings.cache_clear()
    cmd = started[0]
    assert cmd[cmd.index("--server.maxUploadSize") + 1] == "12"
