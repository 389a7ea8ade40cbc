"""Streamlit helpers shared by the pages: language, the acting user, refusals, formatting."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from portal.core import i18n
from portal.core.actor import Actor
from portal.core.errors import PortalError
from portal.ui.text import Markdown, fill, md, md_table, refusal  # noqa: F401 — pages take them from here

_this_run = threading.local()  # a session's runs happen on its own script-runner thread


def remember_language(value: str) -> None:
    """The router's word on this run's language, so that lang() need not read session state: t()
    runs hundreds of times a page and each session-state read costs about 10 µs."""
    _this_run.lang = value


_settled = threading.Event()


def settle_heap() -> None:
    """Once per process, after the first signed-in page: put everything imported and cached so far
    out of the cyclic garbage collector's reach (gc.freeze). Otherwise a full collection walks the
    ~230 k long-lived objects of pandas, Altair, jieba and SQLAlchemy and pauses a rerun for
    100–120 ms every few runs."""
    if not _settled.is_set():
        _settled.set()
        gc.freeze()


def lang() -> str:
    """The session's language (zh by default)."""
    return getattr(_this_run, "lang", None) or st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)


def t(key: str, **params: Any) -> str:
    """Catalogue text in the session's language."""
    return i18n.t(key, lang(), **params)


def tmd(key: str, **params: Any) -> Markdown:
    """Catalogue text in the session's language for a Markdown call (st.markdown, st.caption, an
    alert, a label…), its own Markdown kept and every value escaped: values are often user text."""
    return fill(key, lang(), **params)


def label(kind: str, value: str | None) -> str:
    """Label of an enumerated value in the session's language."""
    return i18n.label(kind, value, lang())


def actor() -> Actor:
    """The signed-in user (the router sets it before any page runs)."""
    current = st.session_state.get("actor")
    if current is None:
        st.error(t("auth.sign_in_first"))
        st.stop()
    return current


@contextmanager
def refusals() -> Iterator[None]:
    """Show a PortalError as a message in the user's language instead of a traceback."""
    try:
        yield
    except PortalError as err:
        st.session_state.pop(FLASH, None)  # the last success is not news beside a refusal
        st.error(refusal(err, lang()))


def yuan(amount: Decimal | int | None) -> str:
    """Money as '¥1,234.50'."""
    if amount is None:
        return "—"
    return f"¥{Decimal(amount):,.2f}"


def wan(amount: Decimal | int | None) -> str:
    """Large money in 万元 / 10k yuan."""
    if amount is None:
        return "—"
    return t("fmt.wan", value=f"{Decimal(amount) / 10000:,.1f}")


FLASH = "flash_message"
# A success message outlives reruns of its page for this long: a rerun the browser sends right after
# a write (a widget that lost focus, a form drawn anew) would otherwise take it away unread.
FLASH_SECONDS = 6.0


def _page() -> str:
    ctx = get_script_run_ctx()
    return getattr(ctx, "page_script_hash", "") if ctx else ""


def done(message: str) -> None:
    """Keep a success message across the rerun that redraws the page with the change (Markdown:
    build it with tmd() when it names user text)."""
    st.session_state[FLASH] = (message, _page(), time.monotonic())
    st.rerun()


def show_flash() -> None:
    """The message a write on this page left, for a few seconds of reruns, in a slot drawn on every
    run: what follows keeps its place, so the tab a form sits in stays open when the message comes
    and goes. Another page, or a later run, does not show it."""
    slot = st.container()
    kept = st.session_state.get(FLASH)
    if not kept:
        return
    message, page, at = kept
    if page != _page() or time.monotonic() - at > FLASH_SECONDS:
        st.session_state.pop(FLASH, None)
        return
    slot.success(message)
