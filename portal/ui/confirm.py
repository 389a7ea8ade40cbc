"""Irreversible actions ask first: a dialog says what will happen, and only 确认 carries it out.

The button only records the request (with what the form held) in session state; while a request
is pending, `dialog()` draws the dialog on every run, so the confirmation survives the reruns a
click causes (in the browser only the dialog reruns; in AppTest the whole page does). Confirming
runs the action inside `refusals()` (a refusal shows in the dialog) and redraws the page through
`done()`; cancelling or closing the dialog drops the request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from portal.ui import done, refusals, t

PENDING = "confirm:"


def ask(key: str, **values: Any) -> None:
    """Ask to confirm key's action (call it when its button is clicked); values reach the action."""
    st.session_state[PENDING + key] = values


def asked(key: str) -> dict[str, Any]:
    """What key's pending request holds (empty when nothing waits), e.g. to word the dialog."""
    return st.session_state.get(PENDING + key) or {}


def _drop(key: str) -> None:
    st.session_state.pop(PENDING + key, None)


def dialog(key: str, *, title: str, says: str, action: Callable[[dict[str, Any]], Any], then: str,
           confirm_label: str | None = None) -> None:
    """Draw key's confirmation while it is pending: title, says (Markdown: build it with tmd()),
    确认 (runs action(values), then shows then) and 取消."""
    values = st.session_state.get(PENDING + key)
    if values is None:
        return

    @st.dialog(title, on_dismiss=lambda: _drop(key))
    def _ask() -> None:
        st.markdown(says)
        st.caption(t("confirm.irreversible"))
        yes, no = st.columns(2)
        if yes.button(confirm_label or t("confirm.yes"), type="primary", key=f"{key}_yes", width="stretch"):
            with refusals():
                action(values)
                _drop(key)
                done(then)
        if no.button(t("confirm.cancel"), key=f"{key}_no", width="stretch"):
            _drop(key)
            st.rerun()

    _ask()
