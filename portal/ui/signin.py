"""The sign-in gate: our form checks the password (`portal.core.auth.sign_in`, guessing bounded
per account); streamlit-authenticator keeps the session in its cookie and signs out.

The authenticator's own login form is not used: it counts failures per browser session only, and
a new session is free to open. One Authenticate object per run: each one draws a cookie component
with a fixed key, so a second one in the same run would clash. No st.rerun() around sign-in or
sign-out (STACK_NOTES): the cookie component must get to load in the run that sets or deletes the
cookie.
"""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from portal.admin.users import record_login
from portal.core.actor import Actor
from portal.core.auth import (
    SignInRefused,
    authenticator_credentials,
    load_actor,
    role_label,
    sign_in,
)
from portal.core.errors import PortalError
from portal.core.settings import get_settings
from portal.ui import lang, t, tmd

_STATE_KEYS = ("actor", "authentication_status", "username", "name", "roles", "email")
_REFUSAL = "signin_refusal"  # the answer to the last try, shown until the next one


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
    st.session_state.pop("actor", None)
    for key in _STATE_KEYS[1:]:  # the authenticator reads its keys back: emptied, not removed
        st.session_state[key] = None


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


def _password_form() -> tuple[str, str] | None:
    """The login form; (username, password) in the run it is submitted."""
    with st.form("login", clear_on_submit=False):
        st.subheader(t("auth.form_name"))
        username = st.text_input(t("auth.username"), autocomplete="off")
        password = st.text_input(t("auth.password"), type="password", autocomplete="off")
        if st.form_submit_button(t("auth.login")):
            return username, password
    return None


HIDE_FORM = "<style>.st-key-signin{display:none}</style>"


def _keep_places() -> None:
    """Draw, empty, what the run that signed in drew above the page: the page's elements keep
    their places in the next run, so a tab the user opened meanwhile is not reset."""
    with st.container(key="signin"):
        pass
    st.html(HIDE_FORM)


def _form(authenticator: stauth.Authenticate) -> Actor | None:
    """Draw the login form; the actor when this run's submission (or cookie) signed someone in.

    A refusal stays on screen until the next submission: the cookie component's first report
    reruns the page, which must not wipe the answer to the try just made."""
    notice = st.session_state.pop("signin_notice", None)
    with st.container(key="signin"):
        st.title(t("app.title"))
        st.caption(t("app.subtitle"))
        try:  # a cookie from an earlier sign-in (and the settings' pause while signed out)
            authenticator.login(location="unrendered")
        except LoginError:  # a cookie naming an account that is gone
            st.session_state["authentication_status"] = None
        current = None
        if st.session_state.get("authentication_status"):
            current = load_actor(st.session_state.get("username") or "", lang())
            if current is None:  # a cookie of a disabled account
                authenticator.logout(location="unrendered")
                _forget()
                st.session_state[_REFUSAL] = SignInRefused("auth.disabled")
        elif (submitted := _password_form()) is not None:
            try:
                current = sign_in(*submitted, lang=lang())
            except PortalError as err:
                st.session_state[_REFUSAL] = err
            else:
                st.session_state.update(authentication_status=True, username=current.username,
                                        name=current.display_name, roles=[current.role])
                authenticator.cookie_controller.set_cookie()
    if current is not None:
        st.session_state.pop(_REFUSAL, None)
        # Hide the spent form with CSS rather than removing it: the cookie component drawn inside
        # it must stay mounted to write the cookie.
        st.html(HIDE_FORM)
        record_login(actor=current)
        st.session_state["actor"] = current
        return current
    refusal = st.session_state.get(_REFUSAL)
    if refusal is not None:
        st.error(refusal.message(lang()))
    elif notice:
        st.warning(t(notice))
    return None


def sign_in_gate() -> Actor | None:
    """The signed-in actor, or None with the login form drawn. A signed-in run loads only its own
    account, not every password hash."""
    signed_in = bool(st.session_state.get("authentication_status"))
    if signed_in:
        username = st.session_state.get("username") or ""
        credentials = {"usernames": {username: {"name": username, "password": "", "roles": []}}}
        authenticator = _authenticator(credentials)
        current = _signed_in(authenticator)
        if current is not None:
            _keep_places()
            return current
        return _form(authenticator)  # signed out in this run: offer the form again
    return _form(_authenticator(authenticator_credentials()))
