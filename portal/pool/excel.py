"""The Excel round trip through the one spreadsheet pipeline (`portal.core.spreadsheet`):
template, all-or-nothing import with an error sheet, export, and the CSV laid out for the
online technology market (中国浙江网上技术市场). An export imports back unchanged."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import load_workbook
from openpyxl.styles import Font
from sqlmodel import Session, select

from db.models import Organization, Result
from db.models.enums import ExclusionReason, Field_, ResultStatus, ResultType
from portal.core import directory, i18n, spreadsheet
from portal.core.actor import Actor
from portal.core.audit import record_many, snapshot
from portal.core.errors import PermissionDenied, PortalError, ValidationError
from portal.core.regions import cities, region_name
from portal.core.service import reader, service
from portal.core.spreadsheet import Column, ImportFailed, RowError
from portal.core.validation import patent_check_char
from portal.core.workflow import Subject
from portal.pool.browse import PoolFilter, iter_pool
from portal.pool.common import notify_search
from portal.pool.disclosure import clean_result
from portal.pool.rules import RESULT

# The sheet's columns, in order; headers are the catalogue's field labels (zh or en).
COLUMNS: tuple[Column, ...] = (
    Column("number", required=True, width=18), Column("result_type", required=True, enum="result_type"),
    Column("result_title", required=True, width=36), Column("result_inventors", width=18),
    Column("result_owner_code", required=True, width=22),
    Column("result_owner_name", width=24, read=False),  # exported for people to read, ignored on import
    Column("result_field", required=True, enum="field", width=18), Column("result_trl", required=True, width=10),
    Column("result_abstract", width=50), Column("result_keywords", width=24), Column("result_fiscal", width=12),
    Column("result_grant_date"), Column("result_exclusion", enum="exclusion_reason", width=18),
    Column("result_trial_months", required=True, width=12), Column("result_max_licensees"),
    Column("result_price_guidance", width=22), Column("result_summary", width=36),
    Column("result_advantages", width=36),
)
# Templates before 0006 had a "试用期内免费" column. A trial is free by rule (DOMAIN.md rule 2):
# the column is read only to be checked. "是" or empty is what the rule says anyway, and the
# import notes that the column was ignored; a row saying "否" asks for a paid trial the scheme does
# not allow, and is refused rather than quietly made free.
LEGACY_FREE = Column("result_free_trial")
# The card's texts came after the first templates: a file without their columns leaves them as
# they are (a result's summary is not wiped by an update from an older sheet).
CARD_ATTRS = {"summary_plain": "result_summary", "advantages": "result_advantages"}
BY_KEY = {c.key: c for c in COLUMNS}
# Result attributes an import may set; anything else (status, owner, dates of steps) it never touches.
IMPORTED_ATTRS = ("type", "title", "inventors", "field", "trl", "abstract", "keywords", "fiscally_funded",
                  "grant_date", "exclusion_reason", "trial_months", "max_trial_licensees", "price_guidance",
                  "summary_plain", "advantages")
MAX_ROWS = 20000
FILE_FIELD = "pool_import_file"
# The directory's refusals of a row's owner, in the pool's own words.
OWNER_REFUSALS = {"error.no_such_organization": "pool.error.owner_unknown",
                  "error.organization_out_of_reach": "pool.error.owner_out_of_scope"}


def headers(lang: str = "zh") -> list[str]:
    """The sheet's header row in lang."""
    return [c.header(lang) for c in COLUMNS]


def _yes_no(value: bool, lang: str) -> str:
    return i18n.t("pool.yes" if value else "pool.no", lang)


def _row_values(r: Result, owner: Organization | None, lang: str) -> list[Any]:
    return [
        r.number, i18n.label("result_type", r.type, lang), r.title, r.inventors,
        owner.credit_code if owner else "", owner.name if owner else "",
        i18n.label("field", r.field, lang), r.trl, r.abstract, r.keywords, _yes_no(r.fiscally_funded, lang),
        r.grant_date, i18n.label("exclusion_reason", r.exclusion_reason, lang) if r.exclusion_reason else "",
        r.trial_months, r.max_trial_licensees, r.price_guidance, r.summary_plain, r.advantages,
    ]


def template_workbook(lang: str = "zh") -> bytes:
    """An empty import file: headers (Chinese by default), one sample row, and a sheet of allowed values."""
    digits = "202310123456"
    sample = [f"{digits}.{patent_check_char(digits)}", i18n.label("result_type", "invention", lang),
              "一种高导热石墨烯复合散热膜的制备方法", "张三、李四", "91330106MA27XXXXXX", "示例大学",
              i18n.label("field", "new_materials", lang), 6, "本发明公开了一种……", "石墨烯,散热膜,导热",
              _yes_no(True, lang), date(2022, 6, 30), "", 12, 3, "许可费20–50万元",
              "手机和电源模块的散热膜，导热是普通石墨片的3倍", "导热系数提升3倍\n厚度仅25微米\n成本低于进口产品"]
    data = spreadsheet.workbook(COLUMNS, [sample], lang=lang, title=i18n.t("pool.sheet_results", lang),
                                template=True)
    wb = load_workbook(io.BytesIO(data))  # the pipeline writes one sheet; the allowed values go beside it
    values = wb.create_sheet(i18n.t("pool.sheet_values", lang))
    bold = Font(bold=True)
    for col, (key, kind, enum) in enumerate((("result_type", "result_type", ResultType),
                                             ("result_field", "field", Field_),
                                             ("result_exclusion", "exclusion_reason", ExclusionReason)), start=1):
        values.cell(row=1, column=col, value=i18n.field_label(key, lang)).font = bold
        for row, member in enumerate(enum, start=2):
            values.cell(row=row, column=col, value=i18n.label(kind, member.value, lang))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- import ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    ignored_free_trial: bool = False  # an old template's "试用期内免费" column was read and ignored


def _owner(s: Session, actor: Actor, code: str, org: Organization | None, city_code: str | None, row: int,
           lang: str) -> Organization | RowError:
    """The licensor a row names by credit code (one the actor may disclose for, of city_code when
    given), or the row's error."""
    column = BY_KEY["result_owner_code"].header(lang)
    if not code:
        return RowError(row, column, i18n.t("error.required", lang))
    try:
        org = directory.named(s, actor, org.id if org else None, kinds=directory.INSTITUTIONS,
                              field="result_owner_code", city_code=city_code)
    except ValidationError as err:
        return RowError(row, column, i18n.t(OWNER_REFUSALS.get(err.key, err.key), lang, code=code))
    if not RESULT.may(actor, "import", Subject(city_code=org.city_code, org_ids=(org.id,))):
        return RowError(row, column, i18n.t("pool.error.owner_out_of_scope", lang))
    return org


@service(RESULT, "import")
def import_results(s: Session, *, actor: Actor, data: bytes, city_code: str | None = None, lang: str = "zh",
                   progress: Callable[[float], None] | None = None) -> ImportReport:
    """Create or update results (matched by number) from an .xlsx file, all or nothing.

    New results are drafts owned by the institution named by its credit code; an existing result
    keeps its owner and status, and only the imported fields change. Any bad row raises
    ImportFailed listing every problem (row, column, reason in lang) and changes nothing.
    """
    if not RESULT.may(actor, "import"):
        raise PermissionDenied()
    report = progress or (lambda _f: None)
    rows = spreadsheet.read(data, (*COLUMNS, LEGACY_FREE), field=FILE_FIELD, lang=lang, max_rows=MAX_ROWS)
    errors: list[RowError] = []
    legacy = any(LEGACY_FREE.key in raw for _, raw in rows)
    present = set().union(*(raw.keys() for _, raw in rows)) if rows else set()
    attrs = [a for a in IMPORTED_ATTRS if a not in CARD_ATTRS or CARD_ATTRS[a] in present]
    errors += [RowError(n, LEGACY_FREE.header(lang), i18n.t("cards.error.paid_trial", lang))
               for n, raw in rows if _asks_paid_trial(raw.get(LEGACY_FREE.key))]
    cleaned: list[tuple[int, dict[str, Any], str]] = []
    for i, (n, raw) in enumerate(rows):
        row_errors: list[PortalError] = []
        clean = clean_result(raw, errors=row_errors)
        errors += [spreadsheet.row_error(n, err, COLUMNS, lang, fallback=FILE_FIELD) for err in row_errors]
        cleaned.append((n, clean, str(raw.get("result_owner_code") or "").strip().upper()))
        if i % 500 == 0:
            report(0.4 * i / max(len(rows), 1))
    # the owners and the results already registered, each read once for the whole file
    orgs = {o.credit_code: o for o in s.exec(select(Organization).where(
        Organization.credit_code.in_({c for _, _, c in cleaned if c}))).all()}
    numbers = [c.get("number") for _, c, _ in cleaned if c.get("number")]
    existing: dict[str, Result] = {}
    for start in range(0, len(numbers), 500):
        for r in s.exec(select(Result).where(Result.number.in_(numbers[start:start + 500]))).all():
            existing[r.number] = r
    owners: dict[str, Organization | RowError] = {}
    seen: dict[str, int] = {}
    plan: list[tuple[dict[str, Any], Organization, Result | None]] = []
    number_col = BY_KEY["number"].header(lang)
    for n, clean, code in cleaned:
        if code not in owners:
            owners[code] = _owner(s, actor, code, orgs.get(code), city_code, n, lang)
        org = owners[code]
        if isinstance(org, RowError):
            errors.append(RowError(n, org.column, org.reason))
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
        raise ImportFailed(errors)
    report(0.5)
    created = updated = unchanged = 0
    changed: list[tuple[Result, dict | None, str]] = []
    for i, (clean, org, current) in enumerate(plan):
        if current is None:
            result = Result(number=clean["number"], owner_org_id=org.id, city_code=org.city_code,
                            status=ResultStatus.DRAFT, created_by=actor.user_id,
                            **{a: clean.get(a) for a in attrs})
            s.add(result)
            changed.append((result, None, "result.import_create"))
            created += 1
        else:
            diff = {a: clean.get(a) for a in attrs if getattr(current, a) != clean.get(a)}
            if not diff:
                unchanged += 1
                continue
            before = snapshot(current)
            for a, v in diff.items():
                setattr(current, a, v)
            s.add(current)
            changed.append((current, before, "result.import_update"))
            updated += 1
        if i % 500 == 0:
            report(0.5 + 0.3 * i / max(len(plan), 1))
    record_many(s, actor, changed)  # one entry per changed record, written in bulk
    for result, before, _action in changed:
        if before is not None and result.status == ResultStatus.LISTED:
            notify_search(s, result)
    report(1.0)
    return ImportReport(created, updated, unchanged, ignored_free_trial=legacy)


def _asks_paid_trial(value: Any) -> bool:
    """Whether an old template's "试用期内免费" cell says no (anything but yes or empty is a refusal)."""
    if value is None or value == "" or value is True:
        return False
    return str(value).strip().lower() not in ("是", "yes", "y", "true", "1", "免费", "free")


@reader(RESULT, "import")
def import_cities(*, actor: Actor) -> list[str]:
    """The cities whose results the actor may import (an operator: its own; the province: all;
    an institution's officer: none by city, its own institution only)."""
    if not RESULT.may(actor, "import"):
        raise PermissionDenied()
    return [c.code for c in cities() if RESULT.may(actor, "import", Subject(city_code=c.code))]


# --- export ------------------------------------------------------------------------------------

@reader(RESULT)
def export_workbook(*, actor: Actor, filters: PoolFilter | None = None, lang: str = "zh") -> bytes:
    """The filtered pool view as .xlsx, in the template's layout (so it imports back unchanged)."""
    rows = (_row_values(r, owner, lang) for r, owner in iter_pool(actor=actor, filters=filters))
    return spreadsheet.workbook(COLUMNS, rows, lang=lang, title=i18n.t("pool.sheet_results", lang))


# The online technology market's upload layout (see README, "Result pool").
MARKET_COLUMNS = ("成果名称", "成果类型", "专利号/登记号", "技术领域", "技术成熟度", "成果持有单位",
                  "所在地区", "联系人", "联系电话", "成果简介", "关键词", "合作方式", "参考价格",
                  "试用期（月）", "上架日期")


@reader(RESULT)
def export_market_csv(*, actor: Actor, filters: PoolFilter | None = None) -> bytes:
    """The filtered pool view as a UTF-8 (with BOM, for Excel) CSV for the online technology market."""
    return spreadsheet.csv_bytes(MARKET_COLUMNS, (
        [r.title, i18n.label("result_type", r.type, "zh"), r.number, i18n.label("field", r.field, "zh"), r.trl,
         o.name if o else "", region_name(r.city_code, "zh"), (o.contact_name or "") if o else "",
         (o.contact_phone or "") if o else "", r.abstract.replace("\r", " ").replace("\n", " "),
         r.keywords.replace(",", ";"), "先用后转（普通许可试用）", r.price_guidance or "面议", r.trial_months,
         r.listed_at.date().isoformat() if r.listed_at else ""]
        for r, o in iter_pool(actor=actor, filters=filters)))
