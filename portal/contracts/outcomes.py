"""What becomes of a trial (DOMAIN.md rule 3): converted, extended or terminated; and objections
(disputes) on a contract, recorded and resolved with who and why. Which status each move needs and
who may make it is `portal.contracts.rules.CONTRACT`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from db.engine import read_session, transaction
from db.models import Contract, Match, Objection, Organization, Result
from db.models.enums import (
    ContractKind,
    ContractStatus,
    LicenceType,
    MatchStage,
    ObjectionStatus,
    TerminationReason,
)
from portal.contracts.common import COLUMNS, locked_contract
from portal.contracts.rules import CONTRACT, RUNNING
from portal.contracts.templates import template_for
from portal.contracts.trial_matches import advance_match
from portal.contracts.trials import award_points, check_capacity
from portal.core import idempotency, numbering, validation
from portal.core.actor import SYSTEM, Actor
from portal.core.audit import audited_add, audited_change
from portal.core.clock import now, today
from portal.core.errors import NotFound, ValidationError
from portal.core.scope import as_id
from portal.core.service import reader, service

DEAL_KINDS = (ContractKind.PAID_LICENCE, ContractKind.TRANSFER)


def _trial(s: Session, actor: Actor, contract_id: uuid.UUID | str | None, action: str) -> Contract:
    """The trial locked for update, once the table allows action on it now."""
    contract = locked_contract(s, actor, contract_id)
    CONTRACT.require(actor, action, contract)
    if contract.kind != ContractKind.TRIAL:  # the kind, not the status: a deal has no trial outcome
        raise ValidationError("contracts.error.not_a_trial", field="contract")
    return contract


@service(CONTRACT, "convert")
def convert_trial(s: Session, *, actor: Actor, trial_id: uuid.UUID, kind: str, deal_amount: Decimal | str,
                  signing_date: date | str, payment_terms: str,
                  licence_type: str = LicenceType.ORDINARY) -> Contract:
    """Record the paid licence or transfer a trial became; the new contract links to its trial, and
    the match the trial came from moves to converted in the same transaction."""
    deal_kind = validation.choice(kind, DEAL_KINDS, field="contract_kind")
    amount = validation.money(deal_amount, field="deal_amount", positive=True)
    signed = validation.a_date(signing_date, field="contract_signing_date")
    terms = validation.text(payment_terms, field="contract_payment_terms", max_length=2000)
    licence = validation.choice(licence_type, LicenceType, field="contract_licence_type")
    if signed > today():
        raise ValidationError("contracts.error.signing_in_future", field="contract_signing_date")
    trial = _trial(s, actor, trial_id, "convert")
    if signed < trial.start_date:
        raise ValidationError("contracts.error.signing_before_trial", field="contract_signing_date")
    if deal_kind == ContractKind.PAID_LICENCE and licence != LicenceType.ORDINARY:
        # An exclusive or sole licence would breach the other licensees' running trials.
        others = s.exec(select(Contract.number).where(
            Contract.result_id == trial.result_id, Contract.kind == ContractKind.TRIAL,
            Contract.status.in_(RUNNING), Contract.id != trial.id)).first()
        if others:
            raise ValidationError("contracts.error.exclusive_with_trials", field="contract_licence_type",
                                  number=others)
    with CONTRACT.move(s, actor, "convert", trial):
        deal = audited_add(s, actor, "contract.create_deal", Contract(
            kind=deal_kind, licence_type=licence if deal_kind == ContractKind.PAID_LICENCE else LicenceType.ORDINARY,
            result_id=trial.result_id, licensor_org_id=trial.licensor_org_id,
            licensee_org_id=trial.licensee_org_id, agency_id=trial.agency_id, city_code=trial.city_code,
            match_id=trial.match_id, parent_trial_id=trial.id,
            number=numbering.allocate(s, "deal", trial.city_code, signed.year),
            territory=trial.territory, start_date=signed, deal_amount=amount, signing_date=signed,
            payment_terms=terms, status=ContractStatus.ACTIVE, created_by=actor.user_id,
            template_id=template_for(s, trial.city_code, deal_kind).id))  # the text it is signed with
    match = s.get(Match, trial.match_id) if trial.match_id else None
    if match is not None:  # the 供需荟 record this trial came from is now converted too
        advance_match(s, actor, match, MatchStage.CONVERTED, deal.number)
    award_points(s, actor, deal, "conversion")
    return deal


@service(CONTRACT, "extend")
def extend_trial(s: Session, *, actor: Actor, trial_id: uuid.UUID, new_end_date: date | str,
                 reason: str) -> Contract:
    """Move a running (or expired) trial's end date later, within the result's licensee slots."""
    new_end = validation.a_date(new_end_date, field="contract_new_end_date")
    why = validation.text(reason, field="contract_reason", max_length=500)
    trial = _trial(s, actor, trial_id, "extend")
    if new_end <= trial.end_date:
        raise ValidationError("contracts.error.extend_not_later", field="contract_new_end_date",
                              end=trial.end_date.isoformat())
    result = s.exec(select(Result).where(Result.id == trial.result_id).with_for_update()).one()
    check_capacity(s, result, trial.end_date, new_end, exclude=trial.id)
    with CONTRACT.move(s, actor, "extend", trial, reason=why):
        trial.original_end_date = trial.original_end_date or trial.end_date
        trial.end_date = new_end
        trial.status_reason = why
    return trial


@service(CONTRACT, "terminate")
def terminate_trial(s: Session, *, actor: Actor, trial_id: uuid.UUID, reason: str, note: str = "",
                    effective_date: date | str | None = None) -> Contract:
    """End a trial early or without conversion, for one of the fixed reasons."""
    code = validation.choice(reason, TerminationReason, field="contract_termination_reason")
    detail = validation.text(note, field="contract_reason", max_length=500,
                             required=code == TerminationReason.OTHER)
    effective = validation.a_date(effective_date, field="contract_effective_date", required=False) or today()
    trial = _trial(s, actor, trial_id, "terminate")
    if effective < trial.start_date:
        raise ValidationError("contracts.error.effective_before_start", field="contract_effective_date")
    with CONTRACT.move(s, actor, "terminate", trial, reason=detail or code):
        trial.original_end_date = trial.original_end_date or trial.end_date
        trial.end_date = min(trial.end_date, effective)
        trial.termination_reason = code
        trial.status_reason = detail
    return trial


# --- objections (disputes) on a contract ------------------------------------------------------------

@service(CONTRACT, "object")
def record_objection(s: Session, *, actor: Actor, contract_id: uuid.UUID, objector_name: str,
                     objector_contact: str, reason: str, idempotency_key: str | None = None) -> Objection:
    """Record a dispute about a contract; a running contract is marked disputed until resolved.
    The same idempotency_key again returns the objection already recorded."""
    name = validation.text(objector_name, field="objection_name", max_length=80)
    contact = validation.text(objector_contact, field="objection_contact", max_length=80)
    why = validation.text(reason, field="objection_reason", max_length=2000)
    contract = locked_contract(s, actor, contract_id)
    CONTRACT.require(actor, "object", contract)

    def make() -> Objection:
        objection = audited_add(s, actor, "objection.contract_raise", Objection(
            contract_id=contract.id, city_code=contract.city_code, objector_name=name, objector_contact=contact,
            reason=why))
        if CONTRACT.may(actor, "dispute", contract):  # a running contract; a closed one keeps its status
            with CONTRACT.move(s, actor, "dispute", contract, reason=why):
                pass
        return objection

    return idempotency.once(s, actor, idempotency_key, "objection.contract_raise", Objection, make)


@service(CONTRACT, "resolve")
def resolve_objection(s: Session, *, actor: Actor, objection_id: uuid.UUID, upheld: bool,
                      resolution: str) -> Objection:
    """Close a contract objection with who and why; the contract resumes when none stays open."""
    why = validation.text(resolution, field="objection_resolution", max_length=2000)
    oid = as_id(objection_id)
    objection = s.exec(select(Objection).where(Objection.id == oid).with_for_update()).first() if oid else None
    if objection is None or objection.contract_id is None:
        raise NotFound()
    contract = locked_contract(s, actor, objection.contract_id)  # NotFound out of sight
    CONTRACT.require(actor, "resolve", contract)
    if objection.status != ObjectionStatus.OPEN:
        raise ValidationError("contracts.error.objection_closed", field="objection_resolution")
    with audited_change(s, actor, "objection.contract_resolve", objection, reason=why):
        objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        objection.resolved_by = actor.user_id
        objection.resolved_at = now()
        objection.resolution = why
    still_open = s.exec(select(Objection.id).where(
        Objection.contract_id == contract.id, Objection.status == ObjectionStatus.OPEN,
        Objection.id != objection.id)).first()
    if not still_open and CONTRACT.may(actor, "resume", contract):
        extended = contract.kind == ContractKind.TRIAL and contract.original_end_date \
            and contract.end_date and contract.end_date > contract.original_end_date
        with CONTRACT.move(s, actor, "resume", contract, reason=why, audit_action="contract.dispute_resolved"):
            contract.status = ContractStatus.EXTENDED if extended else ContractStatus.ACTIVE
    return objection


# --- the converted deals, for service-fee claims (issue 8) ---------------------------------------------

@dataclass(frozen=True)
class ConvertedDeal:
    """A paid licence or transfer that came from a trial: the basis of a service-fee claim."""

    contract_id: uuid.UUID
    number: str
    kind: str
    deal_amount: Decimal
    signing_date: date
    agency_id: uuid.UUID | None
    city_code: str
    trial_id: uuid.UUID | None
    result_title: str
    licensor_name: str
    licensee_name: str


CONVERTED_DEAL = (Contract.kind.in_(DEAL_KINDS), Contract.parent_trial_id.is_not(None))


@reader(CONTRACT)
def list_converted_deals(*, actor: Actor, agency_id: uuid.UUID | None = None, since: date | None = None,
                         until: date | None = None, limit: int = 500) -> list[ConvertedDeal]:
    """Converted deals in the actor's scope, newest signing first (what a fee claim is based on)."""
    licensor = Organization.__table__.alias("licensor")
    licensee = Organization.__table__.alias("licensee")
    stmt = (
        select(Contract, Result.title, licensor.c.name, licensee.c.name)
        .join(Result, Result.id == Contract.result_id)
        .join(licensor, licensor.c.id == Contract.licensor_org_id)
        .join(licensee, licensee.c.id == Contract.licensee_org_id)
    )
    ids = CONTRACT.scope_filter(select(Contract.id), actor, COLUMNS).where(*CONVERTED_DEAL)
    if agency_id is not None:
        ids = ids.where(Contract.agency_id == agency_id)
    if since is not None:
        ids = ids.where(Contract.signing_date >= since)
    if until is not None:
        ids = ids.where(Contract.signing_date <= until)
    ids = ids.order_by(Contract.signing_date.desc(), Contract.number).limit(limit)
    with read_session() as s:
        # the ids first on the contract table alone, then the joins for just those rows
        rows = s.exec(stmt.where(Contract.id.in_(ids)).order_by(Contract.signing_date.desc(), Contract.number)).all()
    return [ConvertedDeal(c.id, c.number, c.kind, c.deal_amount, c.signing_date, c.agency_id, c.city_code,
                          c.parent_trial_id, title, lor, lee) for c, title, lor, lee in rows]


def expire_overdue_trials(day: date | None = None) -> int:
    """Daily job (`portal tick`, acting as the system): running trials whose end date has passed
    with no decision recorded become expired (they can still be converted, extended or terminated).
    A job, not a user's action: its own transaction."""
    cutoff = day or today()
    with transaction() as s:
        rows = s.exec(select(Contract).where(
            Contract.kind == ContractKind.TRIAL,
            Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.EXTENDED)),
            Contract.end_date < cutoff).with_for_update()).all()
        for trial in rows:
            with CONTRACT.move(s, SYSTEM, "expire", trial):
                pass
    return len(rows)
