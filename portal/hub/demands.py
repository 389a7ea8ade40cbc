"""Enterprise technology demands (供需荟): post, edit, close, list, and Excel import / export.

Enterprises post their own demands; operators post for enterprises of their city. An import is
all or nothing: every row is checked first, and any bad row refuses the whole file with the
row numbers and fields at fault.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, select

from db.engine import read_session, transaction
from db.models import Demand, Organization
from db.models.enums import Cooperation, DemandStatus, Field_, OrgKind, Role
from portal.core import audit, validation
from portal.core.actor import Actor
from portal.core.errors import NotFound, PermissionDenied, PortalError, ValidationError
from portal.core.i18n import label, t
from portal.core.regions import all_regions
from portal.core.scope import as_id, ensure_readable, filter_scope
from portal.search.recommend import demand_terms

WRITER_ROLES = (Role.ENTERPRISE, Role.CITY_OPERATOR, Role.PROVINCE_ADMIN)
MAX_IMPORT_ROWS = 5000
MAX_PAGE_SIZE = 200
# the spreadsheet's columns, in order: (data key, catalogue key of the header)
COLUMNS = (
    ("credit_code", "field.credit_code"),
    ("title", "field.demand_title"),
    ("description", "field.demand_description"),
    ("field", "field.demand_field"),
    ("county", "field.county"),
    ("budget_min", "field.demand_budget_min"),
    ("budget_max", "field.demand_budget_max"),
    ("wanted_by", "field.demand_wanted_by"),
    ("cooperation", "field.demand_cooperation"),
)


def _choice_from_label(value: Any, kind: str, options: Any, *, field: str, required: bool = True) -> str | None:
    """An enum value given as the value itself or as its zh / en label (spreadsheets use labels)."""
    raw = str(value or "").strip()
    if not raw:
        return validation.choice(None, options, field=field, required=required)
    for option in options:
        if raw.lower() in (str(option), label(kind, option, "zh"), label(kind, option, "en").lower()):
            return str(option)
    # people type the short form ("化工" for 绿色化工, "试用" for 先用后转试用): accept a unique part
    partial = [str(o) for o in options if len(raw) >= 2 and raw in label(kind, o, "zh")]
    if len(partial) == 1:
        return partial[0]
    raise ValidationError("error.bad_choice", field=field, value=raw)


def _cooperation(value: Any) -> str:
    if isinstance(value, (list, tuple, set)):
        parts = [str(v) for v in value]
    else:
        parts = [p for p in str(value or "").replace("，", ",").replace("、", ",").split(",")]
    picked = []
    for part in parts:
        if part.strip():
            choice = _choice_from_label(part, "cooperation", Cooperation, field="demand_cooperation")
            if choice not in picked:
                picked.append(choice)
    if not picked:
        raise ValidationError("error.required", field="demand_cooperation")
    return ",".join(p for p in Cooperation if p in picked)


def clean_demand(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validated demand fields from a form or a spreadsheet row (raises on the first bad field)."""
    data = {
        "title": validation.text(raw.get("title"), field="demand_title", max_length=200),
        "description": validation.text(raw.get("description"), field="demand_description", max_length=4000,
                                       required=False),
        "field": _choice_from_label(raw.get("field"), "field", Field_, field="demand_field"),
        "budget_min": validation.money(raw.get("budget_min"), field="demand_budget_min", required=False),
        "budget_max": validation.money(raw.get("budget_max"), field="demand_budget_max", required=False),
        "wanted_by": validation.a_date(raw.get("wanted_by"), field="demand_wanted_by", required=False),
        "cooperation": _cooperation(raw.get("cooperation")),
        "county_code": None,
    }
    if data["budget_min"] is not None and data["budget_max"] is not None and data["budget_min"] > data["budget_max"]:
        raise ValidationError("demands.error.budget_range", field="demand_budget_max")
    county = str(raw.get("county") or raw.get("county_code") or "").strip()
    if county:
        match = next((r.code for r in all_regions().values()
                      if r.level == "county" and county in (r.code, r.name_zh, r.name_en)), None)
        if match is None:
            raise ValidationError("error.bad_choice", field="county", value=county)
        data["county_code"] = match
    return data


def _enterprise_for(s: Session, actor: Actor, enterprise_org_id: uuid.UUID | None) -> Organization:
    """The enterprise a demand belongs to: the actor's own, or one of the operator's city."""
    if actor.role not in WRITER_ROLES:
        raise PermissionDenied()
    if actor.role == Role.ENTERPRISE:
        enterprise_org_id = actor.organization_id
    org = s.get(Organization, enterprise_org_id) if enterprise_org_id else None
    if org is None or org.kind != OrgKind.ENTERPRISE:
        raise ValidationError("error.required" if org is None else "matching.error.not_enterprise",
                              field="match_enterprise")
    if actor.role == Role.CITY_OPERATOR and org.city_code != actor.city_code:
        raise ValidationError("demands.error.enterprise_other_city", field="match_enterprise")
    return org


def _check_county(data: dict[str, Any], city_code: str) -> None:
    county = data.get("county_code")
    if county and all_regions()[county].parent != city_code:
        raise ValidationError("demands.error.county_other_city", field="county")


def create_demand(*, actor: Actor, data: Mapping[str, Any], enterprise_org_id: uuid.UUID | None = None) -> Demand:
    """Post a demand (status open) for the actor's enterprise or, by an operator, one of its city."""
    clean = clean_demand(data)
    with transaction() as s:
        org = _enterprise_for(s, actor, as_id(enterprise_org_id))
        _check_county(clean, org.city_code)
        demand = Demand(enterprise_org_id=org.id, city_code=org.city_code, created_by=actor.user_id,
                        terms=demand_terms(clean["title"], clean["description"]), **clean)
        s.add(demand)
        audit.record(s, actor, "demand.create", demand)
    return demand


def _writable(s: Session, actor: Actor, demand_id: Any) -> Demand:
    if actor.role not in WRITER_ROLES:
        raise PermissionDenied()
    demand = s.get(Demand, as_id(demand_id)) if as_id(demand_id) else None
    return ensure_readable(actor, demand, city_code=demand.city_code if demand else None,
                           org_ids=(demand.enterprise_org_id,) if demand else ())


def update_demand(*, actor: Actor, demand_id: uuid.UUID | str, data: Mapping[str, Any]) -> Demand:
    """Change a demand's text, field, budget, date or cooperation."""
    clean = clean_demand(data)
    with transaction() as s:
        demand = _writable(s, actor, demand_id)
        _check_county(clean, demand.city_code)
        before = audit.snapshot(demand)
        for key, value in clean.items():
            setattr(demand, key, value)
        demand.terms = demand_terms(clean["title"], clean["description"])
        s.add(demand)
        audit.record(s, actor, "demand.update", demand, before=before)
    return demand


def set_demand_status(*, actor: Actor, demand_id: uuid.UUID | str, status: str, reason: str = "") -> Demand:
    """Close a demand or reopen it."""
    validation.choice(status, DemandStatus, field="demand_status")
    with transaction() as s:
        demand = _writable(s, actor, demand_id)
        before = audit.snapshot(demand)
        demand.status = status
        s.add(demand)
        audit.record(s, actor, "demand.status", demand, before=before, reason=reason or None)
    return demand


@dataclass(frozen=True)
class DemandRow:
    """A demand as the list shows it."""

    id: uuid.UUID
    title: str
    description: str
    enterprise_org_id: uuid.UUID
    enterprise_name: str
    city_code: str
    county_code: str | None
    field: str
    budget_min: Decimal | None
    budget_max: Decimal | None
    wanted_by: date | None
    cooperation: str
    status: str


@dataclass
class DemandPage:
    rows: list[DemandRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


_COLS = (Demand.id, Demand.title, Demand.description, Demand.enterprise_org_id, Organization.name,
         Demand.city_code, Demand.county_code, Demand.field, Demand.budget_min, Demand.budget_max,
         Demand.wanted_by, Demand.cooperation, Demand.status)


def _filtered(actor: Actor, stmt, *, status: str | None, field: str | None, text: str,  # noqa: ANN001, ANN202
              join: bool = True):
    if actor.role == Role.PRESENTER:
        raise PermissionDenied()
    if join or text.strip():  # a count without a name search needs no join
        stmt = stmt.join(Organization, Organization.id == Demand.enterprise_org_id)
    stmt = filter_scope(stmt, actor, city_col=Demand.city_code, org_cols=(Demand.enterprise_org_id,))
    if status:
        stmt = stmt.where(Demand.status == status)
    if field:
        stmt = stmt.where(Demand.field == field)
    if text.strip():
        word = text.strip()
        stmt = stmt.where(or_(Demand.title.icontains(word, autoescape=True),
                              Organization.name.icontains(word, autoescape=True)))
    return stmt


def list_demands(*, actor: Actor, status: str | None = None, field: str | None = None, text: str = "",
                 page: int = 1, page_size: int = 25) -> DemandPage:
    """Demands in the actor's scope (operators: their city; enterprises: their own), newest first."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    with read_session() as s:
        total = s.exec(_filtered(actor, select(func.count()).select_from(Demand), status=status, field=field,
                                 text=text, join=False)).one()
        rows = s.exec(_filtered(actor, select(*_COLS), status=status, field=field, text=text)
                      .order_by(Demand.created_at.desc(), Demand.id)
                      .offset((page - 1) * page_size).limit(page_size)).all()
    return DemandPage([DemandRow(*r) for r in rows], int(total), page, page_size)


def get_demand(*, actor: Actor, demand_id: uuid.UUID | str) -> DemandRow:
    """One demand in scope (NotFound otherwise)."""
    did = as_id(demand_id)
    if did is None:
        raise NotFound()
    with read_session() as s:
        row = s.exec(_filtered(actor, select(*_COLS), status=None, field=None, text="")
                     .where(Demand.id == did)).first()
    if row is None:
        raise NotFound()
    return DemandRow(*row)


def enterprise_options(*, actor: Actor, query: str = "", limit: int = 50) -> list[tuple[uuid.UUID, str]]:
    """Enterprises the actor may post demands for whose name (or credit code) contains query: at
    most limit, so a picker stays small when a city has thousands of enterprises."""
    if actor.role not in WRITER_ROLES:
        return []
    stmt = select(Organization.id, Organization.name).where(Organization.kind == OrgKind.ENTERPRISE)
    if actor.role == Role.ENTERPRISE:
        stmt = stmt.where(Organization.id == actor.organization_id)
    elif actor.role == Role.CITY_OPERATOR:
        stmt = stmt.where(Organization.city_code == actor.city_code)
    words = str(query or "").strip()[:60]
    if words:
        stmt = stmt.where(or_(Organization.name.contains(words, autoescape=True),
                              Organization.credit_code == words.upper()))
    with read_session() as s:
        return [(i, n) for i, n in s.exec(stmt.order_by(Organization.name).limit(limit)).all()]


# --- Excel --------------------------------------------------------------------------------------

@dataclass
class RowError:
    """A bad spreadsheet row: its number (as Excel shows it), the field and the message."""

    row: int
    field: str | None
    message: str


@dataclass
class ImportReport:
    """What an import did: rows created, or the errors that refused the whole file."""

    created: int = 0
    errors: list[RowError] = field(default_factory=list)


def _header_map(header: list[Any], lang: str) -> dict[int, str]:
    names = {}
    for key, cat in COLUMNS:
        for lg in ("zh", "en"):
            names[t(cat, lg).strip().lower()] = key
        names[key] = key
    out = {}
    for i, cell in enumerate(header):
        key = names.get(str(cell or "").strip().lower())
        if key:
            out[i] = key
    return out


def import_demands(*, actor: Actor, data: bytes, lang: str = "zh") -> ImportReport:
    """Create every demand of a workbook's first sheet, or none: a bad row refuses the whole file."""
    from openpyxl import load_workbook

    if actor.role not in WRITER_ROLES:
        raise PermissionDenied()
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — any unreadable upload is the same refusal
        raise ValidationError("demands.error.not_xlsx", field="demand_file") from None
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise ValidationError("demands.error.empty_file", field="demand_file")
    columns = _header_map(list(rows[0]), lang)
    missing = [key for key, _ in COLUMNS if key not in columns.values() and key in ("credit_code", "title", "field")]
    if missing:
        raise ValidationError("demands.error.missing_columns", field="demand_file",
                              columns="、".join(t(dict(COLUMNS)[k], lang) for k in missing))
    body = [r for r in rows[1:] if any(c not in (None, "") for c in r)]
    if len(body) > MAX_IMPORT_ROWS:
        raise ValidationError("demands.error.too_many_rows", field="demand_file", max=MAX_IMPORT_ROWS)
    report = ImportReport()
    with transaction() as s:
        staged = []
        for n, values in enumerate(rows[1:], start=2):
            if not any(c not in (None, "") for c in values):
                continue
            raw = {columns[i]: v for i, v in enumerate(values) if i in columns}
            try:
                code = validation.credit_code(raw.get("credit_code"))
                org = s.exec(select(Organization).where(Organization.credit_code == code)).first()
                if org is None:
                    raise ValidationError("demands.error.unknown_enterprise", field="credit_code", code=code)
                if actor.role == Role.ENTERPRISE and org.id != actor.organization_id:
                    raise ValidationError("demands.error.enterprise_not_yours", field="credit_code")
                org = _enterprise_for(s, actor, org.id)
                clean = clean_demand(raw)
                _check_county(clean, org.city_code)
            except PortalError as err:
                report.errors.append(RowError(n, err.field, err.message(lang)))
                continue
            staged.append((org, clean))
        if report.errors:
            # nothing is written: the transaction has not added a row yet
            return report
        for org, clean in staged:
            demand = Demand(enterprise_org_id=org.id, city_code=org.city_code, created_by=actor.user_id,
                            terms=demand_terms(clean["title"], clean["description"]), **clean)
            s.add(demand)
            audit.record(s, actor, "demand.import", demand)
        report.created = len(staged)
    return report


def export_demands(*, actor: Actor, status: str | None = None, field: str | None = None, text: str = "",
                   lang: str = "zh", limit: int = 20000) -> bytes:
    """Demands in scope as a workbook with the import's columns (so it can be edited and re-imported)."""
    from openpyxl import Workbook

    with read_session() as s:
        stmt = _filtered(actor, select(*_COLS, Organization.credit_code), status=status, field=field, text=text)
        rows = s.exec(stmt.order_by(Demand.created_at.desc(), Demand.id).limit(limit)).all()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(t("demands.export_sheet", lang))
    sheet.append([t(cat, lang) for _, cat in COLUMNS] + [t("field.match_enterprise", lang),
                                                         t("field.demand_status", lang)])
    regions = all_regions()
    for r in rows:
        d = DemandRow(*r[:-1])
        sheet.append([
            r[-1], d.title, d.description, label("field", d.field, lang),
            regions[d.county_code].name(lang) if d.county_code in regions else "",
            d.budget_min, d.budget_max, d.wanted_by,
            "、".join(label("cooperation", c, lang) for c in d.cooperation.split(",") if c),
            d.enterprise_name, label("demand_status", d.status, lang),
        ])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_template(*, lang: str = "zh") -> bytes:
    """An empty workbook with the import's header row and one example row."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = t("demands.export_sheet", lang)
    sheet.append([t(cat, lang) for _, cat in COLUMNS])
    sheet.append(["91330106MA27XXXXXX", "电池用久了鼓包", "动力电池使用半年后鼓包，续航下降，希望改进材料。",
                  label("field", "new_energy", lang), "", 100000, 300000, "2027-06-30",
                  label("cooperation", "trial", lang)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
