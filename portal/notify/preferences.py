"""Each user's own side of notifications (the account page): e-mail on or off, the language of
messages, the last messages sent to them, and the secret calendar feed address."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from db.engine import read_session
from db.models import NotifyPreference, OutboxMessage, UserAccount
from portal.core import validation
from portal.core.actor import Actor
from portal.core.audit import audited_add, audited_change
from portal.core.errors import NotFound
from portal.core.i18n import LANGUAGES
from portal.core.outbox import language_of
from portal.core.service import reader, service
from portal.core.settings import get_settings
from portal.core.workflow import Subject
from portal.notify.rules import PREFERENCE

FEED_PATH = "/calendar/{token}.ics"


@dataclass(frozen=True)
class MyPreferences:
    """What the account page shows."""

    email: str
    email_enabled: bool
    language: str
    feed_url: str  # empty until the user asks for one


@dataclass(frozen=True)
class SentMessage:
    """One message sent (or waiting) to the user."""

    created_at: datetime
    channel: str
    subject: str
    body_text: str
    status: str
    delivered_at: datetime | None
    last_error: str


def _own(actor: Actor) -> Subject:
    return Subject(created_by=actor.user_id)


def feed_url(token: str) -> str:
    """The calendar feed address of a token (served by portal.notify.calendar_feed)."""
    return get_settings().public_base_url.rstrip("/") + FEED_PATH.format(token=token)


@reader(PREFERENCE)
def my_preferences(*, actor: Actor) -> MyPreferences:
    """The actor's notification preferences (the defaults until they save any)."""
    PREFERENCE.require(actor, "read", _own(actor))
    with read_session() as s:
        user = s.get(UserAccount, actor.user_id) if actor.user_id else None
        if user is None:
            raise NotFound()
        pref = s.get(NotifyPreference, user.id)
    return MyPreferences(email=user.email or "", email_enabled=pref.email_enabled if pref else True,
                         language=language_of(pref),
                         feed_url=feed_url(pref.calendar_token) if pref and pref.calendar_token else "")


def _load(s: Session, actor: Actor) -> NotifyPreference | None:
    if actor.user_id is None or s.get(UserAccount, actor.user_id) is None:
        raise NotFound()
    return s.exec(select(NotifyPreference).where(NotifyPreference.user_id == actor.user_id).with_for_update()).first()


@service(PREFERENCE, "set")
def set_my_preferences(s: Session, *, actor: Actor, email_enabled: bool, language: str) -> NotifyPreference:
    """Turn one's own e-mail on or off and choose the language of one's messages."""
    PREFERENCE.require(actor, "set", _own(actor))
    lang = validation.choice(language, LANGUAGES, field="notify_language")
    pref = _load(s, actor)
    if pref is None:
        return audited_add(s, actor, "notify_preference.set",
                           NotifyPreference(user_id=actor.user_id, email_enabled=bool(email_enabled), language=lang))
    with audited_change(s, actor, "notify_preference.set", pref):
        pref.email_enabled, pref.language = bool(email_enabled), lang
    return pref


@service(PREFERENCE, "calendar")
def renew_calendar_feed(s: Session, *, actor: Actor) -> str:
    """A new secret calendar feed address for the actor (the old one stops working); returns it."""
    PREFERENCE.require(actor, "calendar", _own(actor))
    token = secrets.token_urlsafe(32)
    pref = _load(s, actor)
    if pref is None:
        audited_add(s, actor, "notify_preference.calendar",
                    NotifyPreference(user_id=actor.user_id, calendar_token=token,
                                     language=get_settings().default_language))
    else:
        with audited_change(s, actor, "notify_preference.calendar", pref):
            pref.calendar_token = token
    return feed_url(token)


@reader(PREFERENCE)
def my_messages(*, actor: Actor, limit: int = 20) -> list[SentMessage]:
    """The latest messages written to the actor (newest first), whatever the channel."""
    PREFERENCE.require(actor, "read", _own(actor))
    if actor.user_id is None:
        return []
    with read_session() as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.recipient_id == actor.user_id)
                      .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id).limit(max(1, min(limit, 200)))).all()
    return [SentMessage(m.created_at, m.channel, m.subject, m.body_text, m.status, m.delivered_at, m.last_error)
            for m in rows]
