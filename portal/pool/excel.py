"""The Excel round trip: template, all-or-nothing import with an error sheet, export, and the CSV
laid out for the online technology market (中国浙江网上技术市场)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from sqlmodel import select

from db.engine import transaction
from db.models import Organization, Result
from db.models.enums import LICENSOR_KINDS, ExclusionReason, Field_, ResultStatus, ResultType
from portal.core import audit, i18n
from portal.core.actor import Actor
from portal.core.errors import PermissionDenied, PortalError, ValidationError
from portal.core.regions import region_name
from portal.core.scope import in_scope
from portal.pool.browse import PoolFilter, iter_pool
from portal.pool.common import DISCLOSERS, notify_search
from portal.pool.disclosure import clean_result

# Template columns: (field key in the catalogue, enum kind for label ↔ value, width).
COLUMNS: list[tuple[str, str | None, int]] = [
    ("number", None, 18), ("result_type", "result_type", 14), ("result_title", None, 36),
    ("result_inventors", None, 18), ("result_owner_code", None, 22), ("result_owner_name", None, 24),
    ("result_field", "field", 18), ("result_trl", None, 10), ("result_abstract", None, 50),
    ("result_keywords", None, 24), ("result_fiscal", None, 12), ("result_grant_date", None, 14),
    ("result_exclusion", "exclusion_reason", 18), ("result_trial_months", None, 12),
    ("result_max_licensees", None, 14), ("result_free_trial", None, 12), ("result_price_guidance", None, 22),
]
REQUIRED_COLUMNS = ("number", "result_type", "result_title", "result_owner_code", "result_field", "result_trl",
                    "result_trial_months")
INFO_COLUMNS = ("result_owner_name",)  # exported for people to read, ignored on import
ENUMS = {"result_type": ResultType, "field": Field_, "exclusion_reason": ExclusionReason}
# Result attributes an import may set; anything else (status, owner, dates of steps) it never touches.
IMPORTED_ATTRS = ("type", "title", "inventors", "field", "trl", "abstract", "keywords", "fiscally_funded",
                  "grant_date", "exclusion_reason", "trial_months", "max_trial_licensees", "free_during_trial",
                  "price_guidance")
MAX_ROWS = 20000


def header(field_key: str, lang: str = "zh") -> str:
    return i18n.field_label(field_key, lang)


def _yes_no(value: bool, lang: str) -> str:
    return i18n.t("pool.yes" if value else "pool.no", lang)


def _row_values(r: Result, owner: Organization | None, lang: str) -> list[Any]:
    return [
        r.number, i18n.label("result_type", r.type, lang), r.title, r.inventors,
        owner.credit_code if owner else "", owner.name if owner else "",
        i18n.label("field", r.field, lang), r.trl, r.abstract, r.keywords, _yes_no(r.fiscally_funded, lang),
        r.grant_date, i18n.label("exclusion_reason", r.exclusion_reason, lang) if r.exclusion_reason else "",
        r.trial_months, r.max_trial_licensees, _yes_no(r.free_during_trial, lang), r.price_guidance,
    ]


def _sheet(rows: Iterable[list[Any]], lang: str, title: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for i, (_key, _kind, width) in enumerate(COLUMNS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.append([header(k, lang) for k, _, _ in COLUMNS])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_workbook(lang: str = "zh") -> bytes:
    """An empty import file: headers (Chinese by default), one sample row, and a sheet of allowed values."""
    from portal.core.validation import patent_check_char

    digits = "202310123456"
    sample = [f"{digits}.{patent_check_char(digits)}", i18n.label("result_type", "invention", lang),
              "一种高导热石墨烯复合散热膜的制备方法", "张三、李四", "91330106MA27XXXXXX", "示例大学",
              i18n.label("field", "new_materials", lang), 6, "本发明公开了一种……", "石墨烯,散热膜,导热",
              _yes_no(True, lang), date(2022, 6, 30), "", 12, 3, _yes_no(True, lang), "许可费20–50万元"]
    wb = Workbook()
    ws = wb.active
    ws.title = i18n.t("pool.sheet_results", lang)
    ws.append([header(k, lang) for k, _, _ in COLUMNS])
    ws.append(sample)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for i, (key, _kind, width) in enumerate(COLUMNS):
        cell = ws.cell(row=1, column=i + 1)
        cell.font = bold
        if key in REQUIRED_COLUMNS:
            cell.fill = fill
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"
    values = wb.create_sheet(i18n.t("pool.sheet_values", lang))
    for col, (key, kind) in enumerate((("result_type", "result_type"), ("result_field", "field"),
                                       ("result_exclusion", "exclusion_reason")), start=1):
        values.cell(row=1, column=col, value=header(key, lang)).font = bold
        for row, member in enumerate(ENUMS[kind], start=2):
            values.cell(row=row, column=col, value=i18n.label(kind, member.value, lang))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- import ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    """One reason a row cannot be imported: 1-based sheet row, column header and the reason."""

    row: int
    column: str
    reason: str


class ImportFailed(ValidationError):
    """The file had bad rows; nothing was imported. `errors` lists them for the error sheet."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("pool.error.import_failed", rows=len({e.row for e in errors}), count=len(errors))
        self.errors = errors


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int


def _enum_lookup() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for kind, enum in ENUMS.items():
        table: dict[str, str] = {}
        for member in enum:
            table[member.value] = member.value
            for lang in i18n.LANGUAGES:
                table[i18n.label(kind, member.value, lang).strip().lower()] = member.value
        out[kind] = table
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _headers(row: tuple, lang: str) -> dict[str, int]:
    known = {}
    for key, _, _ in COLUMNS:
        for lg in i18n.LANGUAGES:
            known[header(key, lg).strip().lower()] = key
        known[key] = key
    found: dict[str, int] = {}
    for i, value in enumerate(row):
        key = known.get(str(value or "").strip().lower())
        if key and key not in found:
            found[key] = i
    return found


def read_rows(data: bytes, lang: str = "zh") -> tuple[dict[str, int], list[tuple[int, dict[str, Any]]]]:
    """The header map and the non-empty rows (sheet row number, raw values by field key)."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — any unreadable file is the same refusal
        raise ValidationError("pool.error.not_xlsx", field="pool_import_file") from exc
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    first = next(it, None)
    if first is None:
        raise ValidationError("pool.error.empty_file", field="pool_import_file")
    cols = _headers(first, lang)
    rows = []
    for n, values in enumerate(it, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        raw = {key: _cell(values[i]) if i < len(values) else None for key, i in cols.items()}
        rows.append((n, raw))
        if len(rows) > MAX_ROWS:
            raise ValidationError("pool.error.too_many_rows", field="pool_import_file", max=MAX_ROWS)
    wb.close()
    return cols, rows


def import_results(*, actor: Actor, data: bytes, city_code: str | None = None, lang: str = "zh",
                   progress: Callable[[float], None] | None = None) -> ImportReport:
    """Create or update results (matched by number) from an .xlsx file, all or nothing.

    New results are drafts owned by the institution named by its credit code; an existing result
    keeps its owner and status, and only the imported fields change. Any bad row raises
    ImportFailed listing every problem (row, column, reason in lang) and changes nothing.
    """
    if actor.role not in DISCLOSERS:
        raise PermissionDenied()
    report = progress or (lambda _f: None)
    cols, rows = read_rows(data, lang)
    errors: list[RowError] = []
    missing = [k for k in REQUIRED_COLUMNS if k not in cols]
    if missing:
        raise ImportFailed([RowError(1, header(k, lang), i18n.t("pool.error.missing_column", lang))
                            for k in missing])
    enums = _enum_lookup()
    cleaned: list[tuple[int, dict[str, Any], str]] = []
    for i, (n, raw) in enumerate(rows):
        for key, kind, _ in COLUMNS:
            if kind and raw.get(key) not in (None, ""):
                value = str(raw[key]).strip().lower()
                raw[key] = enums[kind].get(value, raw[key])
        row_errors: list[PortalError] = []
        clean = clean_result(raw, errors=row_errors)
        for err in row_errors:
            col = "number" if err.field == "number" else (err.field or "pool_import_file")
            errors.append(RowError(n, header(col, lang), i18n.t(err.key, lang, **err.params)))
        cleaned.append((n, clean, str(raw.get("result_owner_code") or "").strip().upper()))
        if i % 500 == 0:
            report(0.4 * i / max(len(rows), 1))
    with transaction() as s:
        orgs = {o.credit_code: o for o in s.exec(select(Organization).where(
            Organization.credit_code.in_({c for _, _, c in cleaned if c}))).all()}
        numbers = [c.get("number") for _, c, _ in cleaned if c.get("number")]
        existing: dict[str, Result] = {}
        for start in range(0, len(numbers), 500):
            for r in s.exec(select(Result).where(Result.number.in_(numbers[start:start + 500]))).all():
                existing[r.number] = r
        seen: dict[str, int] = {}
        plan: list[tuple[dict[str, Any], Organization, Result | None]] = []
        owner_col, number_col = header("result_owner_code", lang), header("number", lang)
        for n, clean, code in cleaned:
            org = orgs.get(code)
            if not code:
                errors.append(RowError(n, owner_col, i18n.t("error.required", lang)))
            elif org is None or org.kind not in LICENSOR_KINDS:
                errors.append(RowError(n, owner_col, i18n.t("pool.error.owner_unknown", lang, code=code)))
                org = None
            elif (city_code and org.city_code != city_code) or not in_scope(
                    actor, city_code=org.city_code, org_ids=(org.id,)):
                errors.append(RowError(n, owner_col, i18n.t("pool.error.owner_out_of_scope", lang)))
                org = None
            number = clean.get("number")
            if number and number in seen:
                errors.append(RowError(n, number_col, i18n.t("pool.error.duplicate_in_file", lang, row=seen[number])))
            elif number:
                seen[number] = n
            current = existing.get(number) if number else None
            if current is not None and org is not None and current.owner_org_id != org.id:
                errors.append(RowError(n, number_col, i18n.t("pool.error.number_other_owner", lang)))
            if org is not None and number:
                plan.append((clean, org, current))
        if errors:
            raise ImportFailed(sorted(errors, key=lambda e: (e.row, e.column)))
        report(0.5)
        created = updated = unchanged = 0
        changed: list[tuple[Result, dict | None, str]] = []
        for i, (clean, org, current) in enumerate(plan):
            if current is None:
                result = Result(number=clean["number"], owner_org_id=org.id, city_code=org.city_code,
                                status=ResultStatus.DRAFT, created_by=actor.user_id,
                                **{a: clean.get(a) for a in IMPORTED_ATTRS})
                s.add(result)
                changed.append((result, None, "result.import_create"))
                created += 1
            else:
                diff = {a: clean.get(a) for a in IMPORTED_ATTRS if getattr(current, a) != clean.get(a)}
                if not diff:
                    unchanged += 1
                    continue
                before = audit.snapshot(current)
                for a, v in diff.items():
                    setattr(current, a, v)
                s.add(current)
                changed.append((current, before, "result.import_update"))
                updated += 1
            if i % 500 == 0:
                report(0.5 + 0.3 * i / max(len(plan), 1))
        audit.record_many(s, actor, changed)  # one entry per changed record, written in bulk
        for result, before, _action in changed:
            if before is not None and result.status == ResultStatus.LISTED:
                notify_search(s, result)
        report(0.95)
    report(1.0)
    return ImportReport(created, updated, unchanged)


def error_workbook(errors: list[RowError], lang: str = "zh") -> bytes:
    """The sheet a failed import hands back: row, column, reason."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(i18n.t("pool.sheet_errors", lang))
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width, ws.column_dimensions["C"].width = 8, 24, 70
    ws.append([i18n.t("pool.col.row", lang), i18n.t("pool.col.column", lang), i18n.t("pool.col.reason", lang)])
    for e in errors:
        ws.append([e.row, e.column, e.reason])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- export ------------------------------------------------------------------------------------

def export_workbook(*, actor: Actor, filters: PoolFilter | None = None, lang: str = "zh") -> bytes:
    """The filtered pool view as .xlsx, in the template's layout (so it imports back unchanged)."""
    rows = (_row_values(r, owner, lang) for r, owner in iter_pool(actor=actor, filters=filters))
    return _sheet(rows, lang, i18n.t("pool.sheet_results", lang))


# The online technology market's upload layout (see README, "Result pool").
MARKET_COLUMNS = ("成果名称", "成果类型", "专利号/登记号", "技术领域", "技术成熟度", "成果持有单位",
                  "所在地区", "联系人", "联系电话", "成果简介", "关键词", "合作方式", "参考价格",
                  "试用期（月）", "上架日期")


def export_market_csv(*, actor: Actor, filters: PoolFilter | None = None) -> bytes:
    """The filtered pool view as a UTF-8 (with BOM, for Excel) CSV for the online technology market."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(MARKET_COLUMNS)
    for r, o in iter_pool(actor=actor, filters=filters):
        writer.writerow([
            r.title, i18n.label("result_type", r.type, "zh"), r.number, i18n.label("field", r.field, "zh"), r.trl,
            o.name if o else "", region_name(r.city_code, "zh"), (o.contact_name or "") if o else "",
            (o.contact_phone or "") if o else "", r.abstract.replace("\r", " ").replace("\n", " "),
            r.keywords.replace(",", ";"), "先用后转（普通许可试用）", r.price_guidance or "面议", r.trial_months,
            r.listed_at.date().isoformat() if r.listed_at else "",
        ])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
