"""Use-first trials (DOMAIN.md rules 1–2): ordinary licence, zero fee, dates, licensee slots."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from db.engine import read_session
from db.models import Contract, Match, Organization, Result
from db.models.enums import ContractKind, ContractStatus, LicenceType, MatchStage, ResultStatus
from portal.contracts.common import trial_end
from portal.contracts.rules import CONTRACT, RUNNING
from portal.contracts.templates import template_for
from portal.contracts.trial_matches import advance_match, linked_match
from portal.core import directory, idempotency, numbering, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add
from portal.core.clock import today
from portal.core.errors import PermissionDenied, ValidationError
from portal.core.scope import as_id
from portal.core.service import reader, service
from portal.core.workflow import Subject
from portal.hub.rules import MATCH
from portal.requests.answers import trial_signed_on
from portal.scoring import points


@dataclass(frozen=True)
class Party:
    """A contracting party's details as the contract and its document show them."""

    id: uuid.UUID
    name: str
    kind: str
    credit_code: str
    city_code: str
    address: str
    contact_name: str
    contact_phone: str
    size: str | None = None

    @classmethod
    def of(cls, org: Organization) -> Party:
        return cls(org.id, org.name, org.kind, org.credit_code, org.city_code, org.address or "",
                   org.contact_name or "", org.contact_phone or "", org.size)


@dataclass(frozen=True)
class TrialDefaults:
    """What the new-trial form fills in once a result (and an enterprise) is chosen."""

    result_id: uuid.UUID
    result_title: str
    result_number: str
    trial_months: int
    start_date: date
    end_date: date
    licensor: Party
    licensee: Party | None
    max_licensees: int | None
    running: int  # trials of the result running on the default dates


def max_licensees(result: Result) -> int | None:
    """The licensor's limit of simultaneous trials for this result (DOMAIN.md rule 1); None = unlimited.

    The organization's default only pre-fills a new result's limit at disclosure; the pool's
    slots, its filters and this rule all read the result's own value.
    """
    return result.max_trial_licensees or None


def peak_running(s: Session, result_id: uuid.UUID, start: date, end: date,
                 exclude: uuid.UUID | None = None) -> int:
    """The most trials of the result running on any one day of [start, end] (inclusive dates)."""
    stmt = select(Contract.start_date, Contract.end_date).where(
        Contract.result_id == result_id, Contract.kind == ContractKind.TRIAL,
        Contract.status.in_(RUNNING), Contract.start_date <= end, Contract.end_date >= start)
    if exclude is not None:
        stmt = stmt.where(Contract.id != exclude)
    events: list[tuple[date, int]] = []
    for s_day, e_day in s.exec(stmt).all():
        events.append((max(s_day, start), 1))
        events.append((min(e_day, end) + timedelta(days=1), -1))
    peak = current = 0
    for _, step in sorted(events, key=lambda ev: (ev[0], ev[1])):
        current += step
        peak = max(peak, current)
    return peak


def check_capacity(s: Session, result: Result, start: date, end: date,
                   exclude: uuid.UUID | None = None) -> None:
    """Refuse when the result's licensee slots are all taken on some day of [start, end]."""
    limit = max_licensees(result)
    if limit is None:
        return
    running = peak_running(s, result.id, start, end, exclude=exclude)
    if running >= limit:
        raise ValidationError("contracts.error.slots_full", field="contract_start_date",
                              limit=limit, running=running)


def running_trial(s: Session, result_id: uuid.UUID, licensee_org_id: uuid.UUID, start: date | None = None,
                  end: date | None = None) -> tuple[str, date | None] | None:
    """(number, end date) of the licensee's trial of the result that runs during start..end (today
    when not given), if any: one enterprise holds one trial of a result at a time."""
    start = start or today()
    end = end or start
    return s.exec(select(Contract.number, Contract.end_date).where(
        Contract.result_id == result_id, Contract.licensee_org_id == licensee_org_id,
        Contract.kind == ContractKind.TRIAL, Contract.status.in_(RUNNING),
        Contract.start_date <= end, Contract.end_date >= start).order_by(Contract.end_date.desc())).first()


def _listed_result(s: Session, result_id: uuid.UUID | None, *, lock: bool = False) -> Result:
    stmt = select(Result).where(Result.id == result_id)
    result = s.exec(stmt.with_for_update() if lock else stmt).first() if result_id else None
    if result is None:
        raise ValidationError("contracts.error.no_such_result", field="contract_result")
    if result.status != ResultStatus.LISTED:
        raise ValidationError("contracts.error.result_not_listed", field="contract_result")
    return result


def _licensee(s: Session, actor: Actor, org_id: uuid.UUID | None,
              match_id: uuid.UUID | str | None = None) -> Organization:
    """The enterprise a trial names, as the picker offers it (`directory.enterprises`); or the
    enterprise of the match it comes from, wherever that enterprise is registered (one of another
    city asked for the trial: portal/requests). The match itself is checked by `linked_match`."""
    match = s.get(Match, as_id(match_id)) if match_id else None
    if match is not None and org_id is not None and match.enterprise_org_id == as_id(org_id) \
            and MATCH.may(actor, "read", match):
        org = s.get(Organization, match.enterprise_org_id)
        if org is not None and org.kind in directory.ENTERPRISES:
            return org
    return directory.named(s, actor, org_id, kinds=directory.ENTERPRISES, field="contract_licensee")


@reader(CONTRACT, "create_trial")
def trial_defaults(*, actor: Actor, result_id: uuid.UUID, licensee_org_id: uuid.UUID | None = None,
                   start_date: date | None = None) -> TrialDefaults:
    """Dates from the result's trial months and the parties' details from their records."""
    if not CONTRACT.may(actor, "create_trial"):
        raise PermissionDenied()
    with read_session() as s:
        result = _listed_result(s, result_id)
        owner = s.get(Organization, result.owner_org_id)
        licensee = _licensee(s, actor, licensee_org_id) if licensee_org_id else None
        start = start_date or today()
        end = trial_end(start, result.trial_months)
        return TrialDefaults(result.id, result.title, result.number, result.trial_months, start, end,
                             Party.of(owner), Party.of(licensee) if licensee else None,
                             max_licensees(result), peak_running(s, result.id, start, end))


@service(CONTRACT, "create_trial")
def create_trial(s: Session, *, actor: Actor, result_id: uuid.UUID, licensee_org_id: uuid.UUID,
                 start_date: date | str | None = None, end_date: date | str | None = None,
                 licence_type: str = LicenceType.ORDINARY, territory: str | None = None,
                 signing_date: date | str | None = None, agency_id: uuid.UUID | None = None,
                 match_id: uuid.UUID | None = None, fee: Decimal | str | int = 0,
                 idempotency_key: str | None = None) -> Contract:
    """Record a trial: ordinary licence only, zero fee, within the result's licensee slots; match_id
    names the 供需荟 match it came from (same result and enterprise, of the trial's city), which
    moves on to the trial stage in the same transaction. The same idempotency_key again returns
    the trial already recorded."""
    if not CONTRACT.may(actor, "create_trial"):
        raise PermissionDenied()  # before reading the form: this role records no trials
    licence = validation.choice(licence_type, LicenceType, field="contract_licence_type")
    if licence != LicenceType.ORDINARY:
        raise ValidationError("contracts.error.trial_not_ordinary", field="contract_licence_type",
                              licence=licence)
    if validation.money(fee, field="contract_fee") != Decimal("0"):
        raise ValidationError("contracts.error.trial_fee", field="contract_fee")
    start = validation.a_date(start_date, field="contract_start_date", required=False) or today()
    signed = validation.a_date(signing_date, field="contract_signing_date", required=False) or min(start, today())
    place = validation.text(territory, field="contract_territory", max_length=100, required=False)
    agency = directory.acting_agency(s, actor, agency_id)
    CONTRACT.require(actor, "create_trial", Subject(city_code=agency.city_code, agency_id=agency.id))
    result = _listed_result(s, result_id, lock=True)  # serializes trials of one result (PostgreSQL)
    licensee = _licensee(s, actor, licensee_org_id, match_id)
    end = validation.a_date(end_date, field="contract_end_date", required=False) \
        or trial_end(start, result.trial_months)
    if end < start:
        raise ValidationError("contracts.error.end_before_start", field="contract_end_date")
    if signed > today():
        raise ValidationError("contracts.error.signing_in_future", field="contract_signing_date")

    def make() -> Contract:  # a second click would find its own trial a duplicate: not refused, the same
        same = running_trial(s, result.id, licensee.id, start, end)
        if same:
            raise ValidationError("contracts.error.duplicate_trial", field="contract_licensee", number=same[0])
        check_capacity(s, result, start, end)
        match = None if match_id is None else linked_match(
            s, actor, match_id, result_id=result.id, licensee_org_id=licensee.id, city_code=agency.city_code)
        trial = audited_add(s, actor, "contract.create_trial", Contract(
            kind=ContractKind.TRIAL, licence_type=LicenceType.ORDINARY, result_id=result.id,
            licensor_org_id=result.owner_org_id, licensee_org_id=licensee.id, agency_id=agency.id,
            city_code=agency.city_code, match_id=match.id if match else None,
            number=numbering.allocate(s, "trial", agency.city_code, start.year),
            territory=place or "中华人民共和国境内", start_date=start, end_date=end, original_end_date=end,
            fee=Decimal("0"), signing_date=signed, status=ContractStatus.ACTIVE,
            template_id=template_for(s, agency.city_code, ContractKind.TRIAL).id,
            created_by=actor.user_id,
        ))
        if match is not None:
            advance_match(s, actor, match, MatchStage.TRIAL, trial.number)
            trial_signed_on(s, actor, match)
        award_points(s, actor, trial, "trial_signed")
        return trial

    return idempotency.once(s, actor, idempotency_key, "contract.create_trial", Contract, make)


def award_points(s: Session, actor: Actor, contract: Contract, kind: str) -> None:
    """Points for the contract's agency (trial signed, conversion), in the caller's transaction."""
    if contract.agency_id is None:
        return
    points.award(s, actor=actor, kind=kind, agency_id=contract.agency_id, city_code=contract.city_code,
                 entity="contract", entity_id=contract.id, occurred_on=contract.signing_date,
                 user_id=actor.user_id)
