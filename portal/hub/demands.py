"""Enterprise technology demands (供需荟): post, edit, close, list, and the enterprise picker.

Who may post, change and read a demand, and which status follows which, is
`portal.hub.rules.DEMAND`; the Excel import / export is `portal.hub.demand_sheets`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Demand, Organization
from db.models.enums import Cooperation, DemandStatus, Field_
from portal.core import directory, idempotency, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add
from portal.core.errors import NotFound, PermissionDenied, PortalError, ValidationError
from portal.core.i18n import label
from portal.core.paging import Page, paginate
from portal.core.regions import all_regions
from portal.core.scope import as_id
from portal.core.service import reader, service
from portal.core.workflow import Columns, Subject
from portal.hub.rules import DEMAND, DEMAND_ACTIONS
from portal.search.recommend import demand_terms, on_demand_changed

MAX_PAGE_SIZE = 200
COLUMNS = Columns(city=Demand.city_code, orgs=(Demand.enterprise_org_id,), status=Demand.status)


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


def _county(raw: Mapping[str, Any]) -> str | None:
    county = str(raw.get("county") or raw.get("county_code") or "").strip()
    if not county:
        return None
    match = next((r.code for r in all_regions().values()
                  if r.level == "county" and county in (r.code, r.name_zh, r.name_en)), None)
    if match is None:
        raise ValidationError("error.bad_choice", field="county", value=county)
    return match


def clean_demand(raw: Mapping[str, Any], *, errors: list[PortalError] | None = None) -> dict[str, Any]:
    """Validated demand fields from a form or a spreadsheet row: the first bad field is raised,
    or, with errors given (an import), every bad field is added there and left None."""
    data: dict[str, Any] = {}

    def refuse(err: ValidationError) -> None:
        if errors is None:
            raise err
        errors.append(err)

    def take(key: str, clean: Callable[[], Any]) -> None:
        try:
            data[key] = clean()
        except ValidationError as err:
            data[key] = None
            refuse(err)

    take("title", lambda: validation.text(raw.get("title"), field="demand_title", max_length=200))
    take("description", lambda: validation.text(raw.get("description"), field="demand_description",
                                                max_length=4000, required=False))
    take("field", lambda: _choice_from_label(raw.get("field"), "field", Field_, field="demand_field"))
    take("budget_min", lambda: validation.money(raw.get("budget_min"), field="demand_budget_min", required=False))
    take("budget_max", lambda: validation.money(raw.get("budget_max"), field="demand_budget_max", required=False))
    take("wanted_by", lambda: validation.a_date(raw.get("wanted_by"), field="demand_wanted_by", required=False))
    take("cooperation", lambda: _cooperation(raw.get("cooperation")))
    low, high = data["budget_min"], data["budget_max"]
    if low is not None and high is not None and low > high:
        refuse(ValidationError("demands.error.budget_range", field="demand_budget_max"))
    take("county_code", lambda: _county(raw))
    return data


def enterprise_for(s: Session, actor: Actor, enterprise_org_id: uuid.UUID | None, *,
                   field: str = "match_enterprise") -> Organization:
    """The enterprise a demand is for, inside the caller's transaction (like `directory.named`):
    the one named (an enterprise's user names none: its own), refused naming field when out of
    the actor's reach."""
    if enterprise_org_id is None:
        enterprise_org_id = actor.organization_id  # an enterprise's user posts for its own enterprise
    if enterprise_org_id is None:
        raise ValidationError("error.required", field=field)
    org = directory.named(s, actor, enterprise_org_id, kinds=directory.ENTERPRISES, field=field)
    DEMAND.require(actor, "create", Subject(city_code=org.city_code, org_ids=(org.id,)))
    return org


def check_county(data: Mapping[str, Any], city_code: str) -> None:
    """Refuse a county outside the demand's city."""
    county = data.get("county_code")
    if county and all_regions()[county].parent != city_code:
        raise ValidationError("demands.error.county_other_city", field="county")


def new_demand(org: Organization, clean: Mapping[str, Any], *, created_by: uuid.UUID | None) -> Demand:
    """A demand (status open) of org from cleaned fields, its search terms worked out."""
    return Demand(enterprise_org_id=org.id, city_code=org.city_code, created_by=created_by,
                  terms=demand_terms(clean["title"], clean["description"]), **clean)


def _refuse_unless_may(actor: Actor, action: str) -> None:
    if not DEMAND.may(actor, action):
        raise PermissionDenied()


@service(DEMAND, "create")
def create_demand(s: Session, *, actor: Actor, data: Mapping[str, Any],
                  enterprise_org_id: uuid.UUID | None = None, idempotency_key: str | None = None) -> Demand:
    """Post a demand (status open) for the actor's enterprise or, by staff, one they may name;
    the same idempotency_key again (a second click) returns the demand already posted."""
    _refuse_unless_may(actor, "create")
    clean = clean_demand(data)
    org = enterprise_for(s, actor, as_id(enterprise_org_id))
    check_county(clean, org.city_code)
    demand = idempotency.once(s, actor, idempotency_key, "demand.create", Demand, lambda: audited_add(
        s, actor, "demand.create", new_demand(org, clean, created_by=actor.user_id)))
    on_demand_changed(s, demand)
    return demand


def _locked(s: Session, actor: Actor, demand_id: uuid.UUID | str | None) -> Demand:
    did = as_id(demand_id)
    demand = s.exec(select(Demand).where(Demand.id == did).with_for_update()).first() if did else None
    return DEMAND.readable(actor, demand)


@service(DEMAND, "update")
def update_demand(s: Session, *, actor: Actor, demand_id: uuid.UUID | str, data: Mapping[str, Any]) -> Demand:
    """Change a demand's text, field, budget, date or cooperation."""
    _refuse_unless_may(actor, "update")
    demand = _locked(s, actor, demand_id)
    clean = clean_demand(data)
    check_county(clean, demand.city_code)
    with DEMAND.move(s, actor, "update", demand):
        for key, value in clean.items():
            setattr(demand, key, value)
        demand.terms = demand_terms(clean["title"], clean["description"])
    on_demand_changed(s, demand)
    return demand


@service(DEMAND, "close")
def set_demand_status(s: Session, *, actor: Actor, demand_id: uuid.UUID | str, status: str,
                      reason: str = "") -> Demand:
    """Close a demand or reopen it (the step leading to status, `rules.DEMAND_ACTIONS`)."""
    action = DEMAND_ACTIONS[validation.choice(status, DemandStatus, field="demand_status")]
    _refuse_unless_may(actor, action)
    demand = _locked(s, actor, demand_id)
    with DEMAND.move(s, actor, action, demand, reason=reason or None, audit_action="demand.status"):
        pass  # the status is the step's target
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


DEMAND.govern(DemandRow)

ROW_COLUMNS = (Demand.id, Demand.title, Demand.description, Demand.enterprise_org_id, Organization.name,
               Demand.city_code, Demand.county_code, Demand.field, Demand.budget_min, Demand.budget_max,
               Demand.wanted_by, Demand.cooperation, Demand.status)
NEWEST_FIRST = (Demand.created_at.desc(), Demand.id)


def filtered(stmt: Any, *, status: str | None, field: str | None, text: str, join: bool = True) -> Any:
    """stmt over demands narrowed by the list's filters (scope is the caller's: `DEMAND.scope_filter`);
    join=False leaves out the enterprise's name when nothing needs it (a count without a search)."""
    word = (text or "").strip()
    if join or word:
        stmt = stmt.join(Organization, Organization.id == Demand.enterprise_org_id)
    if status:
        stmt = stmt.where(Demand.status == status)
    if field:
        stmt = stmt.where(Demand.field == field)
    if word:
        stmt = stmt.where(or_(Demand.title.icontains(word, autoescape=True),
                              Organization.name.icontains(word, autoescape=True)))
    return stmt


@reader(DEMAND)
def list_demands(*, actor: Actor, status: str | None = None, field: str | None = None, text: str = "",
                 page: int = 1, page_size: int = 25) -> Page[DemandRow]:
    """One page (from 1) of the demands in the actor's scope (staff: their city; enterprises:
    their own), newest first."""
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    count = DEMAND.scope_filter(filtered(select(func.count()).select_from(Demand), status=status, field=field,
                                         text=text, join=False), actor, COLUMNS)
    rows = DEMAND.scope_filter(filtered(select(*ROW_COLUMNS), status=status, field=field, text=text),
                               actor, COLUMNS).order_by(*NEWEST_FIRST)
    with read_session() as s:
        def fetch(offset: int, limit: int) -> list[DemandRow]:
            return [DemandRow(*r) for r in s.exec(rows.offset(offset).limit(limit)).all()]

        return paginate(s, count, fetch, page=page, size=size)


@reader(DEMAND)
def get_demand(*, actor: Actor, demand_id: uuid.UUID | str) -> DemandRow:
    """One demand in scope (NotFound otherwise)."""
    did = as_id(demand_id)
    stmt = DEMAND.scope_filter(filtered(select(*ROW_COLUMNS), status=None, field=None, text=""), actor, COLUMNS)
    if did is None:
        raise NotFound()
    with read_session() as s:
        row = s.exec(stmt.where(Demand.id == did)).first()
    if row is None:
        raise NotFound()
    return DemandRow(*row)


@reader(DEMAND)
def enterprise_options(*, actor: Actor, query: str = "", limit: int = 50) -> list[directory.Choice]:
    """Enterprises the actor may post demands for whose name contains query (or whose credit code
    it is), at most limit: `directory.enterprises`, which `create_demand` checks against; nothing
    for a reader who posts no demands."""
    _refuse_unless_may(actor, "read")
    if not DEMAND.may(actor, "create"):
        return []
    return directory.enterprises(actor=actor, query=query, limit=limit)


@reader(DEMAND)
def picks_enterprise(*, actor: Actor) -> bool:
    """Whether the actor names the enterprise of a demand it posts (staff may post for any
    enterprise of their reach; an enterprise's user posts only for its own)."""
    _refuse_unless_may(actor, "read")
    return DEMAND.may(actor, "create", Subject(city_code=actor.city_code))
