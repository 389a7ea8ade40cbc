"""Spreadsheets in and out, one way for every capability.

Import: `read` maps a workbook's header row (Chinese or English labels, or the field keys) to a
capability's `Column`s, cleans the cells and turns enumerated labels into values; the capability
checks each row and collects a `RowError` per problem (row, column header and reason in the
user's language); any error refuses the whole file with `ImportFailed`, whose `error_workbook`
hands the problems back. Nothing is written unless every row is good.

Export: `workbook` / `csv_bytes` write rows with the same headers (so an export imports back), and
every text cell goes through `safe_cell`, so what a user typed never runs as a formula in Excel
or WPS.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from portal.core import i18n
from portal.core.errors import PortalError, ValidationError
from portal.core.validation import printable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One column of a capability's sheet."""

    key: str  # the field key (its header is the catalogue's `field.<key>` unless label_key says)
    required: bool = False
    enum: str | None = None  # enumerated kind whose labels (zh / en) or values the cells may hold
    width: int = 14
    label_key: str | None = None
    read: bool = True  # False: exported for people to read, ignored on import

    def header(self, lang: str) -> str:
        return i18n.t(self.label_key, lang) if self.label_key else i18n.field_label(self.key, lang)


@dataclass(frozen=True)
class RowError:
    """One reason a row cannot be imported: sheet row (as Excel numbers it), column header, reason."""

    row: int
    column: str
    reason: str


class ImportFailed(ValidationError):
    """The file had bad rows; nothing was imported. `errors` lists every problem."""

    def __init__(self, errors: list[RowError]) -> None:
        errors = sorted(errors, key=lambda e: (e.row, e.column))
        super().__init__("error.import_failed", rows=len({e.row for e in errors}), count=len(errors))
        self.errors = errors


def _clean(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        if value.startswith("'") and value[1:2] and value[1] in FORMULA_STARTS:
            value = value[1:]  # our export's guard (safe_cell): the cell as it was typed
        return printable(value).strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _enum_values(kind: str) -> dict[str, str]:
    """Every way a cell may name a value of kind (catalogue `enum.<kind>.<value>`): the value
    itself and its labels in every language, lower-cased."""
    prefix = f"enum.{kind}."
    table: dict[str, str] = {}
    for key in i18n.catalogue():
        if key.startswith(prefix):
            value = key[len(prefix):]
            table[value.lower()] = value
            for lang in i18n.LANGUAGES:
                table[i18n.label(kind, value, lang).strip().lower()] = value
    return table


def read(data: bytes, columns: Sequence[Column], *, field: str, lang: str = "zh",
         max_rows: int = 20000) -> list[tuple[int, dict[str, Any]]]:
    """The non-empty rows of the first sheet: (sheet row number, {field key: cleaned value}).

    Refused naming field when the file is not a workbook, is empty or too long; ImportFailed when
    required columns are missing."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — any unreadable file is the same refusal
        raise ValidationError("error.not_xlsx", field=field) from exc
    try:
        it = wb.worksheets[0].iter_rows(values_only=True)
        first = next(it, None)
        if first is None:
            raise ValidationError("error.empty_file", field=field)
        positions = _positions(first, columns)
        missing = [c for c in columns if c.required and c.read and c.key not in positions]
        if missing:
            raise ImportFailed([RowError(1, c.header(lang), i18n.t("error.missing_column", lang)) for c in missing])
        enums = {c.key: _enum_values(c.enum) for c in columns if c.enum}
        rows = []
        for n, values in enumerate(it, start=2):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            raw = {key: _clean(values[i]) if i < len(values) else None for key, i in positions.items()}
            for key, table in enums.items():
                if raw.get(key) not in (None, ""):
                    raw[key] = table.get(str(raw[key]).strip().lower(), raw[key])
            rows.append((n, raw))
            if len(rows) > max_rows:
                raise ValidationError("error.too_many_rows", field=field, max=max_rows)
    except PortalError:
        raise
    except Exception as exc:  # noqa: BLE001 — a sheet is parsed as it is read: broken XML shows only now
        raise ValidationError("error.not_xlsx", field=field) from exc
    finally:
        wb.close()
    return rows


def _positions(header: tuple, columns: Sequence[Column]) -> dict[str, int]:
    known: dict[str, str] = {}
    for c in columns:
        if not c.read:
            continue
        for lang in i18n.LANGUAGES:
            known[c.header(lang).strip().lower()] = c.key
        known[c.key.lower()] = c.key
    found: dict[str, int] = {}
    for i, value in enumerate(header):
        key = known.get(str(value or "").strip().lower())
        if key and key not in found:
            found[key] = i
    return found


def row_error(row: int, err: PortalError, columns: Sequence[Column], lang: str, *,
              fallback: str | None = None) -> RowError:
    """A refusal of one cell as a RowError: the column is the header of err.field."""
    by_key = {c.key: c for c in columns}
    column = by_key.get(err.field or "") or by_key.get(fallback or "")
    name = column.header(lang) if column else i18n.field_label(err.field or fallback or "file", lang)
    return RowError(row, name, i18n.t(err.key, lang, **err.params))


def error_workbook(errors: Iterable[RowError], lang: str = "zh") -> bytes:
    """The sheet a failed import hands back: row, column, reason."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(i18n.t("import.sheet_errors", lang))
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width, ws.column_dimensions["C"].width = 8, 24, 70
    ws.append([i18n.t("import.col_row", lang), i18n.t("import.col_column", lang), i18n.t("import.col_reason", lang)])
    for e in errors:
        ws.append([e.row, safe_cell(e.column), safe_cell(e.reason)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- export ------------------------------------------------------------------------------------

def safe_cell(value: Any) -> Any:
    """A cell that Excel and WPS show as typed: text that would start a formula (= + - @, a tab
    or a carriage return) is led by a single quote, and control characters a workbook cannot
    hold are dropped."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def workbook(columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, lang: str = "zh", title: str = "data",
             template: bool = False) -> bytes:
    """Rows under the columns' headers (required ones highlighted when template=True)."""
    wb = Workbook(write_only=not template)
    ws = wb.active if template else wb.create_sheet(title[:31])
    if template:
        ws.title = title[:31]
    for i, c in enumerate(columns):
        ws.column_dimensions[_letter(i)].width = c.width
    ws.append([c.header(lang) for c in columns])
    if template:
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
        for i, c in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=i)
            cell.font = bold
            if c.required:
                cell.fill = fill
        ws.freeze_panes = "A2"
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def table_workbook(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "data") -> bytes:
    """A plain sheet of a table a page shows (a dashboard's figures, a list), every cell made safe."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append([safe_cell(h) for h in header])
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads Chinese), CRLF line ends, every cell made safe."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _letter(index: int) -> str:
    return get_column_letter(index + 1)
