"""Download buttons for a table a page shows: .xlsx and CSV (UTF-8 with BOM, so Excel opens
Chinese correctly), built only when clicked (a workbook costs 5–15 ms, on every rerun if built
up front), through `portal.core.spreadsheet` (every text cell made safe to open).

A page builds a `Table` of typed values (Decimal yuan, shares as fractions, dates, moments) and
names the format of the columns that need one; `table.show()` draws the values with a
`st.column_config` display format (¥1,234.50, 5.25%), so the grid sorts by amount, and the
downloads hold the values themselves, so Excel sums and sorts them too. (`table.shown()` is the
same as text, for `st.table` print-outs.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from portal.core import spreadsheet
from portal.core.clock import fmt
from portal.core.spreadsheet import DATE, MOMENT, PERCENT, PERCENT_1
from portal.ui import t, tables, yuan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MISSING = "—"


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _moment(value: Any) -> str:
    return fmt(value) if isinstance(value, datetime) else str(value)


# How a page shows a formatted column (the download keeps the value).
_SHOWN: dict[str, Callable[[Any], str]] = {
    spreadsheet.MONEY: lambda v: yuan(Decimal(str(v))),
    PERCENT: lambda v: spreadsheet.percent_text(v, PERCENT),
    PERCENT_1: lambda v: spreadsheet.percent_text(v, PERCENT_1),
    DATE: _day,
    MOMENT: _moment,
}


@dataclass(frozen=True)
class Table:
    """A table a page shows and offers for download: typed values, and the spreadsheet number
    format (spreadsheet.MONEY, PERCENT, …) of each column that needs one, by header."""

    frame: pd.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)

    def shown(self) -> pd.DataFrame:
        """The frame as the page shows it: money as ¥1,234.50, shares as 5.25%, dates ISO,
        moments local, a missing value as —; other formats (万元 figures) stay numbers."""
        out = self.frame.copy()
        for column, number_format in self.formats.items():
            show = _SHOWN.get(number_format)
            if show is not None and column in out.columns:
                out[column] = [MISSING if _missing(v) else show(v) for v in out[column]]
        return out

    def show(self, **kwargs: Any) -> Any:
        """st.dataframe of the typed values, each formatted column with its column_config."""
        return tables.show(self.frame, self.formats, **kwargs)

    def header(self) -> list[str]:
        """The column headers."""
        return [str(c) for c in self.frame.columns]

    def column_formats(self) -> list[str | None]:
        """Each column's number format, in order (None: by its values' type)."""
        return [self.formats.get(str(c)) for c in self.frame.columns]

    def values(self) -> list[list[Any]]:
        """The rows, a missing value (None, NaN, NaT) as an empty cell."""
        return [[None if _missing(v) else v for v in row] for row in self.frame.itertuples(index=False, name=None)]


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (str, Decimal, date)) and bool(pd.isna(value)))


def _table(data: Table | pd.DataFrame) -> Table:
    return data if isinstance(data, Table) else Table(data)


def xlsx_bytes(data: Table | pd.DataFrame, sheet: str = "data") -> bytes:
    """The table as a one-sheet workbook of typed cells."""
    table = _table(data)
    return spreadsheet.table_workbook(table.header(), table.values(), title=sheet, formats=table.column_formats())


def csv_bytes(data: Table | pd.DataFrame) -> bytes:
    """The table as CSV (numbers bare, shares as 5.25%)."""
    table = _table(data)
    return spreadsheet.csv_bytes(table.header(), table.values(), formats=table.column_formats())


def downloads(data: Table | pd.DataFrame, name: str, key: str) -> None:
    """Two buttons: the table as .xlsx and as CSV."""
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(t("dash.download_xlsx"), lambda: xlsx_bytes(data), file_name=f"{name}.xlsx",
                         key=f"{key}_xlsx", mime=XLSX, icon=":material/download:", on_click="ignore")
    right.download_button(t("dash.download_csv"), lambda: csv_bytes(data), file_name=f"{name}.csv",
                          mime="text/csv", key=f"{key}_csv", icon=":material/download:", on_click="ignore")
