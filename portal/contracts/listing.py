"""Reads: the contracts list (filtered and paged in SQL), one contract's whole history, the trials
about to end, and the .xlsx export."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

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
from db.models.enums import ContractKind, ObjectionStatus, ResultStatus
from portal.contracts.common import COLUMNS, readable_contract
from portal.contracts.rules import CONTRACT, INSURANCE, RUNNING
from portal.contracts.vouchers import redeemable
from portal.core import directory, validation
from portal.core.actor import Actor
from portal.core.clock import today
from portal.core.errors import PermissionDenied
from portal.core.i18n import label, t
from portal.core.paging import Page, paginate
from portal.core.policy import current_policy
from portal.core.regions import cities, region_name
from portal.core.service import reader
from portal.core.spreadsheet import MONEY, table_workbook
from portal.core.workflow import Columns
from portal.hub.rules import MATCH
from portal.pilot.bookings import COLUMNS as BOOKING_COLUMNS
from portal.pilot.rules import BOOKING

LICENSOR = Organization.__table__.alias("licensor")
LICENSEE = Organization.__table__.alias("licensee")
EXPORT_LIMIT = 50_000
RUNNING_ANY = "running"  # a status filter meaning every running status (active, extended, disputed)


@dataclass(frozen=True)
class ContractFilters:
    """What the list can be narrowed by."""

    status: str | None = None
    kind: str | None = None
    result_text: str = ""  # part of the result's title or number, or of the contract's number
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
    licensor_org_id: uuid.UUID
    licensee_org_id: uuid.UUID
    agency_id: uuid.UUID | None


CONTRACT.govern(ContractRow)


def _base(actor: Actor, columns, *, joins: bool = True, action: str = "read"):  # noqa: ANN001, ANN202
    """A select of columns over the contracts actor may take action on (reading, by default); the
    joins to the result and the parties are left out of counts (every contract has them, so they
    change nothing but the cost). PermissionDenied for a role that reads no contracts."""
    stmt = select(*columns).select_from(Contract)
    if joins:
        stmt = (stmt.join(Result, Result.id == Contract.result_id)
                .join(LICENSOR, LICENSOR.c.id == Contract.licensor_org_id)
                .join(LICENSEE, LICENSEE.c.id == Contract.licensee_org_id))
    return CONTRACT.scope_filter(stmt, actor, COLUMNS, action)


def _filtered(stmt, f: ContractFilters):  # noqa: ANN001, ANN202
    if f.city_code:
        stmt = stmt.where(Contract.city_code == f.city_code)
    if f.status == RUNNING_ANY:
        stmt = stmt.where(Contract.status.in_(RUNNING))
    elif f.status:
        stmt = stmt.where(Contract.status == f.status)
    if f.kind:
        stmt = stmt.where(Contract.kind == f.kind)
    if f.result_text.strip():
        like = f"%{f.result_text.strip()}%"
        matching = select(Result.id).where(or_(Result.title.like(like), Result.number.like(like)))
        stmt = stmt.where(or_(Contract.result_id.in_(matching), Contract.number.like(like)))
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
            Contract.city_code, Contract.licensor_org_id, Contract.licensee_org_id, Contract.agency_id)
ORDER = (Contract.start_date.desc(), Contract.number)  # newest start first: ix_contract_(city_)start


@reader(CONTRACT)
def list_contracts(*, actor: Actor, filters: ContractFilters | None = None, page: int = 1,
                   page_size: int = 50) -> Page[ContractRow]:
    """One page (from 1) of the contracts actor reads, newest start first, and how many match."""
    f = filters or ContractFilters()
    count = _filtered(_base(actor, (func.count(),), joins=False), f)
    ids = _filtered(_base(actor, (Contract.id,), joins=False), f)
    with read_session() as s:
        def fetch(offset: int, limit: int) -> list[ContractRow]:
            # the page's ids on the contract table alone (an index walk), then the joins for just those rows
            page_ids = ids.order_by(*ORDER).offset(offset).limit(limit)
            stmt = _base(actor, _COLUMNS).where(Contract.id.in_(page_ids)).order_by(*ORDER)
            return [ContractRow(*r) for r in s.exec(stmt).all()]

        return paginate(s, count, fetch, page=page, size=max(1, min(page_size, 500)))


def _pairs(choices: list[directory.Choice]) -> list[tuple[uuid.UUID, str]]:
    return [(c.id, c.name) for c in choices]


@reader(CONTRACT, "create_trial")
def enterprise_search(*, actor: Actor, text: str = "", city_code: str | None = None,
                      limit: int = 50) -> list[tuple[uuid.UUID, str]]:
    """Enterprises a trial or a voucher can name, by part of the name (`directory.enterprises`):
    the actor's city (the province names a city first), at most limit, so pickers stay small
    whatever the province's size."""
    city = city_code if actor.is_province else actor.city_code
    if not city or not CONTRACT.may(actor, "create_trial"):
        return []
    return _pairs(directory.enterprises(actor=actor, query=text, city_code=city, limit=limit))


@reader(INSURANCE, "add")
def insurers(*, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """The insurers a trial's policy may name (`directory.insurers`: province-wide)."""
    return _pairs(directory.insurers(actor=actor))


@reader(CONTRACT, "create_trial")
def listed_results(*, actor: Actor, text: str = "", limit: int = 50) -> list[tuple[uuid.UUID, str, str]]:
    """Listed results a trial can be made on (the pool is province-wide; without a search, the
    actor's city's newest): (id, number, title). PermissionDenied for a role that records no trials."""
    if not CONTRACT.may(actor, "create_trial"):
        raise PermissionDenied()
    stmt = select(Result.id, Result.number, Result.title).where(Result.status == ResultStatus.LISTED)
    words = text.strip()[:60]
    if words:
        stmt = stmt.where(or_(Result.title.contains(words, autoescape=True),
                              Result.number.contains(words, autoescape=True)))
    elif actor.city_code:
        stmt = stmt.where(Result.city_code == actor.city_code)
    with read_session() as s:
        return [tuple(r) for r in s.exec(stmt.order_by(Result.listed_at.desc()).limit(limit)).all()]


EXPORT_COLUMNS = ("number", "kind", "status", "result", "result_number", "licensor", "licensee", "start", "end",
                  "deal_amount", "city")
EXPORT_FORMATS = tuple(MONEY if c == "deal_amount" else None for c in EXPORT_COLUMNS)  # dates carry their own


@reader(CONTRACT)
def export_contracts_xlsx(*, actor: Actor, filters: ContractFilters | None = None, lang: str = "zh") -> bytes:
    """The filtered list as an .xlsx workbook (at most EXPORT_LIMIT rows): text cells made safe, the
    deal amount a number in yuan, dates as dates, the city by name."""
    f = filters or ContractFilters()
    stmt = _filtered(_base(actor, _COLUMNS), f).order_by(*ORDER)
    with read_session() as s:
        rows = [ContractRow(*r) for r in s.exec(stmt.limit(EXPORT_LIMIT)).all()]
    return table_workbook([t(f"contracts.col.{c}", lang) for c in EXPORT_COLUMNS], (
        [r.number, label("contract_kind", r.kind, lang), label("contract_status", r.status, lang), r.result_title,
         r.result_number, r.licensor, r.licensee, r.start_date, r.end_date, r.deal_amount,
         region_name(r.city_code, lang)]
        for r in rows), title=t("contracts.export_sheet", lang), formats=EXPORT_FORMATS)


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
    vouchers: list[Voucher] = field(default_factory=list)  # the licensee's vouchers the actor may redeem

    @property
    def open_objections(self) -> list[Objection]:
        """The objections still to be resolved."""
        return [o for o in self.objections if o.status == ObjectionStatus.OPEN]


@reader(CONTRACT)
def find_contract_id(*, actor: Actor, number: str) -> uuid.UUID:
    """The id of the contract with this number, within scope."""
    clean = validation.text(number, field="contract_number", max_length=40)
    with read_session() as s:
        found = s.exec(select(Contract.id).where(Contract.number == clean)).first()
        return readable_contract(s, actor, found).id


@reader(CONTRACT)
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
        vouchers = redeemable(s, actor, c.licensee_org_id)
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
class ExpiringPage(Page[ExpiringTrial]):
    """One page of trials near their end (`.total` of them in all) and the reminder window."""

    days: int = 30


MATCH_COLUMNS = Columns(city=Match.city_code, orgs=(Match.enterprise_org_id,), status=Match.stage)


def _window_condition(actor: Actor):  # noqa: ANN202
    """end_date within each city's own reminder window (one city, or all for the province)."""
    codes = [actor.city_code] if not actor.is_province else [c.code for c in cities()]
    parts = [and_(Contract.city_code == code,
                  Contract.end_date <= today() + timedelta(days=current_policy(code).trial_reminder_days))
             for code in codes]
    return or_(*parts) if len(parts) > 1 else parts[0]


@reader(CONTRACT, "follow_expiry")
def expiring_trials(*, actor: Actor, include_overdue: bool = True, page: int = 1,
                    page_size: int = 25) -> ExpiringPage:
    """Running trials ending within the city's reminder window (and recently overdue ones), soonest
    first, each with the enterprise's matches and pilot tests (this result's first); the staff's
    worklist (PermissionDenied for others)."""
    days = current_policy(actor.city_code).trial_reminder_days
    floor = today() - timedelta(days=OVERDUE_DAYS) if include_overdue else today()
    # running (active or extended) is the step's own condition: `CONTRACT` "follow_expiry"
    where = (Contract.kind == ContractKind.TRIAL, Contract.end_date >= floor, _window_condition(actor))
    count = _base(actor, (func.count(),), joins=False, action="follow_expiry").where(*where)
    with read_session() as s:
        def fetch(offset: int, limit: int) -> list[ExpiringTrial]:
            stmt = _base(actor, (Contract.id, Contract.number, Contract.city_code, Result.title, LICENSOR.c.name,
                                 LICENSEE.c.name, Contract.end_date, Contract.result_id, Contract.licensee_org_id),
                         action="follow_expiry")
            rows = s.exec(stmt.where(*where).order_by(Contract.end_date, Contract.number)
                          .offset(offset).limit(limit)).all()
            return _with_history(s, actor, rows)

        found = paginate(s, count, fetch, page=page, size=page_size)
    return ExpiringPage(found.rows, found.total, found.number, found.size, days)


def _with_history(s: Session, actor: Actor, rows: list) -> list[ExpiringTrial]:
    """The page's trials with their enterprises' matches and pilot tests: two queries for the whole
    page, not two per trial, each within what the actor reads."""
    licensees = list({r[8] for r in rows})
    matches: dict = {}
    pilots: dict = {}
    if licensees:
        mstmt = (select(Match.enterprise_org_id, Match.result_id, Match.contact_date, Match.channel,
                        Match.stage, Result.title, Match.notes)
                 .join(Result, Result.id == Match.result_id)
                 .where(Match.enterprise_org_id.in_(licensees)).order_by(Match.contact_date.desc()))
        for ent, res, *rest in s.exec(MATCH.scope_filter(mstmt, actor, MATCH_COLUMNS)).all():
            matches.setdefault(ent, []).append((res, tuple(rest)))
        pstmt = (select(PilotBooking.enterprise_org_id, PilotBooking.result_id, PilotBooking.start_date,
                        PilotBooking.end_date, PilotPlatform.name, PilotBooking.status)
                 .join(PilotPlatform, PilotPlatform.id == PilotBooking.platform_id)
                 .where(PilotBooking.enterprise_org_id.in_(licensees))
                 .order_by(PilotBooking.start_date.desc()))
        for ent, res, *rest in s.exec(BOOKING.scope_filter(pstmt, actor, BOOKING_COLUMNS)).all():
            pilots.setdefault(ent, []).append((res, tuple(rest)))

    def first(items: list, result_id) -> list:  # noqa: ANN001
        ordered = [x for r, x in items if r == result_id] + [x for r, x in items if r != result_id]
        return ordered[:5]

    return [ExpiringTrial(cid, number, city, title, lor, lee, end, (end - today()).days,
                          first(matches.get(lee_id, []), res_id), first(pilots.get(lee_id, []), res_id))
            for cid, number, city, title, lor, lee, end, res_id, lee_id in rows]
