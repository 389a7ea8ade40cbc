"""The page picker under a list: the number asked for is read before the query, clamped by the
service's `Page`, and the picker shows "page n of N" with the list's size."""

from __future__ import annotations

import streamlit as st

from portal.core.paging import Page
from portal.ui import t


def asked(key: str) -> int:
    """The page number the picker holds (1 before it is first drawn)."""
    return int(st.session_state.get(key) or 1)


def pager(page: Page, key: str) -> None:
    """Draw the picker for page (call after the query, with the key given to `asked`)."""
    if st.session_state.get(key) != page.number:
        st.session_state[key] = page.number  # a filter shrank the list: show its last page
    if page.pages > 1:
        st.number_input(t("paging.page"), min_value=1, max_value=page.pages, step=1, key=key)
    st.caption(t("paging.summary", number=page.number, pages=page.pages, total=page.total))
