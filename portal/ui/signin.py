"""Sign-in and sign-out through streamlit-authenticator, with accounts from the database."""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from portal.actor import Actor
from portal.auth import authenticator_credentials, load_actor
from portal.settings import get_settings
from portal.ui import lang, t
from portal.users import record_login


def _authenticator(credentials: dict) -> stauth.Authenticate:
    settings = get_settings()
    return stauth.Authenticate(
        credentials,
        cookie_name=settings.cookie_name,
        cookie_key=settings.resolved_cookie_key(),
        cookie_expiry_days=settings.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=settings.login_sleep_time,
    )


def _forget() -> None:
    for key in ("actor", "authentication_status", "username", "name", "roles", "email"):
        st.session_state.pop(key, None)


def signed_in_actor() -> Actor | None:
    """The actor of a signed-in session, with a logout button in the sidebar; None when signed out.

    The logout button is drawn before any login form (see STACK_NOTES: no st.rerun around the
    cookie component). A user disabled since signing in is signed out here.
    """
    if not st.session_state.get("authentication_status"):
        return None
    username = st.session_state.get("username") or ""
    current = load_actor(username, lang())
    if current is None:
        _authenticator({"usernames": {}}).logout(location="unrendered")
        _forget()
        st.session_state["signin_notice"] = "auth.disabled"
        return None
    st.session_state["actor"] = current
    with st.sidebar:
        st.caption(t("auth.signed_in_as", name=current.display_name, role=t(f"enum.role.{current.role}")))
        _authenticator({"usernames": {}}).logout(t("auth.logout"), location="sidebar", key="logout_button")
    if not st.session_state.get("authentication_status"):  # the button was just pressed
        _forget()
        return None
    return current


def sign_in_form() -> Actor | None:
    """Draw the login form; the actor when this run's submission (or cookie) signed someone in."""
    notice = st.session_state.pop("signin_notice", None)
    box = st.container(key="signin")
    with box:
        st.title(t("app.title"))
        st.caption(t("app.subtitle"))
        authenticator = _authenticator(authenticator_credentials())
        try:
            authenticator.login(
                location="main", key="login",
                fields={"Form name": t("auth.form_name"), "Username": t("auth.username"),
                        "Password": t("auth.password"), "Login": t("auth.login")},
            )
        except LoginError:
            st.session_state["authentication_status"] = False
    status = st.session_state.get("authentication_status")
    if status:
        current = load_actor(st.session_state.get("username") or "", lang())
        if current is None:
            authenticator.logout(location="unrendered")
            _forget()
            st.error(t("auth.disabled"))
            return None
        # Hide the spent form with CSS rather than removing it: the cookie component that
        # authenticator.login() just drew inside it must stay mounted to write the cookie.
        st.html("<style>.st-key-signin{display:none}</style>")
        record_login(current.username)
        st.session_state["actor"] = current
        return current
    if status is False:
        st.error(t("auth.bad_credentials"))
    elif notice:
        st.warning(t(notice))
    return None
