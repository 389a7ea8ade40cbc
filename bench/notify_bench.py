"""Reminders: what the outbox adds to a user action, how fast the sender empties it into a local
SMTP server (aiosmtpd, from the test extras), and the morning digest over the demo data.

    python bench/notify_bench.py                       # a fresh SQLite file in a temporary folder
    python bench/notify_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/notify_bench  (an empty database)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session, func, select  # noqa: E402

import db.models  # noqa: E402,F401
from bench.common import demo_database  # noqa: E402
from db.models import OutboxMessage, PublicNotice, Result, UserAccount  # noqa: E402
from portal.core.auth import actor_from_user  # noqa: E402
from portal.core.clock import today  # noqa: E402
from portal.core.outbox import Message, message_row  # noqa: E402
from portal.core.settings import get_settings  # noqa: E402
from portal.notify import policy as notify_policy  # noqa: E402
from portal.notify.digest import morning_digest  # noqa: E402
from portal.notify.sender import send_pending  # noqa: E402
from portal.pool import approval  # noqa: E402

ACTIONS = 200
MESSAGES = 1000


def _objections(result_ids: list, actor, n: int) -> list[float]:  # noqa: ANN001
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        approval.file_objection(actor=actor, result_id=result_ids[i % len(result_ids)], objector_name="王五",
                                objector_contact="13800000000", reason=f"权属存疑 {i}")
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _in_notice(s: Session, n: int) -> list:
    results = s.exec(select(Result).where(Result.city_code == "330100").limit(n)).all()
    for r in results:
        r.status = "notice"
        s.add(PublicNotice(result_id=r.id, city_code=r.city_code, days=15, start_date=today(),
                           end_date=today() + timedelta(days=15), state="running"))
        s.add(r)
    s.commit()
    return [r.id for r in results]


def main(url: str) -> None:
    eng = demo_database(url)
    with Session(eng) as s:
        ids = _in_notice(s, 40)
        staff = s.exec(select(UserAccount).where(UserAccount.username == "hz_operator")).one()
    me = actor_from_user(staff)
    off = _objections(ids, me, ACTIONS // 2)  # the demo's default routes are in force…
    notify_policy.save_notify_settings(actor=me, city_code="330100", data={"routes": {}})  # …then every event off
    none = _objections(ids, me, ACTIONS // 2)
    notify_policy.save_notify_settings(actor=me, city_code="330100", data={})  # defaults again
    print(f"file_objection with its messages: p50 {statistics.median(off):.1f} ms; "
          f"with routing off: p50 {statistics.median(none):.1f} ms ({ACTIONS // 2} each)")

    from tests.notify_servers import SmtpServer

    with SmtpServer() as smtp, Session(eng) as s:
        os.environ.update(PORTAL_SMTP_HOST="127.0.0.1", PORTAL_SMTP_PORT=str(smtp.port), PORTAL_SMTP_STARTTLS="false",
                          PORTAL_SMTP_FROM="bench@example.cn")
        get_settings.cache_clear()
        staff = s.get(UserAccount, staff.id)
        staff.email = "op@example.cn"
        for i in range(MESSAGES):
            s.add(message_row(staff, None, Message(subject=f"【先用后转】消息 {i}", lines=("正文",) * 5),
                              city_code="330100", event="bench"))
        s.commit()
        pending = s.exec(select(func.count()).where(OutboxMessage.status == "pending",
                                                    OutboxMessage.channel == "email")).one()
        t0 = time.perf_counter()
        report = send_pending(limit=50, batches=1000)
        took = time.perf_counter() - t0
        print(f"sender: {report.delivered} of {pending} e-mails in {took:.1f} s ({report.delivered / took:.0f}/s, "
              f"one SMTP connection per sender run), {len(smtp.messages)} received")
    t0 = time.perf_counter()
    written = morning_digest(today())
    print(f"morning digest: {written} digests in {(time.perf_counter() - t0) * 1000:.0f} ms over 11 cities")
    with open("/proc/loadavg") as fh:
        print("load average:", " ".join(fh.read().split()[:3]))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(f"sqlite:///{tmp}/notify_bench.db")
