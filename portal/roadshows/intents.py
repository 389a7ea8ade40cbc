"""Intents (意向登记) left by enterprises on a roadshow item's public QR page, and their follow-up.

The public page knows an item only by its token; it shows the result and the visitor's own
receipt, never another enterprise's intent. A repeat by the same company (credit code) for the
same item updates the one intent instead of adding a second.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Intent, Match, Organization, Result, Roadshow, RoadshowItem
from db.models.enums import Channel, IntentWant, OrgKind, ResultStatus, Role
from portal.core import validation
from portal.core.actor import Actor
from portal.core.audit import audited_add, audited_change
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.paging import Page, paginate
from portal.core.regions import all_regions
from portal.core.scope import as_id
from portal.core.service import reader, service
from portal.core.workflow import Columns
from portal.hub.matches import record_match
from portal.hub.rules import MATCH
from portal.roadshows.cards import summary_text
from portal.roadshows.moments import aware
from portal.roadshows.rules import INTENT, TAKES_INTENTS, IntentState

# Who the audit trail names for a submission from the public page (no account). The role is only
# a label for the trail: PUBLIC is never handed to a service that takes an actor.
PUBLIC = Actor(user_id=None, username="public-qr", display_name="扫码登记", role=Role.ENTERPRISE)
MAX_TOKEN = 64
COLUMNS = Columns(city=Intent.city_code)


@dataclass(frozen=True)
class PublicItem:
    """What the public page may show about the item behind a token."""

    roadshow_title: str
    starts_at: datetime
    venue: str
    result_title: str
    institution: str
    field: str
    trl: int
    summary: str
    trial_months: int


def _item_by_token(s: Session, token: str | None, *, lock: bool = False) -> tuple[RoadshowItem, Roadshow]:
    token = str(token or "").strip()
    if not token or len(token) > MAX_TOKEN:
        raise NotFound("intents.error.bad_link")
    stmt = select(RoadshowItem).where(RoadshowItem.token == token)
    # a double tap on "submit" must merge, not collide on the unique (item, company) key
    item = s.exec(stmt.with_for_update() if lock else stmt).first()
    show = s.get(Roadshow, item.roadshow_id) if item else None
    if item is None or show is None or show.status not in TAKES_INTENTS:
        raise NotFound("intents.error.bad_link")
    return item, show


def public_item(*, token: str | None) -> PublicItem:
    """The result and roadshow behind a QR token (NotFound for an unknown or unpublished one)."""
    with read_session() as s:
        item, show = _item_by_token(s, token)
        result = s.get(Result, item.result_id)
        owner = s.get(Organization, result.owner_org_id)
        return PublicItem(show.title, aware(show.starts_at), show.venue or show.online_link, result.title,
                          owner.name if owner else "", result.field, result.trl,
                          summary_text(result, 300), result.trial_months)


@dataclass(frozen=True)
class Receipt:
    """What the visitor is told after submitting: only their own intent."""

    company_name: str
    result_title: str
    wants: list[str]
    merged: bool


def _wants(values: list[str] | tuple[str, ...] | str | None) -> list[str]:
    if isinstance(values, str):
        values = [v for v in values.split(",") if v]
    chosen = [validation.choice(v, IntentWant, field="intent_wants") for v in values or []]
    if not chosen:
        raise ValidationError("error.required", field="intent_wants")
    return [w.value for w in IntentWant if w.value in chosen]  # fixed order, no repeats


@service()  # the public page's action: no actor, the token is the key (DOMAIN.md rule 11)
def submit_intent(s: Session, *, token: str | None, company_name: str, credit_code: str, contact_person: str,
                  phone: str, wants: list[str] | str, note: str = "") -> Receipt:
    """Record (or merge into) a company's intent for the item behind token; no sign-in needed."""
    name = validation.text(company_name, field="intent_company_name", max_length=120)
    if len(name) < 4:
        raise ValidationError("intents.error.company_name_short", field="intent_company_name")
    code = validation.credit_code(credit_code, field="credit_code")
    person = validation.text(contact_person, field="intent_contact_person", max_length=40)
    tel = validation.phone(phone, field="phone")
    chosen = _wants(wants)
    note = validation.text(note, field="intent_note", max_length=1000, required=False)
    item, show = _item_by_token(s, token, lock=True)
    result = s.get(Result, item.result_id)
    org = s.exec(select(Organization).where(Organization.credit_code == code)).first()
    enterprise = org.id if org is not None and org.kind == OrgKind.ENTERPRISE else None
    intent = s.exec(select(Intent).where(Intent.roadshow_item_id == item.id, Intent.credit_code == code)).first()
    if intent is None:
        audited_add(s, PUBLIC, "intent.submit", Intent(
            result_id=item.result_id, roadshow_id=show.id, roadshow_item_id=item.id, city_code=show.city_code,
            source="roadshow", credit_code=code, company_name=name, contact_person=person, phone=tel,
            wants=",".join(chosen), note=note[:4000], enterprise_org_id=enterprise))
        return Receipt(name, result.title, chosen, False)
    with audited_change(s, PUBLIC, "intent.merge", intent):
        old = [w for w in intent.wants.split(",") if w]
        chosen = [w.value for w in IntentWant if w.value in set(old) | set(chosen)]
        if note and intent.note and note not in intent.note:
            note = f"{intent.note}\n{note}"
        intent.company_name, intent.contact_person, intent.phone = name, person, tel
        intent.wants = ",".join(chosen)
        intent.note = (note or intent.note)[:4000]
        intent.enterprise_org_id = enterprise or intent.enterprise_org_id
    return Receipt(name, result.title, chosen, True)


# --- follow-up ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class IntentRow:
    """An intent as the operator's follow-up list shows it (governed by the intent table)."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    city_code: str
    roadshow_id: uuid.UUID | None
    result_id: uuid.UUID
    result_title: str
    company_name: str
    credit_code: str
    contact_person: str
    phone: str
    wants: list[str]
    note: str
    match_id: uuid.UUID | None

    @property
    def status(self) -> str:
        """Open until a match records it."""
        return IntentState.MATCHED if self.match_id else IntentState.OPEN


INTENT.govern(IntentRow)


@reader(INTENT)
def list_intents(*, actor: Actor, roadshow_id: uuid.UUID | None = None, result_id: uuid.UUID | None = None,
                 page: int | None = 1, page_size: int = 50) -> Page[IntentRow]:
    """One page (from 1) of the intents the actor may see, newest first, optionally of one
    roadshow and/or result."""
    conds = []
    if roadshow_id is not None:
        conds.append(Intent.roadshow_id == as_id(roadshow_id))
    if result_id is not None:
        conds.append(Intent.result_id == as_id(result_id))
    # correlated through result_id so that ix_match_result finds the few matches of the result
    matched = (select(Match.id).where(Match.result_id == Intent.result_id, Match.intent_id == Intent.id)
               .limit(1).scalar_subquery())
    stmt = INTENT.scope_filter(select(Intent, Result.title, matched).join(Result, Result.id == Intent.result_id),
                               actor, COLUMNS).where(*conds)
    count = INTENT.scope_filter(select(func.count()).select_from(Intent), actor, COLUMNS).where(*conds)
    with read_session() as s:
        def fetch(offset: int, limit: int) -> list[IntentRow]:
            rows = s.exec(stmt.order_by(Intent.created_at.desc(), Intent.id).offset(offset).limit(limit)).all()
            return [IntentRow(i.id, aware(i.created_at), aware(i.updated_at), i.city_code, i.roadshow_id,
                              i.result_id, title, i.company_name, i.credit_code, i.contact_person, i.phone,
                              [w for w in i.wants.split(",") if w], i.note, m) for i, title, m in rows]

        return paginate(s, count, fetch, page=page, size=page_size)


def _region_of(code: str, fallback: str) -> tuple[str, str | None]:
    """City and county from the credit code's registration area (characters 3–8), when in Zhejiang."""
    regions = all_regions()
    area = regions.get(code[2:8])
    if area is not None and area.level == "county" and area.parent:
        return area.parent, area.code
    if area is not None and area.level == "city":
        return area.code, None
    return fallback, None


def _enterprise_for(s: Session, actor: Actor, intent: Intent) -> Organization:
    """The intent's enterprise: linked already, known by its credit code, or registered from the
    intent (city and county from the code's registration area) — inside the caller's transaction."""
    org = s.get(Organization, intent.enterprise_org_id) if intent.enterprise_org_id else None
    org = org or s.exec(select(Organization).where(Organization.credit_code == intent.credit_code)).first()
    if org is not None and org.kind != OrgKind.ENTERPRISE:
        raise ValidationError("intents.error.code_not_enterprise", field="credit_code")
    if org is None:
        city, county = _region_of(intent.credit_code, intent.city_code)
        org = audited_add(s, actor, "organization.from_intent", Organization(
            name=intent.company_name, kind=OrgKind.ENTERPRISE, credit_code=intent.credit_code, city_code=city,
            county_code=county, contact_name=intent.contact_person, contact_phone=intent.phone))
    if intent.enterprise_org_id != org.id:
        with audited_change(s, actor, "intent.link_enterprise", intent):
            intent.enterprise_org_id = org.id
    return org


@service(MATCH, "record")
def convert_intent(s: Session, *, actor: Actor, intent_id: uuid.UUID, contact_date: date | str | None = None,
                   notes: str = "", next_follow_up: date | str | None = None) -> Match:
    """Turn an intent into a match record (stage 'contacted', channel roadshow) in one transaction:
    an enterprise not yet known to the portal is registered from the intent, and the match is
    written by `record_match`, where its rules live. A refusal of either leaves both undone."""
    if not MATCH.may(actor, "record"):
        raise PermissionDenied()
    intent = s.get(Intent, as_id(intent_id)) if intent_id else None
    if intent is None or not MATCH.may(actor, "record", intent):
        raise NotFound()
    if s.exec(select(Match.id).where(Match.result_id == intent.result_id,
                                     Match.intent_id == intent.id)).first() is not None:
        raise ValidationError("matching.error.intent_already_matched", field="match_intent")
    result = s.get(Result, intent.result_id)
    if result is None or result.status != ResultStatus.LISTED:
        raise ValidationError("matching.error.result_not_listed", field="match_result")
    org = _enterprise_for(s, actor, intent)
    people = f"{intent.contact_person} {intent.phone}".strip()
    wants = "、".join(validation.choice(w, IntentWant, field="intent_wants") for w in intent.wants.split(",") if w)
    note_text = "\n".join(x for x in (notes.strip(), intent.note.strip(), f"[{wants}]") if x)
    return record_match.within(s, actor=actor, result_id=intent.result_id, enterprise_org_id=org.id,
                               channel=Channel.ROADSHOW, contact_date=contact_date or today(),
                               intent_id=intent.id, roadshow_id=intent.roadshow_id, people=people[:200],
                               notes=note_text[:4000], next_follow_up=next_follow_up)
