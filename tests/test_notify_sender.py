"""The sender under stress, on SQLite and PostgreSQL: two senders at once deliver every message
exactly once; a sender killed with SIGKILL mid-batch loses nothing and never resends a message
it had marked delivered. And the morning digest: one message per operator and day."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import Match, OutboxMessage, UserAccount, Voucher
from portal.core.clock import TZ, now, today
from portal.core.outbox import Message, message_row
from portal.core.settings import get_settings
from portal.notify.digest import MORNING, morning_digest
from portal.notify.sender import LEASE, send_pending
from tests.factories import at_once, make_trial, save
from tests.notify_servers import SmtpServer

ROOT = Path(__file__).resolve().parents[1]


def queue(n: int) -> None:
    """n e-mails, each to its own address, straight into the outbox."""
    with Session(get_engine()) as s:
        user = s.exec(select(UserAccount).limit(1)).one()
        user.email = "x@example.cn"
        for i in range(n):
            row = message_row(user, None, Message(subject=f"消息 {i}", lines=("正文",)), city_code="330100",
                              event="test")
            row.address = f"m{i:03d}@example.cn"
            s.add(row)
        s.commit()


def delivered_addresses() -> set[str]:
    with Session(get_engine()) as s:
        return set(s.exec(select(OutboxMessage.address).where(OutboxMessage.status == "delivered")).all())


def in_flight() -> int:
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).where(OutboxMessage.status == "sending")).one()


def smtp_env(monkeypatch, port: int) -> None:  # noqa: ANN001
    for key, value in {"PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(port),
                       "PORTAL_SMTP_STARTTLS": "false", "PORTAL_SMTP_FROM": "notice@example.cn"}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()


@pytest.fixture
def slow_smtp(monkeypatch):  # noqa: ANN001, ANN201
    """An SMTP server that takes 50 ms per message (so a kill lands mid-batch)."""
    with SmtpServer() as server:
        original = server.inbox.handle_DATA

        async def slow(*args):  # noqa: ANN002, ANN202
            await asyncio.sleep(0.05)
            return await original(*args)

        server.inbox.handle_DATA = slow
        smtp_env(monkeypatch, server.port)
        yield server
    get_settings.cache_clear()


def test_two_senders_at_once_deliver_each_message_exactly_once(world, slow_smtp) -> None:
    queue(40)
    at_once(2, lambda _i: send_pending(limit=5))
    received = Counter(m["To"] for m in slow_smtp.messages)
    assert len(received) == 40 and set(received.values()) == {1}
    assert len(delivered_addresses()) == 40


def test_a_sender_killed_mid_batch_loses_nothing_and_resends_nothing_marked(world, slow_smtp) -> None:
    queue(30)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTAL_DATABASE_URL": get_engine().url.render_as_string(
        hide_password=False)}
    child = subprocess.Popen([sys.executable, "-m", "portal.cli", "notify", "send", "--batch", "10"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(delivered_addresses()) < 5 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    marked = delivered_addresses()
    assert 5 <= len(marked) < 30, child.stderr.read().decode()[-2000:]
    sent_before = Counter(m["To"] for m in slow_smtp.messages)
    assert marked <= set(sent_before)
    claimed = in_flight()  # the rest of the dead sender's batch: held by its lease
    assert claimed > 0
    send_pending()  # the messages nobody claimed go out; the held ones wait for the lease to end
    assert in_flight() == claimed
    send_pending(moment=now() + LEASE + timedelta(seconds=1))
    received = Counter(m["To"] for m in slow_smtp.messages)
    assert len(received) == 30 and len(delivered_addresses()) == 30  # nothing lost
    assert all(received[a] == 1 for a in marked)  # nothing marked delivered went out again
    # at most the one message in flight at the kill went out twice (SMTP takes no delivery back)
    assert sum(received.values()) - 30 <= 1


# --- the morning digest ---------------------------------------------------------------------------

def test_the_morning_digest_is_one_message_per_operator_once_a_day(world) -> None:
    hz = world.hz
    for i in range(12):  # trials ending within the city's 30 reminder days
        make_trial(hz.result, hz.enterprise, hz.agency, start=today() - timedelta(days=340 + i))
    make_trial(hz.result, hz.enterprise, hz.agency, start=today())  # ends in a year: not yet
    save(Match(result_id=hz.result.id, enterprise_org_id=hz.enterprise.id, agency_id=hz.agency.id,
               city_code=hz.code, channel="visit", contact_date=today() - timedelta(days=20),
               next_follow_up=today() - timedelta(days=2)),
         Voucher(code="CXQ330120260001", enterprise_org_id=hz.enterprise.id, city_code=hz.code, amount=1000,
                 balance=1000, issued_on=today() - timedelta(days=300), expires_on=today() + timedelta(days=10)))
    assert morning_digest(today()) == 2  # Hangzhou's two operators; Ningbo has nothing due
    assert morning_digest(today()) == 0  # idempotent per day
    with Session(get_engine()) as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.event == "digest")).all()
    assert {r.recipient_id for r in rows} == {hz.operator.user_id, hz.plain_operator.user_id}
    body = rows[0].body_text
    assert "即将到期的试用：12 项" in body and "另有 2 项" in body and "到期的对接跟进：1 项" in body
    assert "即将到期的创新券：1 张" in body and "CXQ330120260001" in body
    assert rows[0].subject.startswith(f"【先用后转】{today().isoformat()} 待办提醒（14 项）")
    morning = datetime.combine(today(), MORNING, tzinfo=TZ)  # written at night, sent in the morning
    assert all(r.next_attempt_at >= morning for r in rows)
    assert morning_digest(today() + timedelta(days=1)) == 2  # the next day, a new digest
