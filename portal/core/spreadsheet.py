"""Spreadsheets in and out, one way for every capability.

Import: `read` maps a workbook's header row (Chinese or English labels, or the field keys) to a
capability's `Column`s, cleans the cells and turns enumerated labels into values; the capability
checks each row and collects a `RowError` per problem (row, column header and reason in the
user's language); any error refuses the whole file with `ImportFailed`, whose `error_workbook`
hands the problems back. Nothing is written unless every row is good.

Export: `workbook` / `table_workbook` / `csv_bytes` write rows with the same headers (so an export
imports back). Every text cell goes through `safe_cell`, so what a user typed never runs as a
formula in Excel or WPS (the import undoes the guard with `unguard`), and every value keeps its
type: money and shares are numbers in their column's number format (MONEY, PERCENT, …), dates are
dates, so a reader can sum and sort them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from portal.core import i18n
from portal.core.clock import local
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
    number_format: str | None = None  # exported numbers' format (MONEY, PERCENT, …); dates have their own

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
        value = unguard(value)  # our export's guard (safe_cell): the cell as it was typed
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

# Number formats of typed cells (Excel's codes): money in yuan, 万元 figures, shares, days, moments.
MONEY = "#,##0.00"
WAN = "#,##0.0"
PERCENT = "0.00%"
PERCENT_1 = "0.0%"
DATE = "yyyy-mm-dd"
MOMENT = "yyyy-mm-dd hh:mm"
GUARD = "'"
_TRIGGERS = ("=", "+", "-", "@")


def needs_guard(text: str) -> bool:
    """Whether a spreadsheet could read text as a formula: it starts with = + - @, a tab or a
    carriage return, or with = + - @ after blanks (some readers trim them). Leading guards are
    looked through, so a text that starts with the guard itself keeps its own."""
    core = text.lstrip(GUARD)
    return core.startswith(FORMULA_STARTS) or core.lstrip().startswith(_TRIGGERS)


def safe_cell(value: Any) -> Any:
    """A cell that Excel and WPS show as typed: text that would start a formula is led by a
    single quote (the rest of it kept as it was), and control characters a workbook cannot hold
    are dropped. Anything but text passes unchanged."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    return GUARD + text if needs_guard(text) else text


def unguard(text: str) -> str:
    """A cell of our export as it was typed: safe_cell undone (an import reads it back so)."""
    return text[1:] if text.startswith(GUARD) and needs_guard(text[1:]) else text


def _plain(value: Any) -> Any:
    """A value a workbook or CSV can hold: moments in local time without the zone (Excel has
    none), enumerations and ids as text."""
    if isinstance(value, datetime):
        return local(value).replace(tzinfo=None) if value.tzinfo is not None else value
    if value is None or isinstance(value, (str, int, float, Decimal, date)):
        return value
    if hasattr(value, "item"):  # a NumPy number a frame handed over
        return value.item()
    return str(value)


def _default_format(value: Any) -> str | None:
    if isinstance(value, datetime):
        return MOMENT
    if isinstance(value, date):
        return DATE
    return None


def _xlsx_cell(ws: Any, value: Any, number_format: str | None) -> Any:
    """value as a typed cell: text always as text (never a formula or an error code), numbers
    and dates with their number format. Only what needs a style or a type of its own becomes a
    cell object (they cost; a sheet of 20,000 rows has 340,000 cells)."""
    value = value if isinstance(value, str) else _plain(value)
    if isinstance(value, str):
        text = safe_cell(value)
        if text not in ERROR_CODES:
            return text
        cell = WriteOnlyCell(ws, text)
        cell.data_type = "s"
        return cell
    if value is None or isinstance(value, bool):
        return value
    fmt = number_format or (MOMENT if isinstance(value, datetime) else None)
    if fmt is None:
        return value  # a number in General, a date in openpyxl's own yyyy-mm-dd
    cell = WriteOnlyCell(ws, value)
    cell.number_format = fmt
    return cell


def _csv_cell(value: Any, number_format: str | None) -> Any:
    """value as CSV text: numbers bare (no thousands separators), shares as '5.25%' (Excel reads
    them as numbers), dates ISO, moments '2026-11-25 14:03' local."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_cell(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if number_format in (PERCENT, PERCENT_1):
        return percent_text(value, number_format)
    return value


def percent_text(value: Decimal | float, number_format: str = PERCENT) -> str:
    """A share (a fraction) as the percent number_format shows it: 0.0525 → '5.25%'."""
    places = Decimal("0.1") if number_format == PERCENT_1 else Decimal("0.01")
    return f"{(Decimal(str(value)) * 100).quantize(places, rounding=ROUND_HALF_UP)}%"


def _sheet(title: str, widths: Sequence[int], header: Sequence[str], rows: Iterable[Sequence[Any]],
           formats: Sequence[str | None], *, template: bool = False,
           required: Sequence[bool] = ()) -> bytes:
    """One sheet: the header (bold, required columns highlighted, frozen when template=True),
    then the rows as typed cells."""
    wb = Workbook(write_only=not template)
    ws = wb.active if template else wb.create_sheet(title[:31])
    if template:
        ws.title = title[:31]
    for i, width in enumerate(widths):
        ws.column_dimensions[_letter(i)].width = width
    ws.append([_xlsx_cell(ws, h, None) for h in header])
    if template:
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
        for i, needed in enumerate(required, start=1):
            cell = ws.cell(row=1, column=i)
            cell.font = bold
            if needed:
                cell.fill = fill
        ws.freeze_panes = "A2"
    for row in rows:
        ws.append([_xlsx_cell(ws, v, formats[i] if i < len(formats) else None) for i, v in enumerate(row)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def workbook(columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, lang: str = "zh", title: str = "data",
             template: bool = False) -> bytes:
    """Rows under the columns' headers (required ones highlighted when template=True), each cell
    typed by its column's number_format (dates and moments by their own)."""
    return _sheet(title, [c.width for c in columns], [c.header(lang) for c in columns], rows,
                  [c.number_format for c in columns], template=template, required=[c.required for c in columns])


def table_workbook(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "data",
                   formats: Sequence[str | None] = ()) -> bytes:
    """A plain sheet of a table a page shows (a dashboard's figures, a list): every text cell made
    safe, numbers in formats[i] of their column (MONEY, PERCENT, …), dates as dates."""
    return _sheet(title, [], header, rows, formats)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *,
              formats: Sequence[str | None] = ()) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads Chinese), CRLF line ends, every text cell made safe,
    numbers plain (no thousands separators), shares as 5.25%."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([_csv_cell(h, None) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(v, formats[i] if i < len(formats) else None) for i, v in enumerate(row)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _letter(index: int) -> str:
    return get_column_letter(index + 1)
