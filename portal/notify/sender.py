"""Delivering the outbox: `portal notify send` (cron, every minute) and `portal tick`.

A run claims a batch of due messages in one short transaction (PostgreSQL: `FOR UPDATE SKIP
LOCKED`, so two machines never take the same row; SQLite: `BEGIN IMMEDIATE`, one writer at a
time), marking them `sending` under a lease. Then it delivers each and marks it in its own short
transaction: delivered once, or back to pending with the error and a later attempt (backoff), or
failed after MAX_ATTEMPTS. Nothing is held locked while a server is slow.

A sender killed mid-batch: the messages it marked delivered stay delivered (never sent again);
the ones it had claimed but not marked return to the queue when the lease ends. A message whose
server accepted it in the instant before the kill may go out a second time (at least once: no
mail server lets a client take a delivery back); a group message remembers each robot already
posted, so a retry posts only to the ones left.

Messages of a channel that is not configured (no SMTP host; no robot for the city) are not
claimed: they wait, and the settings page says so. Neither are a city's messages during its
quiet hours.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import and_, false, func, or_
from sqlmodel import Session, select

from db.engine import get_engine, loading_session, read_session
from db.models import NotifySetting, OutboxMessage
from portal.core.clock import TZ
from portal.core.clock import now as clock_now
from portal.core.outbox import EMAIL, GROUP
from portal.core.settings import Settings, get_settings
from portal.notify.channels import (
    DINGTALK,
    WECOM,
    ChannelError,
    Mailer,
    post_robot,
    smtp_configured,
)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)
BATCH = 50


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4 … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


@dataclass
class SendReport:
    """What one run did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Robots:
    """A city's group robots (an empty URL: that robot is not set up)."""

    wecom_url: str = ""
    dingtalk_url: str = ""
    secret: str = ""

    def configured(self) -> list[tuple[str, str]]:
        """(robot, url) of each robot set up."""
        return [(r, u) for r, u in ((WECOM, self.wecom_url), (DINGTALK, self.dingtalk_url)) if u]


def parse_hhmm(text: str) -> time | None:
    """'22:00' as a time; None for empty text."""
    if not text:
        return None
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(row: NotifySetting, moment: datetime) -> bool:
    """Whether moment falls in the city's quiet hours (a window may run past midnight)."""
    start, end = parse_hhmm(row.quiet_start), parse_hhmm(row.quiet_end)
    if start is None or end is None or start == end:
        return False
    local = moment.astimezone(TZ).time()
    return start <= local < end if start < end else (local >= start or local < end)


def _city_state(s: Session, moment: datetime) -> tuple[dict[str, Robots], set[str]]:
    robots, quiet = {}, set()
    for row in s.exec(select(NotifySetting)).all():
        r = Robots(row.wecom_url, row.dingtalk_url, row.webhook_secret)
        if r.configured():
            robots[row.city_code] = r
        if in_quiet_hours(row, moment):
            quiet.add(row.city_code)
    return robots, quiet


def claim(*, moment: datetime, limit: int = BATCH, settings: Settings | None = None,
          lease: timedelta = LEASE) -> tuple[str, list[OutboxMessage], dict[str, Robots]]:
    """Take up to limit due messages for this run (token, rows, the cities' robots)."""
    settings = settings or get_settings()
    token = uuid.uuid4().hex
    with loading_session() as s:
        robots, quiet = _city_state(s, moment)
        sendable = []
        if smtp_configured(settings):
            sendable.append(OutboxMessage.channel == EMAIL)
        if robots:
            sendable.append(and_(OutboxMessage.channel == GROUP, OutboxMessage.city_code.in_(robots)))
        due = or_(and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= moment),
                  and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < moment))
        stmt = (select(OutboxMessage).where(due, or_(*sendable) if sendable else false())
                .order_by(OutboxMessage.next_attempt_at).limit(limit))
        if quiet:
            stmt = stmt.where(or_(OutboxMessage.city_code.is_(None), OutboxMessage.city_code.not_in(quiet)))
        if get_engine().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(s.exec(stmt).all())
        for row in rows:
            row.status, row.claim_token, row.claimed_until = "sending", token, moment + lease
            s.add(row)
    return token, rows, robots


def _mark(message_id: uuid.UUID, token: str, **changes: object) -> bool:
    """Apply changes to a claimed message if this run still holds it (its lease not taken over)."""
    with loading_session() as s:
        row = s.exec(select(OutboxMessage).where(OutboxMessage.id == message_id,
                                                 OutboxMessage.claim_token == token).with_for_update()).first()
        if row is None or row.status != "sending":
            return False
        for key, value in changes.items():
            setattr(row, key, value)
        s.add(row)
        return True


def deliver(row: OutboxMessage, token: str, robots: dict[str, Robots], mailer: Mailer) -> None:
    """Send one claimed message (raises ChannelError); a group message records each robot posted."""
    if row.channel == EMAIL:
        mailer.send(to=row.address, subject=row.subject, text=row.body_text, html=row.body_html)
        return
    city = robots.get(row.city_code or "", Robots())
    done = list(row.parts_done or [])
    for robot, url in city.configured():
        if robot in done:
            continue
        post_robot(robot, url, subject=row.subject, text=row.body_text,
                   secret=city.secret if robot == DINGTALK else "")
        done.append(robot)
        _mark(row.id, token, parts_done=list(done))


def send_pending(*, moment: datetime | None = None, limit: int = BATCH, settings: Settings | None = None,
                 batches: int = 20) -> SendReport:
    """Deliver what is due, a batch at a time (at most `batches` batches per run)."""
    settings = settings or get_settings()
    report = SendReport()
    moment = moment or clock_now()  # one moment per run: a message retried later is not due again in it
    with Mailer(settings) as mailer:  # one SMTP connection for the run's e-mails
        for _ in range(batches):
            token, rows, robots = claim(moment=moment, limit=limit, settings=settings)
            if not rows:
                break
            for row in rows:
                _deliver_one(row, token, robots, mailer, report, moment)
    return report


def _deliver_one(row: OutboxMessage, token: str, robots: dict[str, Robots], mailer: Mailer,
                 report: SendReport, moment: datetime) -> None:
    try:
        deliver(row, token, robots, mailer)
    except Exception as exc:  # noqa: BLE001 — any failure is this message's, kept on it; the batch goes on
        attempts = row.attempts + 1
        error = (str(exc) if isinstance(exc, ChannelError) else f"{type(exc).__name__}: {exc}")[:1000]
        if attempts >= MAX_ATTEMPTS:
            _mark(row.id, token, status="failed", attempts=attempts, last_error=error, claim_token=None,
                  claimed_until=None)
            report.failed += 1
        else:
            _mark(row.id, token, status="pending", attempts=attempts, last_error=error, claim_token=None,
                  claimed_until=None, next_attempt_at=max(clock_now(), moment) + backoff(attempts))
            report.retrying += 1
        report.errors.append(error)
        return
    if _mark(row.id, token, status="delivered", delivered_at=clock_now(), attempts=row.attempts + 1,
             last_error="", claim_token=None, claimed_until=None):
        report.delivered += 1


def queue_counts(city_code: str | None) -> dict[str, int]:
    """Messages by status (a city's, or all)."""
    with read_session() as s:
        stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        if city_code:
            stmt = stmt.where(OutboxMessage.city_code == city_code)
        return dict(s.exec(stmt).all())


def send_job(_today: object = None) -> int:
    """`portal tick` job: deliver what is due; returns how many were delivered."""
    return send_pending().delivered
