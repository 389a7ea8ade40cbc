"""Intents (意向登记) left by enterprises on a roadshow item's public QR page, and their follow-up.

The public page knows an item only by its token; it shows the result and the visitor's own
receipt, never another enterprise's intent (DOMAIN.md rule 11). Credit codes are public, so a
submission never changes or reveals another one: each is its own row, and a double tap on
submit is caught by the form's submission key, not by the credit code. The operator sees a
company's submissions for the same result side by side and merges them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Intent, Match, Organization, Result, Roadshow, RoadshowItem
from db.models.enums import Channel, IntentWant, OrgKind, ResultStatus, Role
from portal.core import validation
from portal.core.actor import Actor
from portal.core.audit import audited_add, audited_change
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.idempotency import once
from portal.core.paging import Page, paginate
from portal.core.regions import all_regions
from portal.core.scope import as_id
from portal.core.service import reader, service
from portal.core.workflow import Columns
from portal.hub.matches import record_match
from portal.hub.rules import MATCH
from portal.roadshows import names
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
    # submissions for one item queue here, so a double tap's twin finds the first one's key
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
    """What the visitor is told after submitting: only what they typed themselves."""

    company_name: str
    contact_person: str
    result_title: str
    wants: tuple[str, ...]


def _wants(values: list[str] | tuple[str, ...] | str | None) -> list[str]:
    if isinstance(values, str):
        values = [v for v in values.split(",") if v]
    chosen = [validation.choice(v, IntentWant, field="intent_wants") for v in values or []]
    if not chosen:
        raise ValidationError("error.required", field="intent_wants")
    return [w.value for w in IntentWant if w.value in chosen]  # fixed order, no repeats


def _receipt(intent: Intent, result: Result) -> Receipt:
    return Receipt(intent.company_name, intent.contact_person, result.title, tuple(w for w in intent.wants.split(",") if w))


@service()  # the public page's action: no actor, the token is the key (DOMAIN.md rule 11)
def submit_intent(s: Session, *, token: str | None, company_name: str, credit_code: str, contact_person: str,
                  phone: str, wants: list[str] | str, note: str = "", idempotency_key: str | None = None) -> Receipt:
    """Record a company's intent for the item behind token, as a submission of its own (no
    sign-in needed); the same idempotency_key again (a double tap) hands back the first one's
    receipt instead of a second row."""
    name = names.company_name(company_name, full=True)
    code = validation.credit_code(credit_code, field="credit_code")
    person = names.person_name(contact_person)
    tel = validation.phone(phone, field="phone")
    chosen = _wants(wants)
    note = validation.text(note, field="intent_note", max_length=1000, required=False)
    item, show = _item_by_token(s, token, lock=True)
    result = s.get(Result, item.result_id)
    org = s.exec(select(Organization).where(Organization.credit_code == code)).first()
    enterprise = org.id if org is not None and org.kind == OrgKind.ENTERPRISE else None

    def record() -> Intent:
        return audited_add(s, PUBLIC, "intent.submit", Intent(
            result_id=item.result_id, roadshow_id=show.id, roadshow_item_id=item.id, city_code=show.city_code,
            source="roadshow", credit_code=code, company_name=name, contact_person=person, phone=tel,
            wants=",".join(chosen), note=note, enterprise_org_id=enterprise))

    intent = once(s, PUBLIC, idempotency_key, "intent.submit", Intent, record)
    if intent.roadshow_item_id != item.id:  # a key is one page's: never another item's receipt
        raise ValidationError("error.key_reused", field="idempotency_key")
    return _receipt(intent, result)


# --- follow-up ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class IntentRow:
    """An intent as the operator's follow-up list shows it (governed by the intent table)."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    city_code: str
    roadshow_id: uuid.UUID | None
    roadshow_item_id: uuid.UUID | None
    result_id: uuid.UUID
    result_title: str
    company_name: str
    credit_code: str
    contact_person: str
    phone: str
    wants: list[str]
    note: str
    match_id: uuid.UUID | None
    merged_into_id: uuid.UUID | None = None
    repeats: int = 0  # the company's other submissions for the same item: possible duplicates

    @property
    def status(self) -> str:
        """Open until a match records it or the operator merges it into another submission."""
        if self.merged_into_id:
            return IntentState.MERGED
        return IntentState.MATCHED if self.match_id else IntentState.OPEN


INTENT.govern(IntentRow)


def _matched():  # noqa: ANN202
    # correlated through result_id so that ix_match_result finds the few matches of the result
    return (select(Match.id).where(Match.result_id == Intent.result_id, Match.intent_id == Intent.id)
            .limit(1).scalar_subquery())


def _twins() -> tuple:
    twin = aliased(Intent)
    return twin, (twin.roadshow_item_id == Intent.roadshow_item_id, twin.credit_code == Intent.credit_code,
                  twin.id != Intent.id)


def _repeats():  # noqa: ANN202
    twin, same = _twins()
    return select(func.count()).select_from(twin).where(*same).scalar_subquery()


def _repeated():  # noqa: ANN202
    # EXISTS stops at the first twin: a flood of one credit code must not make the filter quadratic
    twin, same = _twins()
    return select(twin.id).where(*same).exists()


def row_query():  # noqa: ANN201
    """The select an IntentRow is read from (see `as_row`)."""
    return (select(Intent, Result.title, _matched(), _repeats())
            .join(Result, Result.id == Intent.result_id))


def as_row(intent: Intent, title: str, match_id: uuid.UUID | None, repeats: int) -> IntentRow:
    """One row of `row_query` as an IntentRow."""
    i = intent
    return IntentRow(i.id, aware(i.created_at), aware(i.updated_at), i.city_code, i.roadshow_id,
                     i.roadshow_item_id, i.result_id, title, i.company_name, i.credit_code, i.contact_person,
                     i.phone, [w for w in i.wants.split(",") if w], i.note, match_id, i.merged_into_id,
                     int(repeats or 0))


@reader(INTENT)
def list_intents(*, actor: Actor, roadshow_id: uuid.UUID | None = None, result_id: uuid.UUID | None = None,
                 repeats_only: bool = False, page: int | None = 1, page_size: int = 50) -> Page[IntentRow]:
    """One page (from 1) of the intents the actor may see, newest first, optionally of one
    roadshow and/or result, or only those with possible duplicates (a company's submissions for
    one item next to each other)."""
    conds = []
    if roadshow_id is not None:
        conds.append(Intent.roadshow_id == as_id(roadshow_id))
    if result_id is not None:
        conds.append(Intent.result_id == as_id(result_id))
    if repeats_only:
        conds.append(_repeated())
    order = ((Intent.roadshow_item_id, Intent.credit_code, Intent.created_at, Intent.id) if repeats_only
             else (Intent.created_at.desc(), Intent.id))
    stmt = INTENT.scope_filter(row_query(), actor, COLUMNS).where(*conds)
    count = INTENT.scope_filter(select(func.count()).select_from(Intent), actor, COLUMNS).where(*conds)
    with read_session() as s:
        def fetch(offset: int, limit: int) -> list[IntentRow]:
            rows = s.exec(stmt.order_by(*order).offset(offset).limit(limit)).all()
            return [as_row(*r) for r in rows]

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
    written by `record_match`, where its rules live. The submissions merged into the intent add
    their wants, contacts and notes. A merged intent is refused (its kept one is converted), and a
    refusal of either step leaves both undone."""
    if not MATCH.may(actor, "record"):
        raise PermissionDenied()
    iid = as_id(intent_id) if intent_id else None
    # locked: a merge of the same intent waits, so an intent is never both merged and matched
    intent = s.exec(select(Intent).where(Intent.id == iid).with_for_update()).first() if iid else None
    if intent is None or not MATCH.may(actor, "record", intent):
        raise NotFound()
    if s.exec(select(Match.id).where(Match.result_id == intent.result_id,
                                     Match.intent_id == intent.id)).first() is not None:
        raise ValidationError("matching.error.intent_already_matched", field="match_intent")
    if intent.merged_into_id is not None:
        raise ValidationError("intents.error.merged_convert_kept", field="match_intent")
    result = s.get(Result, intent.result_id)
    if result is None or result.status != ResultStatus.LISTED:
        raise ValidationError("matching.error.result_not_listed", field="match_result")
    org = _enterprise_for(s, actor, intent)
    folded = [intent, *s.exec(select(Intent).where(Intent.merged_into_id == intent.id)
                              .order_by(Intent.created_at, Intent.id)).all()]
    people = "；".join(dict.fromkeys(f"{i.contact_person} {i.phone}".strip() for i in folded))
    chosen = {w for i in folded for w in i.wants.split(",") if w}
    wants = "、".join(w.value for w in IntentWant if w in chosen)  # only known wants, in a fixed order
    said = dict.fromkeys(i.note.strip() for i in folded if i.note.strip())
    note_text = "\n".join(x for x in (notes.strip(), *said, f"[{wants}]") if x)
    return record_match.within(s, actor=actor, result_id=intent.result_id, enterprise_org_id=org.id,
                               channel=Channel.ROADSHOW, contact_date=contact_date or today(),
                               intent_id=intent.id, roadshow_id=intent.roadshow_id, people=people[:200],
                               notes=note_text[:4000], next_follow_up=next_follow_up)
