"""The outbox (DOMAIN.md rule 13): messages written in the transaction of the change they tell about.

Every user action writes audit entries (portal.core.audit); `db.engine.transaction` calls
`derive` before it commits, which turns each entry whose action the city's policy routes into
messages, one per recipient, in the same transaction. So a change that rolls back leaves no
message, a committed change always has its messages, and a new service (or another helper's new
capability) is covered by naming its audit action in the settings page; nothing in it changes.

Who gets what is data per city (`NotifySetting.routes`: event → recipient kinds), defaulting to
DEFAULT_ROUTES. A recipient kind is one of RECIPIENTS; people are looked up when the message is
written and each message is rendered in the recipient's own language (their preference).
The sender (portal.notify.sender) delivers; this module only writes.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import or_
from sqlmodel import Session, select

from db.models import (
    AuditEntry,
    Contract,
    NotifyPreference,
    NotifySetting,
    OutboxMessage,
    Result,
    UserAccount,
)
from db.models.enums import Role
from portal.core.clock import fmt, now
from portal.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, action_label, catalogue, t
from portal.core.scope import as_id
from portal.core.settings import get_settings

# Who an event may reach. "creator": the user who made the record (a claim's filer); "institution" /
# "enterprise": that kind of user of an organization the record names (directly, or through the
# result or contract it belongs to); "group": the city's group robots (WeChat Work, DingTalk).
RECIPIENTS = ("operators", "city_admins", "creator", "institution", "enterprise", "province", "group")
DIGEST = "digest"  # the morning digest of time-based reminders (portal.notify.digest)

# What needs someone's action, by audit action. A city edits its own copy in the settings page;
# an action not listed sends nothing (any audit action may be added there, e.g. a new capability's).
DEFAULT_ROUTES: dict[str, tuple[str, ...]] = {
    "objection.file": ("operators", "institution", "group"),
    "objection.contract_raise": ("operators", "institution", "enterprise"),
    "notice.end": ("institution",),
    "claim.submit": ("city_admins",),
    "claim.review": ("city_admins",),
    "claim.approve": ("creator",),
    "claim.reject": ("creator",),
    "claim.pay": ("creator",),
    "pilot.book": ("operators",),
    "pilot.confirm": ("enterprise",),
    "pilot.cancel": ("enterprise", "operators"),
    "contract.create_trial": ("institution", "enterprise"),
    "contract.convert": ("institution", "enterprise", "group"),
    "intent.submit": ("operators",),
    # an enterprise's requests (trial / interest, pilot testing) go to the city; its answers back
    "request.submit": ("operators",),
    "request.withdraw": ("operators",),
    "request.to_match": ("enterprise",),
    "request.to_trial": ("enterprise",),
    "request.decline": ("enterprise",),
    "pilot.request": ("operators",),
    "pilot.withdraw": ("operators",),
    DIGEST: ("operators",),
}

ORG_KEYS = ("owner_org_id", "licensor_org_id", "licensee_org_id", "enterprise_org_id", "host_org_id")
LABEL_KEYS = ("reference", "number", "title", "name", "company_name", "programme")
EMAIL, GROUP, INBOX = "email", "group", "inbox"


@dataclass(frozen=True)
class Message:
    """A message's text in one language: a subject, plain lines and the same as HTML."""

    subject: str
    lines: tuple[str, ...]
    link: str = ""

    @property
    def text(self) -> str:
        """The plain-text body."""
        return "\n".join((*self.lines, *((self.link,) if self.link else ())))

    @property
    def html(self) -> str:
        """The HTML body: every line escaped (user text never becomes markup)."""
        parts = [f"<p>{html.escape(line)}</p>" for line in self.lines]
        if self.link:
            parts.append(f'<p><a href="{html.escape(self.link, quote=True)}">{html.escape(self.link)}</a></p>')
        return "<html><body>" + "".join(parts) + "</body></html>"


def routes_for(s: Session, city_code: str | None) -> dict[str, tuple[str, ...]]:
    """The city's event → recipient kinds in force (its saved table, else the defaults)."""
    row = s.get(NotifySetting, city_code) if city_code else None
    if row is None or not row.routes:
        return dict(DEFAULT_ROUTES)
    return {k: tuple(v) for k, v in row.routes.items()}


def language_of(pref: NotifyPreference | None) -> str:
    """The language a user reads messages in (their choice, else the portal's default)."""
    lang = pref.language if pref is not None else get_settings().default_language
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def derive(session: Session) -> int:
    """Write the messages this transaction's audit entries call for; returns how many. The entries
    are among the records the transaction's flushes wrote (`audit.note_changes`)."""
    entries = [o for o in session.info.get("changed", {}).values() if isinstance(o, AuditEntry)]
    routes: dict[str | None, dict[str, tuple[str, ...]]] = {}
    rows: list[OutboxMessage] = []
    for entry in entries:
        # an entry whose savepoint rolled back (a duplicate refused by a unique key) is no longer
        # persistent: its change did not happen, so neither does its message
        if not sa_inspect(entry).persistent:
            continue
        if entry.city_code not in routes:
            routes[entry.city_code] = routes_for(session, entry.city_code)
        kinds = routes[entry.city_code].get(entry.action, ())
        if kinds:
            rows += _messages_for(session, entry, kinds)
    if rows:
        session.add_all(rows)
        session.flush()
    return len(rows)


def _messages_for(s: Session, entry: AuditEntry, kinds: Iterable[str]) -> list[OutboxMessage]:
    kinds = set(kinds)
    record = entry.after or entry.before or {}
    rows = []
    rendered: dict[str, Message] = {}  # the text depends on the language only, not on the reader

    def text(lang: str) -> Message:
        if lang not in rendered:
            rendered[lang] = _render(s, entry, record, lang)
        return rendered[lang]

    for user, pref in recipients(s, city_code=entry.city_code, kinds=kinds, record=record):
        if user.id == entry.actor_id:
            continue  # who made the change knows of it
        rows.append(message_row(user, pref, text(language_of(pref)), city_code=entry.city_code,
                                event=entry.action, entity=entry.entity, entity_id=entry.entity_id))
    if GROUP in kinds and entry.city_code:
        msg = text(get_settings().default_language)
        rows.append(group_row(msg, city_code=entry.city_code, event=entry.action, entity=entry.entity,
                              entity_id=entry.entity_id))
    return rows


def recipients(s: Session, *, city_code: str | None, kinds: set[str],
               record: dict[str, Any] | None = None) -> list[tuple[UserAccount, NotifyPreference | None]]:
    """The active users the recipient kinds name for a record of city_code, with their preferences."""
    record = record or {}
    conditions = []
    if city_code and "operators" in kinds:
        conditions.append((UserAccount.role == Role.CITY_OPERATOR) & (UserAccount.city_code == city_code))
    if city_code and "city_admins" in kinds:
        conditions.append((UserAccount.role == Role.CITY_OPERATOR) & (UserAccount.city_code == city_code)
                          & UserAccount.is_city_admin)
    if "province" in kinds:
        conditions.append(UserAccount.role == Role.PROVINCE_ADMIN)
    creator = as_id(record.get("created_by"))
    if "creator" in kinds and creator is not None:
        conditions.append(UserAccount.id == creator)
    orgs = _orgs(s, record) if kinds & {"institution", "enterprise"} else set()
    for kind, role in (("institution", Role.INSTITUTION_OFFICER), ("enterprise", Role.ENTERPRISE)):
        if kind in kinds and orgs:
            conditions.append((UserAccount.role == role) & UserAccount.organization_id.in_(orgs))
    if not conditions:
        return []
    stmt = (select(UserAccount, NotifyPreference)
            .join(NotifyPreference, NotifyPreference.user_id == UserAccount.id, isouter=True)
            .where(or_(*conditions), UserAccount.disabled.is_(False)).order_by(UserAccount.username))
    return list(s.exec(stmt).all())


def administers(user: UserAccount, city_code: str) -> bool:
    """Whether user reviews the city's claims (its administrators, the province)."""
    return user.role == Role.PROVINCE_ADMIN or (
        user.role == Role.CITY_OPERATOR and user.is_city_admin and user.city_code == city_code)


def message_row(user: UserAccount, pref: NotifyPreference | None, msg: Message, *, city_code: str | None,
                event: str, entity: str = "", entity_id: str = "", dedupe_key: str | None = None) -> OutboxMessage:
    """A user's message: by e-mail when they have an address and keep e-mail on, else only in
    their portal inbox (delivered at once)."""
    by_email = bool(user.email) and (pref is None or pref.email_enabled)
    at = now()
    return OutboxMessage(
        city_code=city_code, event=event, entity=entity, entity_id=entity_id, recipient_id=user.id,
        channel=EMAIL if by_email else INBOX, address=(user.email or "") if by_email else "",
        language=language_of(pref), subject=msg.subject[:300], body_text=msg.text, body_html=msg.html,
        status="pending" if by_email else "delivered", delivered_at=None if by_email else at,
        created_at=at, next_attempt_at=at, dedupe_key=dedupe_key)


def group_row(msg: Message, *, city_code: str, event: str, entity: str = "", entity_id: str = "",
              dedupe_key: str | None = None) -> OutboxMessage:
    """A message to the city's group robots (sent to each robot configured when it goes out)."""
    at = now()
    return OutboxMessage(city_code=city_code, event=event, entity=entity, entity_id=entity_id, channel=GROUP,
                         language=get_settings().default_language, subject=msg.subject[:300], body_text=msg.text,
                         body_html=msg.html, created_at=at, next_attempt_at=at, dedupe_key=dedupe_key)


# --- rendering ------------------------------------------------------------------------------------

def portal_link() -> str:
    """Where the portal is, for the line that ends every message."""
    return get_settings().public_base_url.rstrip("/")


def event_label(action: str, lang: str) -> str:
    """What an event is called in a message: the outbox's own words where it has them (events of
    capabilities whose audit actions have no label), else the audit trail's label."""
    own = catalogue().get(f"outbox.event.{action}")
    return (own.get(lang) or own[DEFAULT_LANGUAGE]) if own else action_label(action, lang)


def _render(s: Session, entry: AuditEntry, record: dict[str, Any], lang: str) -> Message:
    what = event_label(entry.action, lang)
    label = _label(s, record)
    lines = [t("outbox.body.event", lang, what=what, label=label),
             t("outbox.body.by", lang, who=entry.actor_name, when=fmt(entry.at))]
    if entry.reason:
        lines.append(t("outbox.body.reason", lang, reason=entry.reason))
    lines.append(t("outbox.body.footer", lang))
    return Message(subject=t("outbox.subject", lang, what=what, label=label), lines=tuple(lines), link=portal_link())


def _label(s: Session, record: dict[str, Any]) -> str:
    """What the record is called: its reference, number, title or name (else its result's title)."""
    for key in LABEL_KEYS:
        if record.get(key):
            return str(record[key])[:120]
    result_id = as_id(record.get("result_id"))
    result = s.get(Result, result_id) if result_id else None
    return result.title[:120] if result is not None else ""


def _orgs(s: Session, record: dict[str, Any]) -> set[uuid.UUID]:
    """The organizations a record names, directly or through its result or contract."""
    orgs = {u for k in ORG_KEYS if (u := as_id(record.get(k)))}
    if result_id := as_id(record.get("result_id")):
        result = s.get(Result, result_id)
        if result is not None:
            orgs.add(result.owner_org_id)
    if contract_id := as_id(record.get("contract_id")):
        contract = s.get(Contract, contract_id)
        if contract is not None:
            orgs |= {contract.licensor_org_id, contract.licensee_org_id}
    return orgs

