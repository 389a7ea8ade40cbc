"""An enterprise's requests (申请试用 / 登记意向) and the operator's answers.

The enterprise asks from a listed result; the request lands with the result's city as an `Intent`
of source "hub" (kind, message, the requesting user, status open). The city's operator turns it
into a match (`portal.hub.matches.record_match`, channel hub), into a trial contract
(`portal.contracts.trials.create_trial`, through the request's match, so the trial keeps its
link) or declines it with a reason; the enterprise may withdraw an open one. Each answer is one
transaction with its audit entry ("request.<action>"), and the enterprise sees the outcome and
the operator's reply on its 我的申请 page.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Session, select

from db.models import Contract, Intent, Match, Organization, Result
from db.models.enums import Channel, IntentWant, OrgKind, RequestKind, RequestStatus, ResultStatus
from portal.contracts.trials import create_trial, running_trial
from portal.core import idempotency, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add
from portal.core.clock import now, today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.scope import as_id
from portal.core.service import service
from portal.core.workflow import Subject
from portal.hub.matches import record_match
from portal.requests.rules import REQUEST, SOURCE

MAX_MESSAGE = 1000
WANTS = {RequestKind.TRIAL: IntentWant.TRIAL, RequestKind.INTEREST: IntentWant.INFO}  # the roadshow counts read wants


def _requester(s: Session, actor: Actor) -> Organization:
    """The actor's own enterprise, locked: one enterprise's requests queue here, so a double
    submission from two tabs finds the first one open."""
    oid = actor.organization_id
    org = s.exec(select(Organization).where(Organization.id == oid).with_for_update()).first() if oid else None
    if org is None or org.kind != OrgKind.ENTERPRISE:
        raise PermissionDenied()
    return org


def open_duplicate(s: Session, enterprise_org_id: uuid.UUID, result_id: uuid.UUID, kind: str) -> Intent | None:
    """The enterprise's open (or matched, still undecided) request of kind for the result, if any."""
    return s.exec(select(Intent).where(
        Intent.enterprise_org_id == enterprise_org_id, Intent.result_id == result_id, Intent.source == SOURCE,
        Intent.kind == kind, Intent.request_status.in_((RequestStatus.OPEN, RequestStatus.MATCHED)))
        .order_by(Intent.created_at)).first()


@service(REQUEST, "submit")
def submit_request(s: Session, *, actor: Actor, result_id: uuid.UUID, kind: str, message: str = "",
                   idempotency_key: str | None = None) -> Intent:
    """Ask for a free trial of a listed result, or register interest in it, for the actor's own
    enterprise; the request goes to the result's city. A second open request of the same kind for
    the same result is refused (the same idempotency_key again returns the first)."""
    if not REQUEST.may(actor, "submit"):
        raise PermissionDenied()
    chosen = validation.choice(kind, RequestKind, field="request_kind")
    text = validation.text(message, field="request_message", max_length=MAX_MESSAGE, required=False)
    rid = as_id(result_id) if result_id else None
    result = s.get(Result, rid) if rid else None
    if result is None or result.status != ResultStatus.LISTED:
        raise ValidationError("requests.error.result_not_listed", field="request_result")
    org = _requester(s, actor)
    REQUEST.require(actor, "submit", Subject(city_code=result.city_code, org_ids=(org.id,)))

    def make() -> Intent:
        same = open_duplicate(s, org.id, result.id, chosen)
        if same is not None:
            raise ValidationError("requests.error.duplicate", field="request_kind",
                                  date=same.created_at.date().isoformat())
        running = running_trial(s, result.id, org.id) if chosen == RequestKind.TRIAL else None
        if running is not None:
            raise ValidationError("requests.error.trial_running", field="request_kind", number=running[0],
                                  end=str(running[1] or "—"))
        return audited_add(s, actor, "request.submit", Intent(
            result_id=result.id, city_code=result.city_code, source=SOURCE, company_name=org.name,
            credit_code=org.credit_code, contact_person=(org.contact_name or actor.display_name)[:40],
            phone=org.contact_phone or "", wants=WANTS[RequestKind(chosen)], note=text, enterprise_org_id=org.id,
            kind=chosen, request_status=RequestStatus.OPEN, requested_by=actor.user_id))

    return idempotency.once(s, actor, idempotency_key, "request.submit", Intent, make)


def _load(s: Session, actor: Actor, request_id: uuid.UUID | str | None) -> Intent:
    """The request, locked for the answer; NotFound when missing, not a request or out of sight."""
    rid = as_id(request_id) if request_id else None
    req = s.exec(select(Intent).where(Intent.id == rid).with_for_update()).first() if rid else None
    if req is None or req.request_status is None:
        raise NotFound()
    return REQUEST.readable(actor, req)


def _decided(req: Intent, actor: Actor, reply: str | None = None) -> None:
    req.decided_by, req.decided_at = actor.user_id, now()
    if reply is not None:
        req.reply = reply


@service(REQUEST, "withdraw")
def withdraw_request(s: Session, *, actor: Actor, request_id: uuid.UUID) -> Intent:
    """The enterprise takes back an open request of its own."""
    req = _load(s, actor, request_id)
    with REQUEST.move(s, actor, "withdraw", req):
        _decided(req, actor)
    return req


@service(REQUEST, "decline")
def decline_request(s: Session, *, actor: Actor, request_id: uuid.UUID, reason: str) -> Intent:
    """The city's operator declines an open (or matched) request, saying why: the enterprise reads it."""
    why = validation.text(reason, field="request_reply", max_length=MAX_MESSAGE)
    req = _load(s, actor, request_id)
    with REQUEST.move(s, actor, "decline", req, reason=why):
        _decided(req, actor, why)
    return req


def _match_of(s: Session, req: Intent) -> Match | None:
    return s.exec(select(Match).where(Match.result_id == req.result_id, Match.intent_id == req.id)).first()


def _record_match(s: Session, actor: Actor, req: Intent, *, notes: str, contact_date: date | str | None,
                  next_follow_up: date | str | None, agency_id: uuid.UUID | None) -> Match:
    kind = validation.choice(req.kind, RequestKind, field="request_kind")
    said = "\n".join(x for x in (notes.strip(), req.note.strip(), f"[{kind}]") if x)
    return record_match.within(s, actor=actor, result_id=req.result_id, enterprise_org_id=req.enterprise_org_id,
                               channel=Channel.HUB, contact_date=contact_date or today(), intent_id=req.id,
                               people=f"{req.contact_person} {req.phone}".strip()[:200], notes=said[:4000],
                               next_follow_up=next_follow_up, agency_id=agency_id)


@service(REQUEST, "to_match")
def match_request(s: Session, *, actor: Actor, request_id: uuid.UUID, reply: str = "",
                  contact_date: date | str | None = None, next_follow_up: date | str | None = None,
                  agency_id: uuid.UUID | None = None) -> Match:
    """Take an open request into matchmaking: a match record (stage contacted, channel hub) of
    the operator's agency, written by `record_match` where its rules live; reply tells the
    enterprise what comes next."""
    text = validation.text(reply, field="request_reply", max_length=MAX_MESSAGE, required=False)
    req = _load(s, actor, request_id)
    REQUEST.require(actor, "to_match", req)
    match = _record_match(s, actor, req, notes=text, contact_date=contact_date, next_follow_up=next_follow_up,
                          agency_id=agency_id)
    with REQUEST.move(s, actor, "to_match", req):
        _decided(req, actor, text)
    return match


@service(REQUEST, "to_trial")
def trial_from_request(s: Session, *, actor: Actor, request_id: uuid.UUID, start_date: date | str | None = None,
                       end_date: date | str | None = None, signing_date: date | str | None = None,
                       reply: str = "", agency_id: uuid.UUID | None = None,
                       idempotency_key: str | None = None) -> Contract:
    """Sign the trial an open or matched request asked for: the request's match (recorded now if
    there is none) becomes a trial contract by `create_trial` (ordinary licence, fee 0, the
    result's slots), all in one transaction; the same idempotency_key again returns the trial."""
    text = validation.text(reply, field="request_reply", max_length=MAX_MESSAGE, required=False)

    def make() -> Contract:
        req = _load(s, actor, request_id)
        REQUEST.require(actor, "to_trial", req)
        match = _match_of(s, req) or _record_match(s, actor, req, notes=text, contact_date=None,
                                                   next_follow_up=None, agency_id=agency_id)
        with REQUEST.move(s, actor, "to_trial", req):  # answered first: the trial then finds it answered
            _decided(req, actor, text)
        return create_trial.within(s, actor=actor, result_id=req.result_id, licensee_org_id=req.enterprise_org_id,
                                   start_date=start_date, end_date=end_date, signing_date=signing_date,
                                   agency_id=match.agency_id if agency_id is None else agency_id,
                                   match_id=match.id)

    return idempotency.once(s, actor, idempotency_key, "request.to_trial", Contract, make)
