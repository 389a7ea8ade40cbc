"""Links that open a list already filtered (a home figure → the rows it counts).

A link carries the filter in its query string (`?status=listed`). The page's filter widget takes
it as its starting choice (`filter_from_link`): a widget of its own per linked value, so the value
is the widget's default and the browser shows it even when the first runs after a sign-in are cut
short (a value put into session state then would reach the server's state but not the screen).
The user can change the filter afterwards; a reload of the link starts from the link again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from portal import navigation
from portal.core.actor import Actor


def linked(param: str, allowed: Sequence[Any]) -> Any | None:
    """The link's ?param= if it is one of allowed, else None."""
    value = st.query_params.get(param)
    return value if value is not None and value in allowed else None


def filter_from_link(key: str, param: str, options: Sequence[Any]) -> dict[str, Any]:
    """The key and index of a filter selectbox over options that starts from the link's ?param=."""
    value = linked(param, options)
    if value is None:
        return {"key": key}
    return {"key": f"{key}@{value}", "index": list(options).index(value)}


def page_link(me: Actor, page: str, label: str, query: dict[str, str] | None = None, *, where=st) -> bool:  # noqa: ANN001
    """A link to page (a navigation key) with query, if me may open it; whether one was drawn."""
    spec = next((p for p in navigation.PAGES if p.key == page), None)
    if spec is None or not spec.allows(me):
        return False
    where.page_link(f"../pages/{spec.file}", label=label, query_params=query or None,
                    icon=":material/arrow_forward:")
    return True
