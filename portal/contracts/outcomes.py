"""What becomes of a trial (DOMAIN.md rule 3): converted, extended or terminated; and objections
(disputes) on a contract, recorded and resolved with who and why."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import select

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
from portal.contracts.common import RUNNING, check_writer, writable_contract
from portal.contracts.templates import template_for
from portal.contracts.trial_matches import advance_match
from portal.contracts.trials import award_points, check_capacity
from portal.core import audit, numbering, scope, validation
from portal.core.actor import Actor
from portal.core.clock import now, today
from portal.core.errors import NotFound, ValidationError

CONVERTIBLE = (ContractStatus.ACTIVE, ContractStatus.EXTENDED, ContractStatus.EXPIRED)
DEAL_KINDS = (ContractKind.PAID_LICENCE, ContractKind.TRANSFER)


def _trial(s, actor: Actor, contract_id) -> Contract:  # noqa: ANN001
    contract = writable_contract(s, actor, contract_id)
    if contract.kind != ContractKind.TRIAL:
        raise ValidationError("contracts.error.not_a_trial", field="contract")
    return contract


def convert_trial(*, actor: Actor, trial_id: uuid.UUID, kind: str, deal_amount: Decimal | str,
                  signing_date: date | str, payment_terms: str,
                  licence_type: str = LicenceType.ORDINARY) -> Contract:
    """Record the paid licence or transfer a trial became; the new contract links to its trial."""
    check_writer(actor)
    deal_kind = validation.choice(kind, DEAL_KINDS, field="contract_kind")
    amount = validation.money(deal_amount, field="deal_amount", positive=True)
    signed = validation.a_date(signing_date, field="contract_signing_date")
    terms = validation.text(payment_terms, field="contract_payment_terms", max_length=2000)
    licence = validation.choice(licence_type, LicenceType, field="contract_licence_type")
    if signed > today():
        raise ValidationError("contracts.error.signing_in_future", field="contract_signing_date")
    with transaction() as s:
        trial = _trial(s, actor, trial_id)
        if trial.status not in CONVERTIBLE:
            raise ValidationError("contracts.error.not_convertible", field="contract",
                                  status=trial.status)
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
        before = audit.snapshot(trial)
        deal = Contract(
            kind=deal_kind, licence_type=licence if deal_kind == ContractKind.PAID_LICENCE else LicenceType.ORDINARY,
            result_id=trial.result_id, licensor_org_id=trial.licensor_org_id,
            licensee_org_id=trial.licensee_org_id, agency_id=trial.agency_id, city_code=trial.city_code,
            match_id=trial.match_id, parent_trial_id=trial.id,
            number=numbering.allocate(s, "deal", trial.city_code, signed.year),
            territory=trial.territory, start_date=signed, deal_amount=amount, signing_date=signed,
            payment_terms=terms, status=ContractStatus.ACTIVE, created_by=actor.user_id,
            template_id=template_for(s, trial.city_code, deal_kind).id)  # the text it is signed with
        s.add(deal)
        trial.status = ContractStatus.CONVERTED
        s.add(trial)
        audit.record(s, actor, "contract.convert", trial, before=before)
        audit.record(s, actor, "contract.create_deal", deal)
        award_points(s, actor, deal, "conversion")
        match = s.get(Match, trial.match_id) if trial.match_id else None
        if match is not None:  # the 供需荟 record this trial came from is now converted too
            advance_match(s, actor, match, MatchStage.CONVERTED, deal.number)
    return deal


def extend_trial(*, actor: Actor, trial_id: uuid.UUID, new_end_date: date | str, reason: str) -> Contract:
    """Move a running trial's end date later, within the result's licensee slots."""
    check_writer(actor)
    new_end = validation.a_date(new_end_date, field="contract_new_end_date")
    why = validation.text(reason, field="contract_reason", max_length=500)
    with transaction() as s:
        trial = _trial(s, actor, trial_id)
        if trial.status not in (ContractStatus.ACTIVE, ContractStatus.EXTENDED, ContractStatus.EXPIRED):
            raise ValidationError("contracts.error.not_running", field="contract", status=trial.status)
        if new_end <= trial.end_date:
            raise ValidationError("contracts.error.extend_not_later", field="contract_new_end_date",
                                  end=trial.end_date.isoformat())
        result = s.exec(select(Result).where(Result.id == trial.result_id).with_for_update()).one()
        check_capacity(s, result, trial.end_date, new_end, exclude=trial.id)
        before = audit.snapshot(trial)
        trial.original_end_date = trial.original_end_date or trial.end_date
        trial.end_date = new_end
        trial.status = ContractStatus.EXTENDED
        trial.status_reason = why
        s.add(trial)
        audit.record(s, actor, "contract.extend", trial, before=before, reason=why)
    return trial


def terminate_trial(*, actor: Actor, trial_id: uuid.UUID, reason: str, note: str = "",
                    effective_date: date | str | None = None) -> Contract:
    """End a trial early or without conversion, for one of the fixed reasons."""
    check_writer(actor)
    code = validation.choice(reason, TerminationReason, field="contract_termination_reason")
    detail = validation.text(note, field="contract_reason", max_length=500,
                             required=code == TerminationReason.OTHER)
    effective = validation.a_date(effective_date, field="contract_effective_date", required=False) or today()
    with transaction() as s:
        trial = _trial(s, actor, trial_id)
        if trial.status not in (*RUNNING, ContractStatus.EXPIRED):
            raise ValidationError("contracts.error.not_running", field="contract", status=trial.status)
        if effective < trial.start_date:
            raise ValidationError("contracts.error.effective_before_start", field="contract_effective_date")
        before = audit.snapshot(trial)
        trial.original_end_date = trial.original_end_date or trial.end_date
        trial.end_date = min(trial.end_date, effective)
        trial.status = ContractStatus.TERMINATED
        trial.termination_reason = code
        trial.status_reason = detail
        s.add(trial)
        audit.record(s, actor, "contract.terminate", trial, before=before, reason=detail or code)
    return trial


# --- objections (disputes) on a contract ------------------------------------------------------------

def record_objection(*, actor: Actor, contract_id: uuid.UUID, objector_name: str, objector_contact: str,
                     reason: str) -> Objection:
    """Record a dispute about a contract; a running contract is marked disputed until resolved."""
    check_writer(actor)
    name = validation.text(objector_name, field="objection_name", max_length=80)
    contact = validation.text(objector_contact, field="objection_contact", max_length=80)
    why = validation.text(reason, field="objection_reason", max_length=2000)
    with transaction() as s:
        contract = writable_contract(s, actor, contract_id)
        objection = Objection(contract_id=contract.id, city_code=contract.city_code, objector_name=name,
                              objector_contact=contact, reason=why)
        s.add(objection)
        audit.record(s, actor, "objection.contract_raise", objection)
        if contract.status in (ContractStatus.ACTIVE, ContractStatus.EXTENDED):
            before = audit.snapshot(contract)
            contract.status = ContractStatus.DISPUTED
            s.add(contract)
            audit.record(s, actor, "contract.dispute", contract, before=before, reason=why)
    return objection


def resolve_objection(*, actor: Actor, objection_id: uuid.UUID, upheld: bool, resolution: str) -> Objection:
    """Close a contract objection with who and why; the contract resumes when none stays open."""
    check_writer(actor)
    why = validation.text(resolution, field="objection_resolution", max_length=2000)
    with transaction() as s:
        objection = s.exec(select(Objection).where(Objection.id == objection_id).with_for_update()).first()
        if objection is None or objection.contract_id is None or not scope.in_scope(
                actor, city_code=objection.city_code):
            raise NotFound()
        contract = writable_contract(s, actor, objection.contract_id)
        if objection.status != ObjectionStatus.OPEN:
            raise ValidationError("contracts.error.objection_closed", field="objection_resolution")
        before = audit.snapshot(objection)
        objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        objection.resolved_by = actor.user_id
        objection.resolved_at = now()
        objection.resolution = why
        s.add(objection)
        audit.record(s, actor, "objection.contract_resolve", objection, before=before, reason=why)
        still_open = s.exec(select(Objection.id).where(
            Objection.contract_id == contract.id, Objection.status == ObjectionStatus.OPEN,
            Objection.id != objection.id)).first()
        if contract.status == ContractStatus.DISPUTED and not still_open:
            before_c = audit.snapshot(contract)
            extended = contract.kind == ContractKind.TRIAL and contract.original_end_date \
                and contract.end_date and contract.end_date > contract.original_end_date
            contract.status = ContractStatus.EXTENDED if extended else ContractStatus.ACTIVE
            s.add(contract)
            audit.record(s, actor, "contract.dispute_resolved", contract, before=before_c, reason=why)
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
        .where(Contract.kind.in_(DEAL_KINDS), Contract.parent_trial_id.is_not(None))
    )
    ids = select(Contract.id).where(Contract.kind.in_(DEAL_KINDS), Contract.parent_trial_id.is_not(None))
    ids = scope.filter_scope(ids, actor, city_col=Contract.city_code,
                             org_cols=(Contract.licensor_org_id, Contract.licensee_org_id))
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
    """Daily job (`portal tick`): running trials whose end date has passed with no decision
    recorded become expired (they can still be converted, extended or terminated)."""
    from portal.core.actor import SYSTEM

    cutoff = day or today()
    with transaction() as s:
        rows = s.exec(select(Contract).where(
            Contract.kind == ContractKind.TRIAL,
            Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.EXTENDED)),
            Contract.end_date < cutoff).with_for_update()).all()
        for trial in rows:
            before = audit.snapshot(trial)
            trial.status = ContractStatus.EXPIRED
            s.add(trial)
            audit.record(s, SYSTEM, "contract.expire", trial, before=before)
    return len(rows)
