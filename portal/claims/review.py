"""A claim's way through the city: submitted → reviewed → approved (within the budget, DOMAIN.md
rule 8) or rejected with a reason → paid; a rejected claim may be reopened as a draft. Who may
take each step is `rules.CLAIM`; nobody reviews, approves or pays a claim they made."""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Session, select

from db.models import FeeClaim
from db.models.enums import ClaimStatus
from portal.claims import budgets
from portal.claims.rules import CLAIM
from portal.core import validation
from portal.core.actor import Actor
from portal.core.clock import now, today
from portal.core.errors import ValidationError
from portal.core.scope import as_id
from portal.core.service import service
from portal.core.workflow import Subject
from portal.scoring.points import award


def load_claim(s: Session, actor: Actor, claim_id: uuid.UUID | str | None, *, lock: bool = True) -> FeeClaim:
    """The claim (locked for the change), or NotFound when missing or out of the actor's sight."""
    cid = as_id(claim_id)
    stmt = select(FeeClaim).where(FeeClaim.id == cid)
    claim = s.exec(stmt.with_for_update() if lock else stmt).first() if cid else None
    return CLAIM.readable(actor, claim)


def _as_if(claim: FeeClaim, status: str) -> Subject:
    return Subject(city_code=claim.city_code, agency_id=claim.agency_id, status=status, created_by=claim.created_by)


@service(CLAIM, "submit")
def submit_claim(s: Session, *, actor: Actor, claim_id: uuid.UUID) -> FeeClaim:
    """draft → submitted, by the claiming agency; submitting again changes nothing."""
    claim = load_claim(s, actor, claim_id)
    if claim.status == ClaimStatus.SUBMITTED and CLAIM.may(actor, "submit", _as_if(claim, ClaimStatus.DRAFT)):
        return claim  # a retried submit
    with CLAIM.move(s, actor, "submit", claim):
        claim.submitted_at = now()
    return claim


@service(CLAIM, "review")
def review_claim(s: Session, *, actor: Actor, claim_id: uuid.UUID, note: str = "") -> FeeClaim:
    """submitted → reviewed: the city has checked the evidence."""
    why = validation.text(note, field="review_note", max_length=1000, required=False)
    claim = load_claim(s, actor, claim_id)
    with CLAIM.move(s, actor, "review", claim, reason=why or None):
        claim.reviewed_by, claim.reviewed_at = actor.user_id, now()
    return claim


@service(CLAIM, "approve")
def approve_claim(s: Session, *, actor: Actor, claim_id: uuid.UUID) -> FeeClaim:
    """reviewed → approved, within the budget (refused with the figures when it would overrun)."""
    claim = load_claim(s, actor, claim_id)
    with CLAIM.move(s, actor, "approve", claim):
        budgets.check_and_commit(s, claim)
        claim.decided_by, claim.decided_at = actor.user_id, now()
    return claim


@service(CLAIM, "reject")
def reject_claim(s: Session, *, actor: Actor, claim_id: uuid.UUID, reason: str) -> FeeClaim:
    """submitted / reviewed → rejected, with a reason the agency reads."""
    why = validation.text(reason, field="reject_reason", max_length=1000)
    claim = load_claim(s, actor, claim_id)
    with CLAIM.move(s, actor, "reject", claim, reason=why):
        claim.reject_reason = why
        claim.decided_by, claim.decided_at = actor.user_id, now()
    return claim


@service(CLAIM, "pay")
def mark_paid(s: Session, *, actor: Actor, claim_id: uuid.UUID, paid_on: date | str, payment_ref: str) -> FeeClaim:
    """approved → paid, with the payment date and reference; the agency earns its claim_paid points."""
    day = validation.a_date(paid_on, field="paid_on")
    ref = validation.text(payment_ref, field="payment_ref", max_length=60)
    if day > today():
        raise ValidationError("claims.error.paid_in_future", field="paid_on")
    claim = load_claim(s, actor, claim_id)
    with CLAIM.move(s, actor, "pay", claim):
        claim.paid_on, claim.payment_ref = day, ref
    award(s, actor=actor, agency_id=claim.agency_id, city_code=claim.city_code, kind="claim_paid",
          entity="fee_claim", entity_id=claim.id, occurred_on=day, user_id=claim.created_by)
    return claim


@service(CLAIM, "reopen")
def reopen_claim(s: Session, *, actor: Actor, claim_id: uuid.UUID) -> FeeClaim:
    """rejected → draft, so the agency can correct the evidence and submit again."""
    claim = load_claim(s, actor, claim_id)
    with CLAIM.move(s, actor, "reopen", claim):
        for name in ("submitted_at", "decided_at", "decided_by", "reviewed_at", "reviewed_by"):
            setattr(claim, name, None)
    return claim


