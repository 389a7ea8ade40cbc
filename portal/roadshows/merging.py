"""A company's repeat submissions on a QR page, side by side, and the operator's merge.

Anyone can type a company's public credit code, so the public page never merges: every
submission is its own row (DOMAIN.md rule 11). The operator sees the submissions of one credit
code for one roadshow item together and folds the ones that are the same company's repeats into
the one kept (`Intent.merged_into_id`). Both stay as they were, in the list and the audit trail; a
merged one is no longer counted or converted on its own (`counting`, `intents.convert_intent`).
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from db.engine import read_session
from db.models import Intent, Match
from portal.core.actor import Actor
from portal.core.audit import audited_change
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.scope import as_id
from portal.core.service import reader, service
from portal.core.workflow import Subject
from portal.roadshows.intents import COLUMNS, IntentRow, as_row, row_query
from portal.roadshows.rules import INTENT, IntentState


def _same_company(intent: Intent) -> tuple:
    return Intent.roadshow_item_id == intent.roadshow_item_id, Intent.credit_code == intent.credit_code


@reader(INTENT)
def company_submissions(*, actor: Actor, intent_id: uuid.UUID) -> list[IntentRow]:
    """The submissions with intent_id's roadshow item and credit code (itself included), oldest
    first: what the operator compares before merging."""
    iid = as_id(intent_id) if intent_id else None
    with read_session() as s:
        intent = s.get(Intent, iid) if iid else None
        if intent is None or not INTENT.may(actor, "read", Subject(city_code=intent.city_code)):
            raise NotFound()
        if intent.roadshow_item_id is None:
            stmt = row_query().where(Intent.id == intent.id)
        else:
            stmt = row_query().where(*_same_company(intent))
        rows = s.exec(INTENT.scope_filter(stmt, actor, COLUMNS).order_by(Intent.created_at, Intent.id)).all()
        return [as_row(*r) for r in rows]


def _state(s: Session, intent: Intent) -> str:
    if intent.merged_into_id is not None:
        return IntentState.MERGED
    matched = s.exec(select(Match.id).where(Match.result_id == intent.result_id, Match.intent_id == intent.id)).first()
    return IntentState.MATCHED if matched is not None else IntentState.OPEN


@service(INTENT, "merge")
def merge_intents(s: Session, *, actor: Actor, intent_id: uuid.UUID,
                  repeat_ids: list[uuid.UUID] | None = None) -> list[Intent]:
    """Fold repeat_ids (default: every other open submission of the same company for the same
    roadshow item) into intent_id, the one kept; the repeats merged into a repeat follow it.
    Returns the submissions merged."""
    if not INTENT.may(actor, "merge"):
        raise PermissionDenied()
    iid = as_id(intent_id) if intent_id else None
    kept = s.get(Intent, iid) if iid else None
    if kept is None or not INTENT.may(actor, "read", Subject(city_code=kept.city_code)):
        raise NotFound()
    if kept.roadshow_item_id is None:  # a hub intent has no QR page to repeat on
        raise ValidationError("intents.error.no_repeats", field="intent_merge")
    # the company's submissions locked in one order: two operators merging them cannot deadlock,
    # or merge A into B while the other merges B into A
    group = {i.id: i for i in s.exec(select(Intent).where(*_same_company(kept)).order_by(Intent.id)
                                     .with_for_update()).all()}
    kept = group[kept.id]
    if kept.merged_into_id is not None:
        raise ValidationError("intents.error.merge_into_merged", field="intent_merge")
    states = {i.id: _state(s, i) for i in group.values()}
    if repeat_ids is None:
        chosen = [i for i in group.values() if i.id != kept.id and states[i.id] == IntentState.OPEN]
        if not chosen:
            raise ValidationError("intents.error.no_repeats", field="intent_merge")
    else:
        ids = [as_id(r) for r in repeat_ids]
        if not ids or any(r is None or r not in group or r == kept.id for r in ids):
            raise ValidationError("intents.error.merge_other_company", field="intent_merge")
        chosen = [group[r] for r in dict.fromkeys(ids)]
    for repeat in chosen:
        INTENT.require(actor, "merge", Subject(city_code=repeat.city_code, status=states[repeat.id]))
    repeats = {r.id for r in chosen}
    for intent in group.values():  # earlier merges into a repeat now point at the kept one
        if intent.id in repeats or intent.merged_into_id in repeats:
            with audited_change(s, actor, "intent.merge", intent):
                intent.merged_into_id = kept.id
    return chosen
