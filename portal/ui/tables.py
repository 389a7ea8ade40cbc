"""Tables a user reads, sorts and picks rows from.

Two chores every list page shares:

- **The chosen row stays chosen after a write.** A dataframe's selection is a row position. Lists
  are ordered by last change, so submitting the selected draft moves it to the top and the same
  position would now name another record. `pick(key, ids)` remembers the record, not the position,
  and before the table is drawn again moves the selection to wherever that record now is (or
  clears it when the record left the page).
- **Columns keep their type.** Money, shares, dates and moments go to the browser as values with a
  `st.column_config` display format (`column_config(formats)`), so a click on 金额 sorts by amount,
  not alphabetically; money stays `Decimal` (Arrow's decimal type) all the way.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from portal.core import spreadsheet
from portal.core.clock import local

MONEY_FORMAT = "¥%,.2f"
FULL_ROWS = 15
LINK = "link"  # not a spreadsheet format: a column of in-portal URLs, shown by display text
BY_NUMBER = r"no=(.*)$"  # a link column's display text: the record number the URL carries


def _slot(key: str) -> str:
    return f"picked:{key}"


def _rows(key: str) -> list[int]:
    state = st.session_state.get(key)
    try:
        return list(state["selection"]["rows"])
    except (KeyError, TypeError):
        return []


def pick(key: str, ids: Sequence[Any]) -> None:
    """Call just before `st.dataframe(..., key=key, on_select="rerun", selection_mode="single-row")`
    with the ids of the rows about to be drawn: keeps the selection on the record the user chose."""
    stored = st.session_state.get(_slot(key))
    if stored is None or _rows(key) != [stored[0]]:
        return  # nothing chosen yet, or the user just chose another row: chosen() records it
    position, record = stored
    ids = list(ids)
    if record in ids:
        now = ids.index(record)
        if now != position:
            st.session_state[key] = {"selection": {"rows": [now], "columns": [], "cells": []}}
            st.session_state[_slot(key)] = (now, record)
    else:
        st.session_state[key] = {"selection": {"rows": [], "columns": [], "cells": []}}
        st.session_state.pop(_slot(key), None)


def chosen(event: Any, ids: Sequence[Any], key: str | None = None) -> Any | None:
    """The id of the row selected in a dataframe (on_select='rerun'), if any; with key (the
    dataframe's, after `pick(key, ids)`), remembered for the next run."""
    try:
        rows = event.selection.rows
    except AttributeError:
        rows = []
    record = ids[rows[0]] if rows and rows[0] < len(ids) else None
    if key is not None:
        if record is None:
            st.session_state.pop(_slot(key), None)
        else:
            st.session_state[_slot(key)] = (rows[0], record)
    return record


def _moment_column(frame: pd.DataFrame, column: str) -> None:
    # Local wall time, without a zone: the grid would otherwise show UTC
    frame[column] = [local(v).replace(tzinfo=None) if isinstance(v, datetime) else v for v in frame[column]]


def column_config(formats: Mapping[str, str], *, links: Mapping[str, str] | None = None) -> dict[str, Any]:
    """st.column_config for the columns named in formats (spreadsheet.MONEY, PERCENT, PERCENT_1,
    WAN, DATE, MOMENT, or LINK); links maps a link column to its display-text regex."""
    config: dict[str, Any] = {}
    for column, kind in formats.items():
        if kind == spreadsheet.MONEY:
            config[column] = st.column_config.NumberColumn(column, format=MONEY_FORMAT)
        elif kind in (spreadsheet.PERCENT, spreadsheet.PERCENT_1):  # sent ×100 by typed()
            config[column] = st.column_config.NumberColumn(
                column, format="%.1f%%" if kind == spreadsheet.PERCENT_1 else "%.2f%%")
        elif kind == spreadsheet.WAN:  # 万元 figures: one decimal, thousands separated
            config[column] = st.column_config.NumberColumn(column, format="%,.1f")
        elif kind == spreadsheet.DATE:
            config[column] = st.column_config.DateColumn(column, format="YYYY-MM-DD")
        elif kind == spreadsheet.MOMENT:
            config[column] = st.column_config.DatetimeColumn(column, format="YYYY-MM-DD HH:mm")
        elif kind == LINK:
            config[column] = st.column_config.LinkColumn(column, display_text=(links or {}).get(column))
    return config


def typed(frame: pd.DataFrame, formats: Mapping[str, str]) -> pd.DataFrame:
    """frame ready for st.dataframe with column_config(formats): moments in local time, shares as
    percentages (a fraction 0.052 → 5.2, so that a printf format can show 5.2%); the rest
    (Decimal, date) is sent as it is."""
    out = frame.copy()
    for column, kind in formats.items():
        if column not in out.columns:
            continue
        if kind == spreadsheet.MOMENT:
            _moment_column(out, column)
        elif kind in (spreadsheet.PERCENT, spreadsheet.PERCENT_1):
            out[column] = [None if v is None or pd.isna(v) else v * 100 for v in out[column]]
    return out


def show(frame: pd.DataFrame, formats: Mapping[str, str] | None = None, *,
         links: Mapping[str, str] | None = None, **kwargs: Any) -> Any:
    """st.dataframe of frame, its formatted columns typed (hide_index and full width by default)."""
    formats = dict(formats or {})
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    if len(frame) <= FULL_ROWS:  # a short table in full, not a scrolling box cut at row 10
        kwargs.setdefault("height", "content")
    return st.dataframe(typed(frame, formats), column_config=column_config(formats, links=links), **kwargs)


def record_link(page: str, **params: str | uuid.UUID) -> str:
    """The in-portal URL of a page with query parameters (a LinkColumn cell)."""
    query = urlencode({k: str(v) for k, v in params.items()})
    return f"/{page}?{query}" if query else f"/{page}"
