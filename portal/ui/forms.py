"""Create forms that submit once: each form instance has a key (passed to the service as
`idempotency_key`, see portal.core.idempotency), kept across reruns until the form succeeds;
then the key is dropped, so the next submission is a new record, and the form starts empty."""

from __future__ import annotations

import uuid

import streamlit as st

PREFIX = "form_key:"


def form_key(name: str) -> str:
    """The submission key of form name's current instance."""
    slot = PREFIX + name
    if slot not in st.session_state:
        st.session_state[slot] = uuid.uuid4().hex
    return st.session_state[slot]


def instance(name: str) -> str:
    """The Streamlit key of form name's current instance (`st.form(instance(name))`): its widgets
    (those without a key of their own) keep what was typed while a submission is refused, and
    start empty once one succeeded."""
    return f"{name}-{form_key(name)}"


def succeeded(name: str) -> None:
    """Form name's submission was carried out: the next one is a new instance (use it with
    `st.form(instance(name))`, `st.form(..., clear_on_submit=True)` or clear the form's own widget keys)."""
    st.session_state.pop(PREFIX + name, None)
