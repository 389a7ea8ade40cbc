"""The sign-in gate: streamlit-authenticator with accounts from the database.

One Authenticate object per run: each one draws a cookie component with a fixed key, so a
second one in the same run would clash. No st.rerun() around sign-in or sign-out (STACK_NOTES):
the cookie component must get to load in the run that sets or deletes the cookie.
"""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from portal.admin.users import record_login
from portal.core.actor import Actor
from portal.core.auth import authenticator_credentials, load_actor, role_label
from portal.core.settings import get_settings
from portal.ui import lang, t, tmd

_STATE_KEYS = ("actor", "authentication_status", "username", "name", "roles", "email")


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
    for key in _STATE_KEYS:
        st.session_state.pop(key, None)


def _signed_in(authenticator: stauth.Authenticate) -> Actor | None:
    """The actor of a signed-in session with a sign-out button; None if it just ended."""
    current = load_actor(st.session_state.get("username") or "", lang())
    if current is None:  # disabled (or removed) since signing in
        authenticator.logout(location="unrendered")
        _forget()
        st.session_state["signin_notice"] = "auth.disabled"
        return None
    st.session_state["actor"] = current
    with st.sidebar:
        st.caption(tmd("auth.signed_in_as", name=current.display_name, role=role_label(current, lang())))
    authenticator.logout(t("auth.logout"), location="sidebar", key="logout_button")
    if not st.session_state.get("authentication_status"):  # the button was pressed in this run
        _forget()
        return None
    return current


def _form(authenticator: stauth.Authenticate) -> Actor | None:
    """Draw the login form; the actor when this run's submission (or cookie) signed someone in."""
    notice = st.session_state.pop("signin_notice", None)
    with st.container(key="signin"):
        st.title(t("app.title"))
        st.caption(t("app.subtitle"))
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
        if current is None:  # right password, disabled account
            authenticator.logout(location="unrendered")
            _forget()
            st.error(t("auth.disabled"))
            return None
        # Hide the spent form with CSS rather than removing it: the cookie component that
        # authenticator.login() just drew inside it must stay mounted to write the cookie.
        st.html("<style>.st-key-signin{display:none}</style>")
        record_login(actor=current)
        st.session_state["actor"] = current
        return current
    if status is False:
        st.error(t("auth.bad_credentials"))
    elif notice:
        st.warning(t(notice))
    return None


def sign_in_gate(*, form: bool = True) -> Actor | None:
    """The signed-in actor, or None. Signed out, the login form is drawn unless form=False
    (public pages). A signed-in run loads only its own account, not every password hash."""
    signed_in = bool(st.session_state.get("authentication_status"))
    if signed_in:
        username = st.session_state.get("username") or ""
        credentials = {"usernames": {username: {"name": username, "password": "", "roles": []}}}
        authenticator = _authenticator(credentials)
        current = _signed_in(authenticator)
        if current is not None or not form:
            return current
        return _form(authenticator)  # signed out in this run: offer the form again
    authenticator = _authenticator(authenticator_credentials())
    return _form(authenticator) if form else None
