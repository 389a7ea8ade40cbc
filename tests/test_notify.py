"""The outbox (DOMAIN.md rule 13): messages written in the change's own transaction, routed by the
city's policy, in the recipient's language, delivered by a real SMTP server and robot endpoints
(one that fails, then recovers), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from db.engine import get_engine, transaction
from db.models import (
    NotifyPreference,
    Objection,
    OutboxMessage,
    PublicNotice,
    UserAccount,
)
from portal.core.audit import audited_add
from portal.core.clock import TZ, now
from portal.core.errors import ValidationError
from portal.core.settings import get_settings
from portal.notify import policy as notify_policy
from portal.notify import preferences
from portal.notify.channels import dingtalk_signed_url
from portal.notify.sender import MAX_ATTEMPTS, send_pending
from portal.pilot.bookings import cancel_booking, confirm_booking
from portal.pool import approval
from tests.factories import make_result, save
from tests.notify_servers import RobotServer, SmtpServer
from tests.test_notify_calendar import make_booking

DAY = date(2026, 3, 2)


def messages(**where) -> list[OutboxMessage]:  # noqa: ANN003
    with Session(get_engine()) as s:
        stmt = select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.address)
        for key, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, key) == value)
        return list(s.exec(stmt).all())


def set_email(actor, address: str, *, lang: str = "zh", enabled: bool = True) -> None:  # noqa: ANN001
    with Session(get_engine()) as s:
        user = s.get(UserAccount, actor.user_id)
        user.email = address
        s.add(user)
        s.add(NotifyPreference(user_id=user.id, language=lang, email_enabled=enabled))
        s.commit()


def in_notice(world):  # noqa: ANN001, ANN201
    result = make_result(world.hz.licensor, status="notice", title="一种<b>高导热</b>散热膜")
    save(PublicNotice(result_id=result.id, city_code=result.city_code, days=15, start_date=DAY,
                      end_date=DAY + timedelta(days=15), state="running"))
    return result


def object_to(world, result, **kw):  # noqa: ANN001, ANN003, ANN201
    return approval.file_objection(actor=world.hz.plain_operator, result_id=result.id, objector_name="王五",
                                   objector_contact="13800000000", reason=kw.get("reason", "权属存疑"),
                                   today=DAY + timedelta(days=2))


@pytest.fixture
def smtp(monkeypatch):  # noqa: ANN001, ANN201
    with SmtpServer() as server:
        monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PORTAL_SMTP_PORT", str(server.port))
        monkeypatch.setenv("PORTAL_SMTP_STARTTLS", "false")
        monkeypatch.setenv("PORTAL_SMTP_FROM", "杭州市技术转移中心 <notice@example.cn>")
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()


@pytest.fixture
def robots():  # noqa: ANN201
    with RobotServer() as server:
        yield server


def configure(world, **data) -> None:  # noqa: ANN001, ANN003
    notify_policy.save_notify_settings(actor=world.hz.operator, city_code="330100", data=data)


# --- written with the change ----------------------------------------------------------------------

def test_an_objection_writes_its_messages_in_its_own_transaction(world) -> None:
    result = in_notice(world)
    set_email(world.hz.officer, "officer@hz.example.cn", lang="en")
    object_to(world, result)
    rows = messages()
    by_user = {r.recipient_id: r for r in rows if r.recipient_id}
    # the city's other operator and the licensor's officer; never the operator who filed it
    assert set(by_user) == {world.hz.operator.user_id, world.hz.officer.user_id}
    assert world.hz.plain_operator.user_id not in by_user
    officer = by_user[world.hz.officer.user_id]
    assert officer.channel == "email" and officer.status == "pending" and officer.address == "officer@hz.example.cn"
    assert officer.language == "en" and officer.subject.startswith("[Use first, pay later] Objection recorded")
    assert "高导热" in officer.subject
    operator = by_user[world.hz.operator.user_id]  # no address: the portal inbox only, delivered at once
    assert operator.channel == "inbox" and operator.status == "delivered" and "登记成果异议" in operator.subject
    assert [r.channel for r in rows if r.recipient_id is None] == ["group"]
    assert all(r.event == "objection.file" and r.city_code == "330100" for r in rows)


def test_a_refused_change_writes_no_message(world) -> None:
    result = in_notice(world)
    with pytest.raises(ValidationError):
        object_to(world, result, reason="")
    assert messages() == []


def test_a_change_undone_by_its_savepoint_sends_nothing(world) -> None:
    result = in_notice(world)
    with transaction() as s:
        nested = s.begin_nested()  # as a service does around an insert a unique key may refuse
        audited_add(s, world.hz.plain_operator, "objection.file",
                    Objection(result_id=result.id, city_code="330100", objector_name="甲", objector_contact="1",
                              reason="撤回的"))
        nested.rollback()
        kept = audited_add(s, world.hz.plain_operator, "objection.file",
                           Objection(result_id=result.id, city_code="330100", objector_name="乙", objector_contact="2",
                                     reason="保留的"))
    assert {r.entity_id for r in messages()} == {str(kept.id)}


def test_the_city_policy_decides_who_gets_what(world) -> None:
    result = in_notice(world)
    configure(world, routes={"objection.file": ["institution"], "claim.submit": ["city_admins"]})
    object_to(world, result)
    assert [r.recipient_id for r in messages()] == [world.hz.officer.user_id]
    configure(world, routes={"claim.submit": ["city_admins"]})  # the event switched off
    object_to(world, in_notice(world))
    assert len(messages()) == 1


def test_the_policy_refuses_unknown_events_and_recipients_naming_the_field(world) -> None:
    for data, name in (({"routes": {"Objection file": ["operators"]}}, "notify_routes"),
                       ({"routes": {"objection.file": ["everyone"]}}, "notify_routes"),
                       ({"quiet_start": "22:00"}, "notify_quiet_end"),
                       ({"quiet_start": "25:00", "quiet_end": "07:00"}, "notify_quiet_start"),
                       ({"wecom_url": "ftp://x"}, "notify_wecom_url")):
        with pytest.raises(ValidationError) as err:
            configure(world, **data)
        assert err.value.field == name
    assert notify_policy.notify_settings(actor=world.hz.operator, city_code="330100").routes["objection.file"] == (
        "operators", "institution", "group")


def test_only_the_city_administrators_configure(world) -> None:
    from portal.core.errors import NotFound, PermissionDenied

    with pytest.raises((PermissionDenied, NotFound)):
        notify_policy.save_notify_settings(actor=world.hz.plain_operator, city_code="330100", data={})
    with pytest.raises((PermissionDenied, NotFound)):
        notify_policy.save_notify_settings(actor=world.hz.operator, city_code="330200", data={})
    notify_policy.save_notify_settings(actor=world.admin, city_code="330200", data={"voucher_reminder_days": 10})
    assert notify_policy.notify_settings(actor=world.nb.operator, city_code="330200").voucher_reminder_days == 10


# --- e-mail ---------------------------------------------------------------------------------------

def test_email_goes_out_once_with_a_chinese_subject_and_both_bodies(world, smtp) -> None:
    result = in_notice(world)
    set_email(world.hz.officer, "officer@hz.example.cn")
    set_email(world.hz.operator, "op@hz.example.cn", lang="en")
    object_to(world, result)
    report = send_pending()
    assert report.delivered == 2 and report.failed == 0
    assert send_pending().delivered == 0  # nothing twice
    got = {m["To"]: m for m in smtp.messages}
    zh = got["officer@hz.example.cn"]
    assert zh["Subject"] == "【先用后转】登记成果异议：一种<b>高导热</b>散热膜"
    assert "=?utf-8?" in zh.as_string().split("Subject:", 1)[1].split("\n", 1)[0].lower()  # RFC 2047 on the wire
    assert "杭州市技术转移中心" in str(zh["From"])
    plain = zh.get_body(("plain",)).get_content()
    html = zh.get_body(("html",)).get_content()
    assert "hz_op2" in plain and "权属存疑" in plain
    assert "&lt;b&gt;高导热&lt;/b&gt;" in html and "<b>高导热" not in html  # user text never markup
    assert got["op@hz.example.cn"]["Subject"].startswith("[Use first, pay later] Objection recorded")
    assert all(r.status == "delivered" and r.attempts == 1 for r in messages(channel="email"))


def test_a_run_sends_its_emails_over_one_connection(world, smtp) -> None:
    set_email(world.hz.officer, "officer@hz.example.cn")
    set_email(world.hz.operator, "op@hz.example.cn")
    for reason in ("权属存疑", "发明人有误", "价格过高"):
        object_to(world, in_notice(world), reason=reason)
    assert send_pending().delivered == 6
    assert len(smtp.messages) == 6 and smtp.connections == 1  # not one handshake and login per e-mail
    object_to(world, in_notice(world))
    assert send_pending().delivered == 2 and smtp.connections == 2  # the next run opens its own


def test_a_user_who_turned_email_off_gets_it_in_the_portal_only(world, smtp) -> None:
    set_email(world.hz.officer, "officer@hz.example.cn")
    preferences.set_my_preferences(actor=world.hz.officer, email_enabled=False, language="en")
    object_to(world, in_notice(world))
    send_pending()
    assert smtp.messages == []
    mine = preferences.my_messages(actor=world.hz.officer)
    assert len(mine) == 1 and mine[0].channel == "inbox" and mine[0].subject.startswith("[Use first")
    assert preferences.my_messages(actor=world.hz.enterprise_user) == []


def test_without_smtp_messages_wait_and_the_page_says_so(world, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_SMTP_HOST", "")
    get_settings.cache_clear()
    set_email(world.hz.officer, "officer@hz.example.cn")
    object_to(world, in_notice(world))
    assert send_pending().delivered == 0
    state = notify_policy.outbox_state(actor=world.hz.operator, city_code="330100")
    assert not state.smtp_ready and state.waiting_email == 1 and state.waiting_group == 1 and state.robots_ready == ()
    assert messages(channel="email")[0].status == "pending"


def test_an_unreachable_smtp_server_is_retried_with_backoff_and_then_marked_failed(world, monkeypatch) -> None:
    from tests.notify_servers import free_port

    monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTAL_SMTP_PORT", str(free_port()))  # nobody listens
    monkeypatch.setenv("PORTAL_SMTP_STARTTLS", "false")
    monkeypatch.setenv("PORTAL_SMTP_FROM", "notice@example.cn")
    get_settings.cache_clear()
    set_email(world.hz.officer, "officer@hz.example.cn")
    object_to(world, in_notice(world))
    report = send_pending()
    assert report.retrying == 1 and report.delivered == 0
    row = messages(channel="email")[0]
    assert row.status == "pending" and row.attempts == 1 and "SMTP 127.0.0.1" in row.last_error
    assert row.next_attempt_at > now() + timedelta(seconds=50)
    assert send_pending().retrying == 0  # not due yet
    moment = now()
    for _ in range(MAX_ATTEMPTS):
        moment += timedelta(hours=7)
        send_pending(moment=moment)
    row = messages(channel="email")[0]
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS
    state = notify_policy.outbox_state(actor=world.hz.operator, city_code="330100")
    assert state.counts.get("failed") == 1 and "SMTP" in state.problems[0].last_error
    assert notify_policy.retry_failed_messages(actor=world.hz.operator, city_code="330100") == 1
    assert messages(channel="email")[0].status == "pending"


# --- group robots ---------------------------------------------------------------------------------

def test_dingtalk_signature_is_the_documented_hmac() -> None:
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", "SEC123", timestamp_ms=1700000000000)
    expected = base64.b64encode(hmac.new(b"SEC123", b"1700000000000\nSEC123", hashlib.sha256).digest()).decode()
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(url).query)
    assert query["timestamp"] == ["1700000000000"] and query["sign"] == [expected] and query["access_token"] == ["abc"]


def test_both_group_robots_get_the_message_dingtalk_signed(world, robots) -> None:
    configure(world, wecom_url=robots.url("/cgi-bin/webhook/send?key=K1"),
              dingtalk_url=robots.url("/robot/send?access_token=T1"), webhook_secret="SECxyz")
    object_to(world, in_notice(world))
    report = send_pending()
    assert report.delivered == 1
    paths = sorted(p.path for p in robots.posts)
    assert paths == ["/cgi-bin/webhook/send", "/robot/send"]
    ding = next(p for p in robots.posts if p.path == "/robot/send")
    expected = base64.b64encode(hmac.new(b"SECxyz", f"{ding.query['timestamp']}\nSECxyz".encode(),
                                         hashlib.sha256).digest()).decode()
    assert ding.query["sign"] == expected and ding.query["access_token"] == "T1"
    assert ding.body["msgtype"] == "text" and "登记成果异议" in ding.body["text"]["content"]


def test_a_robot_that_fails_then_recovers_gets_the_message_once(world, robots) -> None:
    configure(world, wecom_url=robots.url("/wecom?key=K"), dingtalk_url=robots.url("/ding?access_token=T"),
              webhook_secret="S")
    object_to(world, in_notice(world))
    robots.state.fail_next = 1  # the first robot's first request: HTTP 500
    report = send_pending()
    assert report.retrying == 1 and report.delivered == 0
    row = messages(channel="group")[0]
    assert row.status == "pending" and "HTTP 500" in row.last_error
    robots.state.errcode_next = 1  # the next answer: errcode (a DingTalk sign refusal)
    send_pending(moment=now() + timedelta(minutes=2))
    row = messages(channel="group")[0]
    assert row.status == "pending" and "errcode 310000" in row.last_error
    assert send_pending(moment=now() + timedelta(minutes=10)).delivered == 1
    assert sorted(p.path for p in robots.posts) == ["/ding", "/wecom"]  # each robot once
    assert messages(channel="group")[0].status == "delivered"


def test_quiet_hours_hold_messages_until_they_end(world, robots) -> None:
    configure(world, wecom_url=robots.url("/wecom?key=K"), quiet_start="22:00", quiet_end="07:00")
    object_to(world, in_notice(world))
    night = datetime.combine(now().date() + timedelta(days=1), time(23, 30), tzinfo=TZ)
    assert send_pending(moment=night).delivered == 0
    assert send_pending(moment=night + timedelta(hours=8)).delivered == 1


def test_the_administrator_sends_a_test_message_to_each_channel(world, smtp, robots) -> None:
    with pytest.raises(ValidationError) as err:
        notify_policy.send_test_message(actor=world.hz.operator, channel="wecom", city_code="330100")
    assert err.value.key == "outbox.error.no_robot"
    with pytest.raises(ValidationError) as err:
        notify_policy.send_test_message(actor=world.hz.operator, channel="email", city_code="330100")
    assert err.value.key == "outbox.error.no_own_email"
    set_email(world.hz.operator, "op@hz.example.cn")
    configure(world, wecom_url=robots.url("/wecom?key=K"), dingtalk_url=robots.url("/ding?access_token=T"))
    assert notify_policy.send_test_message(actor=world.hz.operator, channel="email", city_code="330100") == \
        "op@hz.example.cn"
    notify_policy.send_test_message(actor=world.hz.operator, channel="wecom", city_code="330100")
    robots.state.fail_next = 1
    with pytest.raises(ValidationError) as err:
        notify_policy.send_test_message(actor=world.hz.operator, channel="dingtalk", city_code="330100")
    assert err.value.key == "outbox.error.test_failed" and "HTTP 500" in err.value.params["error"]
    assert smtp.messages[0]["Subject"] == "【先用后转】测试消息" and [p.path for p in robots.posts] == ["/wecom"]



def test_an_smtp_setting_without_a_sender_address_is_an_error_on_the_message(world, smtp, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_SMTP_FROM", "")
    get_settings.cache_clear()
    set_email(world.hz.officer, "officer@hz.example.cn")
    object_to(world, in_notice(world))
    assert send_pending().retrying == 1 and smtp.messages == []
    assert "PORTAL_SMTP_FROM" in messages(channel="email")[0].last_error


def test_a_confirmed_booking_tells_the_enterprise_in_its_language(world) -> None:
    hz = world.hz
    booking = make_booking(world, status="requested", reference="ZSYY-3301-2026-9002", start=DAY)
    preferences.set_my_preferences(actor=hz.enterprise_user, email_enabled=True, language="en")
    confirm_booking(actor=hz.operator, booking_id=booking.id)
    (row,) = messages(event="pilot.confirm")
    assert row.recipient_id == hz.enterprise_user.user_id and row.language == "en"
    assert row.subject == "[Use first, pay later] Confirm pilot booking: ZSYY-3301-2026-9002"
    cancel_booking(actor=hz.operator, booking_id=booking.id, reason="设备检修")
    cancelled = messages(event="pilot.cancel")  # the enterprise, and the city's other operator
    assert {r.recipient_id for r in cancelled} == {hz.enterprise_user.user_id, hz.plain_operator.user_id}
    assert any("设备检修" in r.body_text for r in cancelled)
