"""Demands in Excel: the import template, an all-or-nothing import and the export that imports back.

Through the one spreadsheet pipeline (`portal.core.spreadsheet`): any bad row refuses the whole
file with `ImportFailed`, listing every problem (row, column, reason in the user's language),
and nothing is written.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from db.engine import read_session
from db.models import Demand, Organization
from db.models.enums import OrgKind
from portal.core import idempotency, spreadsheet, validation
from portal.core.actor import Actor
from portal.core.audit import record_many
from portal.core.errors import PermissionDenied, PortalError, ValidationError
from portal.core.i18n import label, t
from portal.core.regions import all_regions
from portal.core.service import reader, service
from portal.core.spreadsheet import Column, ImportFailed, RowError
from portal.hub.demands import COLUMNS as SCOPE
from portal.hub.demands import (
    NEWEST_FIRST,
    ROW_COLUMNS,
    DemandRow,
    check_county,
    clean_demand,
    enterprise_for,
    filtered,
    new_demand,
)
from portal.hub.rules import DEMAND

MAX_IMPORT_ROWS = 5000
# the sheet's columns, in order: their keys are the fields a refusal names
COLUMNS = (
    Column("credit_code", required=True, width=22),
    Column("demand_title", required=True, width=28),
    Column("demand_description", width=40),
    Column("demand_field", required=True, enum="field"),
    Column("county"),
    Column("demand_budget_min", number_format=spreadsheet.MONEY),
    Column("demand_budget_max", number_format=spreadsheet.MONEY),
    Column("demand_wanted_by"),
    Column("demand_cooperation", width=20),
)
# the export adds what a reader wants and the import ignores
EXPORT_COLUMNS = (*COLUMNS, Column("match_enterprise", width=24, read=False),
                  Column("demand_status", read=False))
# sheet column → the form's key `clean_demand` reads
FORM_KEYS = {"demand_title": "title", "demand_description": "description", "demand_field": "field",
             "demand_budget_min": "budget_min", "demand_budget_max": "budget_max",
             "demand_wanted_by": "wanted_by", "demand_cooperation": "cooperation"}


def _enterprises_by_code(s: Session, codes: set[str]) -> dict[str, Organization]:
    found: dict[str, Organization] = {}
    wanted = sorted(codes)
    for start in range(0, len(wanted), 500):  # a few hundred bound values per query on every database
        found.update((o.credit_code, o) for o in s.exec(select(Organization).where(
            Organization.kind == OrgKind.ENTERPRISE, Organization.credit_code.in_(wanted[start:start + 500]))).all())
    return found


def _enterprise(s: Session, actor: Actor, raw: dict[str, Any], orgs: dict[str, Organization]) -> Organization:
    code = validation.credit_code(raw.get("credit_code"))
    org = orgs.get(code)
    if org is None:
        raise ValidationError("demands.error.unknown_enterprise", field="credit_code", code=code)
    return enterprise_for(s, actor, org.id, field="credit_code")


@service(DEMAND, "create")
def import_demands(s: Session, *, actor: Actor, data: bytes, lang: str = "zh",
                   idempotency_key: str | None = None) -> int:
    """Create every demand of a workbook's first sheet, or none; how many were created.

    Any bad row raises ImportFailed listing every problem, and nothing is written. The same
    idempotency_key again (the import button clicked twice) is refused: the file is in already."""
    if not DEMAND.may(actor, "create"):
        raise PermissionDenied()
    rows = spreadsheet.read(data, COLUMNS, field="demand_file", lang=lang, max_rows=MAX_IMPORT_ROWS)
    orgs = _enterprises_by_code(s, {str(raw.get("credit_code") or "").strip().upper() for _, raw in rows})
    errors: list[RowError] = []
    staged = []
    for n, raw in rows:
        problems: list[PortalError] = []
        try:
            org = _enterprise(s, actor, raw, orgs)
        except PortalError as err:
            problems.append(err)
            org = None
        clean = clean_demand({FORM_KEYS.get(k, k): v for k, v in raw.items()}, errors=problems)
        if org is not None:
            try:
                check_county(clean, org.city_code)
            except ValidationError as err:
                problems.append(err)
        errors += [spreadsheet.row_error(n, err, COLUMNS, lang, fallback="credit_code") for err in problems]
        if not problems:
            staged.append(new_demand(org, clean, created_by=actor.user_id))
    if errors:
        raise ImportFailed(errors)

    def make() -> Demand:
        s.add_all(staged)
        record_many(s, actor, [(d, None, "demand.import") for d in staged])  # one entry each, in bulk
        return staged[0]

    if staged and idempotency.once(s, actor, idempotency_key, "demand.import", Demand, make) is not staged[0]:
        raise ValidationError("error.already_submitted", field="idempotency_key")  # demands are not matched by a key
    return len(staged)


@reader(DEMAND)
def export_demands(*, actor: Actor, status: str | None = None, field: str | None = None, text: str = "",
                   lang: str = "zh", limit: int = 20000) -> bytes:
    """Demands in scope as a workbook with the import's columns (so it can be edited and re-imported)."""
    stmt = DEMAND.scope_filter(filtered(select(*ROW_COLUMNS, Organization.credit_code), status=status,
                                        field=field, text=text), actor, SCOPE)
    with read_session() as s:
        rows = s.exec(stmt.order_by(*NEWEST_FIRST).limit(limit)).all()
    regions = all_regions()

    def cells(r: Any) -> list[Any]:
        d = DemandRow(*r[:-1])
        return [r[-1], d.title, d.description, label("field", d.field, lang),
                regions[d.county_code].name(lang) if d.county_code in regions else "",
                d.budget_min, d.budget_max, d.wanted_by,
                "、".join(label("cooperation", c, lang) for c in d.cooperation.split(",") if c),
                d.enterprise_name, label("demand_status", d.status, lang)]

    return spreadsheet.workbook(EXPORT_COLUMNS, (cells(r) for r in rows), lang=lang,
                                title=t("demands.export_sheet", lang))


def import_template(*, lang: str = "zh") -> bytes:
    """An empty workbook with the import's header row (required columns marked) and one example row."""
    example = ["91330106MA27XXXXXX", "电池用久了鼓包", "动力电池使用半年后鼓包，续航下降，希望改进材料。",
               label("field", "new_energy", lang), "", 100000, 300000, "2027-06-30",
               label("cooperation", "trial", lang)]
    return spreadsheet.workbook(COLUMNS, [example], lang=lang, title=t("demands.export_sheet", lang),
                                template=True)
