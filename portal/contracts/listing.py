"""Reads: the contracts list (filtered and paged in SQL), one contract's whole history, the trials
about to end, and the .xlsx export."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, or_
from sqlmodel import select

from db.engine import read_session
from db.models import (
    Agency,
    AuditEntry,
    Contract,
    ContractTemplate,
    InsurancePolicy,
    Match,
    Objection,
    Organization,
    PilotBooking,
    PilotPlatform,
    Result,
    Voucher,
    VoucherRedemption,
)
from db.models.enums import ContractKind, ContractStatus, Role
from portal.contracts.common import readable_contract
from portal.core import scope, validation
from portal.core.actor import Actor
from portal.core.clock import today
from portal.core.i18n import label, t
from portal.core.policy import current_policy
from portal.core.regions import cities

LICENSOR = Organization.__table__.alias("licensor")
LICENSEE = Organization.__table__.alias("licensee")
EXPORT_LIMIT = 50_000


@dataclass(frozen=True)
class ContractFilters:
    """What the list can be narrowed by."""

    status: str | None = None
    kind: str | None = None
    result_text: str = ""  # part of the result's title or number
    licensor_org_id: uuid.UUID | None = None
    licensee_org_id: uuid.UUID | None = None
    since: date | None = None  # start date on or after
    until: date | None = None  # start date on or before
    city_code: str | None = None  # the province narrowing to one city
    licensor_text: str = ""  # part of the licensor's name
    licensee_text: str = ""  # part of the licensee's name


@dataclass(frozen=True)
class ContractRow:
    """One line of the contracts list."""

    id: uuid.UUID
    number: str
    kind: str
    status: str
    result_title: str
    result_number: str
    licensor: str
    licensee: str
    start_date: date
    end_date: date | None
    deal_amount: Decimal | None
    city_code: str


def _base(actor: Actor, columns, *, joins: bool = True):  # noqa: ANN001, ANN202
    """A select of columns over contracts in scope; the joins to the result and the parties are
    left out of counts (every contract has them, so they change nothing but the cost)."""
    stmt = select(*columns).select_from(Contract)
    if joins:
        stmt = (stmt.join(Result, Result.id == Contract.result_id)
                .join(LICENSOR, LICENSOR.c.id == Contract.licensor_org_id)
                .join(LICENSEE, LICENSEE.c.id == Contract.licensee_org_id))
    return scope.filter_scope(stmt, actor, city_col=Contract.city_code,
                              org_cols=(Contract.licensor_org_id, Contract.licensee_org_id))


def _filtered(stmt, f: ContractFilters):  # noqa: ANN001, ANN202
    if f.city_code:
        stmt = stmt.where(Contract.city_code == f.city_code)
    if f.status:
        stmt = stmt.where(Contract.status == f.status)
    if f.kind:
        stmt = stmt.where(Contract.kind == f.kind)
    if f.result_text.strip():
        like = f"%{f.result_text.strip()}%"
        matching = select(Result.id).where(or_(Result.title.like(like), Result.number.like(like)))
        stmt = stmt.where(Contract.result_id.in_(matching))
    for text, col in ((f.licensor_text, Contract.licensor_org_id), (f.licensee_text, Contract.licensee_org_id)):
        if text.strip():
            stmt = stmt.where(col.in_(select(Organization.id).where(Organization.name.like(f"%{text.strip()}%"))))
    if f.licensor_org_id:
        stmt = stmt.where(Contract.licensor_org_id == f.licensor_org_id)
    if f.licensee_org_id:
        stmt = stmt.where(Contract.licensee_org_id == f.licensee_org_id)
    if f.since:
        stmt = stmt.where(Contract.start_date >= f.since)
    if f.until:
        stmt = stmt.where(Contract.start_date <= f.until)
    return stmt


_COLUMNS = (Contract.id, Contract.number, Contract.kind, Contract.status, Result.title, Result.number,
            LICENSOR.c.name, LICENSEE.c.name, Contract.start_date, Contract.end_date, Contract.deal_amount,
            Contract.city_code)


def list_contracts(*, actor: Actor, filters: ContractFilters | None = None, page: int = 1,
                   page_size: int = 50) -> tuple[list[ContractRow], int]:
    """One page of contracts in scope (newest start first) and the number matching."""
    f = filters or ContractFilters()
    page_size = max(1, min(page_size, 500))
    with read_session() as s:
        total = s.exec(_filtered(_base(actor, (func.count(),), joins=False), f)).one()
        # pick the page's ids on the contract table alone (an index walk), then join just those rows
        ids = (_filtered(_base(actor, (Contract.id,), joins=False), f)
               .order_by(Contract.start_date.desc(), Contract.number)
               .offset((max(page, 1) - 1) * page_size).limit(page_size))
        stmt = _base(actor, _COLUMNS).where(Contract.id.in_(ids)).order_by(Contract.start_date.desc(), Contract.number)
        rows = s.exec(stmt).all()
    return [ContractRow(*r) for r in rows], int(total or 0)


def party_options(*, actor: Actor, city_code: str | None = None) -> dict[str, list[tuple[uuid.UUID, str]]]:
    """Licensors and enterprises the filters and forms offer: the actor's city; for the province,
    the city it picked (none before that: the whole province is tens of thousands of names)."""
    stmt = select(Organization.id, Organization.name, Organization.kind).order_by(Organization.name)
    if actor.is_province:
        if not city_code:
            return {"licensors": [], "enterprises": [], "insurers": _insurers()}
        stmt = stmt.where(Organization.city_code == city_code)
    elif actor.role in scope.CITY_ROLES:
        stmt = stmt.where(Organization.city_code == actor.city_code)
    elif actor.role in scope.ORG_ROLES:
        stmt = stmt.where(Organization.id == actor.organization_id)
    with read_session() as s:
        rows = s.exec(stmt).all()
    return {
        "licensors": [(i, n) for i, n, k in rows if k in ("university", "institute", "medical", "rnd")],
        "enterprises": [(i, n) for i, n, k in rows if k == "enterprise"],
        "insurers": _insurers(),
    }


def enterprise_search(*, actor: Actor, text: str = "", city_code: str | None = None,
                      limit: int = 50) -> list[tuple[uuid.UUID, str]]:
    """Enterprises a trial or a voucher can name, by part of the name: the actor's city (the
    province names a city), at most limit, so pickers stay small whatever the province's size."""
    city = city_code if actor.is_province else actor.city_code
    if actor.role not in (*scope.CITY_ROLES, "province_admin") or not city:
        return []
    stmt = select(Organization.id, Organization.name).where(
        Organization.kind == "enterprise", Organization.city_code == city)
    if text.strip():
        stmt = stmt.where(Organization.name.like(f"%{text.strip()}%"))
    with read_session() as s:
        return [(i, n) for i, n in s.exec(stmt.order_by(Organization.name).limit(limit)).all()]


def _insurers() -> list[tuple[uuid.UUID, str]]:
    with read_session() as s:
        return [(i, n) for i, n in s.exec(select(Organization.id, Organization.name)
                                          .where(Organization.kind == "insurer").order_by(Organization.name)).all()]


def listed_results(*, actor: Actor, text: str = "", limit: int = 50) -> list[tuple[uuid.UUID, str, str]]:
    """Listed results a trial can be made on (the pool is province-wide): (id, number, title)."""
    stmt = select(Result.id, Result.number, Result.title).where(Result.status == "listed")
    if text.strip():
        like = f"%{text.strip()}%"
        stmt = stmt.where(or_(Result.title.like(like), Result.number.like(like)))
    elif actor.city_code:
        stmt = stmt.where(Result.city_code == actor.city_code)
    with read_session() as s:
        return [tuple(r) for r in s.exec(stmt.order_by(Result.listed_at.desc()).limit(limit)).all()]


def export_contracts_xlsx(*, actor: Actor, filters: ContractFilters | None = None, lang: str = "zh") -> bytes:
    """The filtered list as an .xlsx workbook (at most EXPORT_LIMIT rows)."""
    from openpyxl import Workbook

    f = filters or ContractFilters()
    with read_session() as s:
        stmt = _filtered(_base(actor, _COLUMNS), f).order_by(Contract.start_date.desc(), Contract.number)
        rows = [ContractRow(*r) for r in s.exec(stmt.limit(EXPORT_LIMIT)).all()]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(t("contracts.export_sheet", lang))
    sheet.append([t(f"contracts.col.{c}", lang) for c in (
        "number", "kind", "status", "result", "result_number", "licensor", "licensee", "start", "end",
        "deal_amount", "city")])
    for r in rows:
        sheet.append([r.number, label("contract_kind", r.kind, lang), label("contract_status", r.status, lang),
                      r.result_title, r.result_number, r.licensor, r.licensee, r.start_date, r.end_date,
                      r.deal_amount, r.city_code])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- one contract and everything that happened to it ----------------------------------------------------

@dataclass
class ContractDetail:
    """A contract with its parties, family (trial ↔ deal), insurance, vouchers, objections, audit trail."""

    contract: Contract
    result: Result
    licensor: Organization
    licensee: Organization
    agency_name: str
    template: tuple[int, str, str | None] | None  # version, title, city
    parent: Contract | None
    deals: list[Contract]
    policies: list[tuple[InsurancePolicy, str]]  # policy, insurer name
    redemptions: list[tuple[VoucherRedemption, str, str]]  # redemption, voucher code, redeemer name
    objections: list[Objection]
    history: list[AuditEntry]
    vouchers: list[Voucher] = field(default_factory=list)  # the licensee's active vouchers


def find_contract_id(*, actor: Actor, number: str) -> uuid.UUID:
    """The id of the contract with this number, within scope."""
    clean = validation.text(number, field="contract_number", max_length=40)
    with read_session() as s:
        found = s.exec(select(Contract.id).where(Contract.number == clean)).first()
        return readable_contract(s, actor, found).id


def contract_detail(*, actor: Actor, contract_id: uuid.UUID) -> ContractDetail:
    """Everything about one contract, in scope."""
    with read_session() as s:
        c = readable_contract(s, actor, contract_id)
        tpl = s.get(ContractTemplate, c.template_id) if c.template_id else None
        agency = s.get(Agency, c.agency_id) if c.agency_id else None
        policies = s.exec(select(InsurancePolicy, Organization.name)
                          .join(Organization, Organization.id == InsurancePolicy.insurer_org_id)
                          .where(InsurancePolicy.contract_id == c.id).order_by(InsurancePolicy.start_date)).all()
        policy_ids = [p.id for p, _ in policies]
        redemptions = s.exec(select(VoucherRedemption, Voucher.code, Organization.name)
                             .join(Voucher, Voucher.id == VoucherRedemption.voucher_id)
                             .join(Organization, Organization.id == VoucherRedemption.redeemed_by_org_id)
                             .where(VoucherRedemption.policy_id.in_(policy_ids))
                             .order_by(VoucherRedemption.redeemed_at)).all() if policy_ids else []
        family = [str(c.id)] + [str(p.id) for p, _ in policies]
        history = s.exec(select(AuditEntry).where(AuditEntry.entity_id.in_(family))
                         .order_by(AuditEntry.at.desc()).limit(200)).all()
        vouchers = s.exec(scope.filter_scope(select(Voucher).where(
            Voucher.enterprise_org_id == c.licensee_org_id, Voucher.status == "active",
            Voucher.expires_on >= today()), actor, city_col=Voucher.city_code,
            org_cols=(Voucher.enterprise_org_id,)).order_by(Voucher.expires_on)).all()
        return ContractDetail(
            contract=c, result=s.get(Result, c.result_id), licensor=s.get(Organization, c.licensor_org_id),
            licensee=s.get(Organization, c.licensee_org_id), agency_name=agency.name if agency else "",
            template=(tpl.version, tpl.title, tpl.city_code) if tpl else None,
            parent=s.get(Contract, c.parent_trial_id) if c.parent_trial_id else None,
            deals=list(s.exec(select(Contract).where(Contract.parent_trial_id == c.id)).all()),
            policies=list(policies), redemptions=list(redemptions),
            objections=list(s.exec(select(Objection).where(Objection.contract_id == c.id)
                                   .order_by(Objection.created_at)).all()),
            history=list(history), vouchers=list(vouchers))


# --- trials about to end -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExpiringTrial:
    """A running trial near (or past) its end, with what the agency knows of the enterprise."""

    id: uuid.UUID
    number: str
    city_code: str
    result_title: str
    licensor: str
    licensee: str
    end_date: date
    days_left: int
    matches: list[tuple[date, str, str, str, str]]  # contact date, channel, stage, result, notes
    pilots: list[tuple[date, date, str, str]]  # start, end, platform, status


OVERDUE_DAYS = 90  # overdue trials older than this have long been expired by the daily job


@dataclass(frozen=True)
class ExpiringPage:
    """One page of trials near their end, how many there are, and the reminder window."""

    rows: list[ExpiringTrial]
    total: int
    days: int


def _window_condition(actor: Actor):  # noqa: ANN202
    """end_date within each city's own reminder window (one city, or all for the province)."""
    from sqlalchemy import and_

    codes = [actor.city_code] if not actor.is_province else [c.code for c in cities()]
    parts = [and_(Contract.city_code == code,
                  Contract.end_date <= today() + timedelta(days=current_policy(code).trial_reminder_days))
             for code in codes]
    return or_(*parts) if len(parts) > 1 else parts[0]


def expiring_trials(*, actor: Actor, include_overdue: bool = True, page: int = 1,
                    page_size: int = 25) -> ExpiringPage:
    """Running trials ending within the city's reminder window (and recently overdue ones), soonest
    first, each with the enterprise's matches and pilot tests (this result's first)."""
    scope.require_role(actor, Role.CITY_OPERATOR, Role.PROVINCE_ADMIN)
    days = current_policy(actor.city_code).trial_reminder_days
    floor = today() - timedelta(days=OVERDUE_DAYS) if include_overdue else today()
    where = (Contract.kind == ContractKind.TRIAL,
             Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.EXTENDED)),
             Contract.end_date >= floor, _window_condition(actor))
    with read_session() as s:
        total = s.exec(_base(actor, (func.count(),), joins=False).where(*where)).one()
        stmt = _base(actor, (Contract.id, Contract.number, Contract.city_code, Result.title, LICENSOR.c.name,
                             LICENSEE.c.name, Contract.end_date, Contract.result_id, Contract.licensee_org_id))
        rows = s.exec(stmt.where(*where).order_by(Contract.end_date, Contract.number)
                      .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
        licensees = list({r[8] for r in rows})
        matches: dict = {}
        pilots: dict = {}
        if licensees:
            # two queries for the whole page, not two per trial; within the actor's scope
            mstmt = (select(Match.enterprise_org_id, Match.result_id, Match.contact_date, Match.channel,
                            Match.stage, Result.title, Match.notes)
                     .join(Result, Result.id == Match.result_id)
                     .where(Match.enterprise_org_id.in_(licensees)).order_by(Match.contact_date.desc()))
            for ent, res, *rest in s.exec(scope.filter_scope(mstmt, actor, city_col=Match.city_code)).all():
                matches.setdefault(ent, []).append((res, tuple(rest)))
            pstmt = (select(PilotBooking.enterprise_org_id, PilotBooking.result_id, PilotBooking.start_date,
                            PilotBooking.end_date, PilotPlatform.name, PilotBooking.status)
                     .join(PilotPlatform, PilotPlatform.id == PilotBooking.platform_id)
                     .where(PilotBooking.enterprise_org_id.in_(licensees))
                     .order_by(PilotBooking.start_date.desc()))
            for ent, res, *rest in s.exec(scope.filter_scope(pstmt, actor, city_col=PilotBooking.city_code)).all():
                pilots.setdefault(ent, []).append((res, tuple(rest)))

    def first(items: list, result_id) -> list:  # noqa: ANN001
        ordered = [x for r, x in items if r == result_id] + [x for r, x in items if r != result_id]
        return ordered[:5]

    out = [ExpiringTrial(cid, number, city, title, lor, lee, end, (end - today()).days,
                         first(matches.get(lee_id, []), res_id), first(pilots.get(lee_id, []), res_id))
           for cid, number, city, title, lor, lee, end, res_id, lee_id in rows]
    return ExpiringPage(out, int(total or 0), days)
