"""Requests answered by what happens elsewhere: a trial signed on a match that came from an
enterprise's request answers that request (from the contracts pages as from 企业申请)."""

from __future__ import annotations

from sqlmodel import Session, select

from db.models import Intent, Match
from db.models.enums import RequestStatus
from portal.core.actor import Actor
from portal.core.clock import now
from portal.requests.rules import REQUEST, SOURCE


def trial_signed_on(s: Session, actor: Actor, match: Match) -> None:
    """Move the request behind match (if it is one, and matched) to 已转试用, in the caller's
    transaction and audit trail; the enterprise then reads the trial under 我的申请."""
    if match.intent_id is None:
        return
    req = s.exec(select(Intent).where(Intent.id == match.intent_id).with_for_update()).first()
    if req is None or req.source != SOURCE or req.request_status != RequestStatus.MATCHED \
            or not REQUEST.may(actor, "to_trial", req):  # another city's trial never fails for its request
        return
    with REQUEST.move(s, actor, "to_trial", req):
        req.decided_by, req.decided_at = actor.user_id, now()
