"""A city's notification settings (the settings page's notifications section): which events reach
which recipients, the voucher reminder days, quiet hours and the group robots; the outbox's state
(what waits, and why; what failed, with the error); a test message per channel; failed messages
back in the queue. Who may: `NOTIFY` in portal.notify.rules.

The trial reminder days are the city's policy setting (`trial_reminder_days`, portal.core.policy),
shared with the expiring-trials page, so the digest and the page agree.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from db.engine import read_session
from db.models import NotifySetting, OutboxMessage, UserAccount
from portal.core import validation
from portal.core.actor import Actor
from portal.core.audit import audited_add, audited_change
from portal.core.clock import fmt, now
from portal.core.errors import ValidationError
from portal.core.i18n import t
from portal.core.outbox import DEFAULT_ROUTES, RECIPIENTS, Message, routes_for
from portal.core.policy import current_policy
from portal.core.regions import cities
from portal.core.service import reader, service
from portal.core.settings import get_settings
from portal.core.workflow import Subject
from portal.notify.channels import (
    DINGTALK,
    WECOM,
    ChannelError,
    post_robot,
    send_email,
    smtp_configured,
)
from portal.notify.rules import NOTIFY
from portal.notify.sender import in_quiet_hours, queue_counts

EVENT_NAME = re.compile(r"^[a-z][a-z_]*(\.[a-z_]+)+$|^digest$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
TEST_CHANNELS = ("email", WECOM, DINGTALK)


@dataclass(frozen=True)
class NotifyView:
    """A city's notification settings as the page shows them (the secret only as set / not set)."""

    city_code: str
    routes: dict[str, tuple[str, ...]]
    trial_reminder_days: int
    voucher_reminder_days: int
    quiet_start: str
    quiet_end: str
    wecom_url: str
    dingtalk_url: str
    has_secret: bool


@dataclass(frozen=True)
class FailedRow:
    """A message that did not go out, with why."""

    created_at: datetime
    channel: str
    address: str
    subject: str
    attempts: int
    status: str
    last_error: str


@dataclass(frozen=True)
class OutboxState:
    """What the city's outbox holds and why messages wait."""

    counts: dict[str, int]
    smtp_ready: bool
    robots_ready: tuple[str, ...]
    quiet_now: bool
    waiting_email: int
    waiting_group: int
    problems: list[FailedRow] = field(default_factory=list)


def _subject(city_code: str) -> Subject:
    if city_code not in {c.code for c in cities()}:
        raise ValidationError("error.bad_choice", field="city", value=str(city_code))
    return Subject(city_code=city_code)


@reader(NOTIFY)
def notify_settings(*, actor: Actor, city_code: str) -> NotifyView:
    """The city's notification settings in force."""
    NOTIFY.require(actor, "read", _subject(city_code))
    with read_session() as s:
        row = s.get(NotifySetting, city_code) or NotifySetting(city_code=city_code)
        routes = routes_for(s, city_code)
        trial_days = current_policy(city_code, session=s).trial_reminder_days
    return NotifyView(city_code, routes, trial_days, row.voucher_reminder_days, row.quiet_start, row.quiet_end,
                      row.wecom_url, row.dingtalk_url, bool(row.webhook_secret))


def _url(value: Any, *, field: str) -> str:
    text = validation.text(value, field=field, max_length=400, required=False)
    if not text:
        return ""
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("outbox.error.bad_url", field=field, value=text[:80])
    return text


def _hhmm(value: Any, *, field: str) -> str:
    text = validation.text(value, field=field, max_length=5, required=False)
    if text and not HHMM.match(text):
        raise ValidationError("outbox.error.bad_time", field=field, value=text)
    return text


def validate_routes(given: Any) -> dict[str, list[str]]:
    """An event → recipients table from the page (event names are audit actions, or "digest")."""
    if not isinstance(given, dict):
        raise ValidationError("outbox.error.bad_event", field="notify_routes", value=str(given)[:40])
    routes: dict[str, list[str]] = {}
    for raw_event, raw_kinds in given.items():
        event = str(raw_event).strip()
        if not event:
            continue
        if len(event) > 60 or not EVENT_NAME.match(event):
            raise ValidationError("outbox.error.bad_event", field="notify_routes", value=event[:60])
        kinds = list(raw_kinds or ())
        if unknown := [k for k in kinds if k not in RECIPIENTS]:
            raise ValidationError("error.bad_choice", field="notify_routes", value=str(unknown[0]))
        routes[event] = [k for k in RECIPIENTS if k in kinds]
    return routes


@service(NOTIFY, "configure")
def save_notify_settings(s: Session, *, actor: Actor, city_code: str, data: dict[str, Any]) -> NotifySetting:
    """Save the city's notification settings (in force at once in every process). A secret left
    out (None) keeps the one stored; an empty one clears it."""
    NOTIFY.require(actor, "configure", _subject(city_code))
    known = {"routes", "voucher_reminder_days", "quiet_start", "quiet_end", "wecom_url", "dingtalk_url",
             "webhook_secret"}
    if unknown := sorted(set(data) - known):
        raise ValidationError("error.bad_choice", field="notify_settings", value=unknown[0])
    routes = validate_routes(data.get("routes", DEFAULT_ROUTES))
    days = validation.integer(data.get("voucher_reminder_days", 30), field="notify_voucher_days", minimum=1,
                              maximum=365)
    start = _hhmm(data.get("quiet_start"), field="notify_quiet_start")
    end = _hhmm(data.get("quiet_end"), field="notify_quiet_end")
    if bool(start) != bool(end):
        raise ValidationError("outbox.error.quiet_both", field="notify_quiet_end" if start else "notify_quiet_start")
    wecom = _url(data.get("wecom_url"), field="notify_wecom_url")
    dingtalk = _url(data.get("dingtalk_url"), field="notify_dingtalk_url")
    secret_in = data.get("webhook_secret")
    row = s.exec(select(NotifySetting).where(NotifySetting.city_code == city_code).with_for_update()).first()
    secret = (row.webhook_secret if row else "") if secret_in is None else \
        validation.text(secret_in, field="notify_dingtalk_secret", max_length=200, required=False)
    values = {"routes": routes, "voucher_reminder_days": days, "quiet_start": start, "quiet_end": end,
              "wecom_url": wecom, "dingtalk_url": dingtalk, "webhook_secret": secret, "changed_at": now()}
    if row is None:
        return audited_add(s, actor, "notify.configure", NotifySetting(city_code=city_code, **values))
    with audited_change(s, actor, "notify.configure", row):
        for key, value in values.items():
            setattr(row, key, value)
    return row


@reader(NOTIFY)
def outbox_state(*, actor: Actor, city_code: str, problems: int = 20) -> OutboxState:
    """What waits in the city's outbox and why, and its latest failures with their errors."""
    NOTIFY.require(actor, "read", _subject(city_code))
    settings = get_settings()
    with read_session() as s:
        row = s.get(NotifySetting, city_code)
        pending = s.exec(select(OutboxMessage.channel).where(OutboxMessage.city_code == city_code,
                                                             OutboxMessage.status == "pending")).all()
        bad = s.exec(select(OutboxMessage).where(OutboxMessage.city_code == city_code,
                                                 OutboxMessage.last_error != "")
                     .where(OutboxMessage.status.in_(("pending", "failed")))
                     .order_by(OutboxMessage.created_at.desc()).limit(problems)).all()
    robots = tuple(r for r, url in ((WECOM, row.wecom_url if row else ""), (DINGTALK, row.dingtalk_url if row else ""))
                   if url)
    return OutboxState(
        counts=queue_counts(city_code), smtp_ready=smtp_configured(settings), robots_ready=robots,
        quiet_now=bool(row) and in_quiet_hours(row, now()),
        waiting_email=sum(1 for c in pending if c == "email"), waiting_group=sum(1 for c in pending if c == "group"),
        problems=[FailedRow(m.created_at, m.channel, m.address, m.subject, m.attempts, m.status, m.last_error)
                  for m in bad])


@reader(NOTIFY, "send_test")
def send_test_message(*, actor: Actor, channel: str, city_code: str) -> str:
    """Send a test message now on one channel (e-mail: to the administrator's own address; a robot:
    to the city's group); returns where it went. A failure is refused with the server's answer."""
    NOTIFY.require(actor, "send_test", _subject(city_code))
    which = validation.choice(channel, TEST_CHANNELS, field="notify_test_channel")
    lang = actor.lang
    msg = Message(subject=t("outbox.test_subject", lang),
                  lines=(t("outbox.test_body", lang, who=actor.display_name, when=fmt(now())),))
    settings = get_settings()
    with read_session() as s:
        row = s.get(NotifySetting, city_code) or NotifySetting(city_code=city_code)
        user = s.get(UserAccount, actor.user_id) if actor.user_id else None
    try:
        if which == "email":
            if not smtp_configured(settings):
                raise ValidationError("outbox.error.no_smtp", field="notify_test_channel")
            if user is None or not user.email:
                raise ValidationError("outbox.error.no_own_email", field="notify_test_channel")
            send_email(settings, to=user.email, subject=msg.subject, text=msg.text, html=msg.html)
            return user.email
        url = row.wecom_url if which == WECOM else row.dingtalk_url
        if not url:
            raise ValidationError("outbox.error.no_robot", field="notify_test_channel",
                                  robot=t(f"outbox.channel.{which}", lang))
        post_robot(which, url, subject=msg.subject, text=msg.text, secret=row.webhook_secret if which == DINGTALK else "")
        return t(f"outbox.channel.{which}", lang)
    except ChannelError as exc:
        raise ValidationError("outbox.error.test_failed", field="notify_test_channel", error=str(exc)[:300]) from None


@service(NOTIFY, "retry")
def retry_failed_messages(s: Session, *, actor: Actor, city_code: str) -> int:
    """Put the city's failed messages back in the queue (attempts from zero); how many."""
    NOTIFY.require(actor, "retry", _subject(city_code))
    rows = s.exec(select(OutboxMessage).where(OutboxMessage.city_code == city_code,
                                              OutboxMessage.status == "failed").with_for_update()).all()
    for row in rows:
        row.status, row.attempts, row.next_attempt_at = "pending", 0, now()
        s.add(row)
    return len(rows)
