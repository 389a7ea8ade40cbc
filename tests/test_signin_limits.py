"""Guessing bounded per account (both databases): the count, the wait and its message, its end,
the administrator's lift, parallel guesses, names without an account; the cookie key's length
and its file's mode; the start-up refusal."""

from __future__ import annotations

import os
import stat
import statistics
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import AuditEntry, UserAccount
from portal.admin import users
from portal.cli import main, serve_cmd
from portal.core.auth import NAMES_WITHOUT_ACCOUNT, SignInRefused, sign_in
from portal.core.clock import TZ, now
from portal.core.errors import ConfigError, NotFound, PermissionDenied, ValidationError
from portal.core.settings import Settings, get_settings
from tests.factories import PASSWORD, at_once

TARGET = "hz_presenter"  # a Hangzhou account of the world
WRONG = "Wrong@2026"


@pytest.fixture(autouse=True)
def _fresh_limits(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN202
    """The shipped limits (5 in 15 minutes, a 15-minute wait) unless a test sets its own."""
    for name in ("PORTAL_LOGIN_MAX_FAILURES", "PORTAL_LOGIN_WINDOW_MINUTES", "PORTAL_LOGIN_LOCK_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    NAMES_WITHOUT_ACCOUNT.clear()
    yield
    get_settings.cache_clear()
    NAMES_WITHOUT_ACCOUNT.clear()


def _account(username: str = TARGET) -> UserAccount:
    with Session(get_engine()) as s:
        return s.exec(select(UserAccount).where(UserAccount.username == username)).one()


def _set(username: str = TARGET, **values: object) -> None:
    """Write the account's counter columns directly (as time passing would leave them)."""
    with Session(get_engine()) as s:
        user = s.exec(select(UserAccount).where(UserAccount.username == username)).one()
        for key, value in values.items():
            setattr(user, key, value)
        s.add(user)
        s.commit()


def _actions(username: str = TARGET) -> Counter:
    """How many entries of each action the trail holds about the account (entries of one second
    have no order)."""
    user = _account(username)
    with Session(get_engine()) as s:
        return Counter(s.exec(select(AuditEntry.action).where(AuditEntry.entity == "user_account",
                                                              AuditEntry.entity_id == str(user.id))))


def _audit_count() -> int:
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(AuditEntry)).one()


def _refusal(username: str, password: str, lang: str = "zh") -> str:
    with pytest.raises(SignInRefused) as err:
        sign_in(username, password)
    return err.value.message(lang)


def _minute(moment: datetime) -> str:
    """The local minute from which a try succeeds, as the message shows it: with its date when
    that is not today (a wait begun before midnight ends tomorrow)."""
    local = moment.astimezone(TZ)
    ceiling = local.replace(second=0) + (timedelta(minutes=1) if local.second else timedelta())
    return ceiling.strftime("%H:%M" if ceiling.date() == now().date() else "%Y-%m-%d %H:%M")


def _lock(username: str = TARGET, times: int = 5) -> None:
    for _ in range(times):
        with pytest.raises(SignInRefused):
            sign_in(username, WRONG)


# --- the count ---------------------------------------------------------------------------------------

def test_failures_are_counted_per_account_and_a_success_resets_them(world) -> None:
    for n in (1, 2, 3, 4):
        assert _refusal(TARGET, WRONG) == "用户名或密码不正确。"
        assert _account().failed_logins == n and _account().locked_until is None
    assert _account("nb_presenter").failed_logins == 0  # another account counts on its own
    assert sign_in(TARGET, PASSWORD).username == TARGET  # the fifth try is right: let in
    user = _account()
    assert user.failed_logins == 0 and user.first_failed_at is None and user.locked_until is None
    assert _actions() == Counter({"user.sign_in_failed": 4, "user.failures_cleared": 1})
    _lock(times=4)  # after the reset, four more failures still do not lock
    assert _account().locked_until is None


def test_the_failure_count_is_in_the_audit_trail(world) -> None:
    _lock(times=2)
    with Session(get_engine()) as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.action == "user.sign_in_failed")).all()
    assert sorted((e.before["failed_logins"], e.after["failed_logins"]) for e in entries) == [(0, 1), (1, 2)]
    assert {e.actor_name for e in entries} == {"sign_in_guard"} and {e.city_code for e in entries} == {"330100"}
    assert all("password_hash" not in e.after for e in entries)


def test_an_empty_form_is_refused_and_counts_nothing(world) -> None:
    assert _refusal(TARGET, "") == "请输入用户名和密码。"
    assert _refusal("  ", PASSWORD) == "请输入用户名和密码。"
    assert _account().failed_logins == 0


# --- the wait ----------------------------------------------------------------------------------------

def test_the_fifth_failure_makes_the_account_wait_even_for_the_right_password(world) -> None:
    _lock(times=4)
    before = now()
    message = _refusal(TARGET, WRONG)
    until = _account().locked_until
    assert timedelta(minutes=15) <= until - before <= timedelta(minutes=16)  # up to the whole minute
    assert until.astimezone(TZ).second == 0
    assert message == f"登录失败次数过多，账号已暂时锁定，请于 {_minute(until)} 后再试。"
    assert _refusal(TARGET, PASSWORD) == message  # the right password waits too
    assert _refusal(TARGET, PASSWORD, "en") == (
        f"Too many failed sign-ins: the account is locked for now; please try again after {_minute(until)}.")
    assert _account().failed_logins == 5  # tries during the wait are not counted …
    assert _actions() == Counter({"user.sign_in_failed": 4, "user.locked": 1})  # … nor written: one for the lock
    with Session(get_engine()) as s:
        lock = s.exec(select(AuditEntry).where(AuditEntry.action == "user.locked")).one()
    assert lock.after["failed_logins"] == 5 and lock.after["locked_until"] and lock.before["locked_until"] is None


@pytest.mark.parametrize(("clock", "until", "said"), [
    ("2026-12-01 10:30:00", "2026-12-01 10:45:00", "10:45"),
    ("2026-12-01 10:30:20", "2026-12-01 10:45:20", "10:46"),  # from the whole minute on
    ("2026-12-01 23:50:00", "2026-12-02 00:05:00", "2026-12-02 00:05"),  # begun before midnight
])
def test_the_wait_names_its_end_with_the_date_when_it_is_not_today(
        monkeypatch: pytest.MonkeyPatch, clock: str, until: str, said: str) -> None:
    from portal.core import auth

    def local_time(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=TZ)

    monkeypatch.setattr(auth, "now", lambda: local_time(clock))
    assert auth.wait_ends_text(local_time(until)) == said


def test_limits_come_from_the_settings(world, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("PORTAL_LOGIN_LOCK_MINUTES", "60")
    get_settings.cache_clear()
    assert _refusal(TARGET, WRONG) == "用户名或密码不正确。"
    before = now()
    assert "账号已暂时锁定" in _refusal(TARGET, WRONG)
    assert timedelta(minutes=60) <= _account().locked_until - before <= timedelta(minutes=61)


def test_failures_outside_the_window_start_a_new_count(world) -> None:
    _lock(times=4)
    _set(first_failed_at=now() - timedelta(minutes=14))  # still inside the 15 minutes: the 5th locks
    _lock(times=1)
    assert _account().locked_until is not None
    _set(failed_logins=4, first_failed_at=now() - timedelta(minutes=16), locked_until=None)  # the window is over
    assert _refusal(TARGET, WRONG) == "用户名或密码不正确。"
    user = _account()
    assert user.failed_logins == 1 and user.locked_until is None and now() - user.first_failed_at < timedelta(minutes=1)


def test_the_wait_ends_by_itself_and_a_success_after_it_is_written(world) -> None:
    _lock()
    _set(locked_until=now() - timedelta(seconds=1))  # the wait is over
    assert sign_in(TARGET, PASSWORD).username == TARGET
    user = _account()
    assert user.failed_logins == 0 and user.locked_until is None
    assert _actions() == Counter({"user.sign_in_failed": 4, "user.locked": 1, "user.lock_ended": 1})


def test_a_failure_after_the_wait_starts_a_new_count(world) -> None:
    _lock()
    _set(locked_until=now() - timedelta(seconds=1))
    assert _refusal(TARGET, WRONG) == "用户名或密码不正确。"
    user = _account()
    assert user.failed_logins == 1 and user.locked_until is None


def test_a_disabled_account_is_counted_and_told_only_with_its_password(world) -> None:
    users.set_disabled(actor=world.admin, username=TARGET, disabled=True)
    assert _refusal(TARGET, WRONG) == "用户名或密码不正确。"
    assert _account().failed_logins == 1
    assert _refusal(TARGET, PASSWORD) == "该账号已停用，请联系管理员。"


# --- a name no account has -----------------------------------------------------------------------

def test_a_name_without_an_account_answers_as_an_account_would(world) -> None:
    before = _audit_count()
    answers = [_refusal("no_such_user", WRONG) for _ in range(5)]
    assert answers[:4] == ["用户名或密码不正确。"] * 4
    assert answers[4].startswith("登录失败次数过多，账号已暂时锁定，请于 ")
    assert _refusal("no_such_user", PASSWORD) == answers[4]
    assert _audit_count() == before  # nothing written about names nobody has
    assert _refusal("another_nobody", WRONG) == "用户名或密码不正确。"  # counted per name


def test_a_name_without_an_account_takes_as_long_as_a_wrong_password(world, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PORTAL_LOGIN_MAX_FAILURES", "100")
    get_settings.cache_clear()

    def timed(username: str) -> float:
        start = time.perf_counter()
        with pytest.raises(SignInRefused):
            sign_in(username, WRONG)
        return time.perf_counter() - start

    timed(TARGET), timed("no_such_user")  # warm both paths
    known = statistics.median(timed(TARGET) for _ in range(5))
    unknown = statistics.median(timed("no_such_user") for _ in range(5))
    assert unknown > 0.05 and known > 0.05  # both pay for a bcrypt …
    assert 0.5 < unknown / known < 2, (known, unknown)  # … of the same cost


# --- the administrator's lift ----------------------------------------------------------------------

def test_the_province_and_the_city_administrator_lift_the_wait(world) -> None:
    for lifted, admin in enumerate((world.admin, world.hz.operator), start=1):
        _lock()
        row = next(r for r in users.list_users(actor=admin) if r.username == TARGET)
        assert row.locked_until == _account().locked_until
        assert "unlock" in users.account_actions(admin, row)
        users.unlock_user(actor=admin, username=TARGET)
        user = _account()
        assert user.locked_until is None and user.failed_logins == 0
        assert _actions()["user.unlock"] == lifted
        assert sign_in(TARGET, PASSWORD).username == TARGET
    with Session(get_engine()) as s:
        lifts = s.exec(select(AuditEntry.actor_name).where(AuditEntry.action == "user.unlock")).all()
    assert sorted(lifts) == ["admin", "hz_op"]


def test_another_citys_administrator_and_a_plain_operator_cannot_lift_it(world) -> None:
    _lock()
    before = _audit_count()
    with pytest.raises(NotFound):
        users.unlock_user(actor=world.nb.operator, username=TARGET)
    with pytest.raises((NotFound, PermissionDenied)):
        users.unlock_user(actor=world.hz.plain_operator, username=TARGET)
    with pytest.raises(PermissionDenied):
        users.list_users(actor=world.hz.plain_operator)
    assert _audit_count() == before and _account().locked_until is not None
    assert "账号已暂时锁定" in _refusal(TARGET, PASSWORD)


def test_an_account_that_does_not_wait_has_nothing_to_lift(world) -> None:
    _lock(times=2)
    row = next(r for r in users.list_users(actor=world.admin) if r.username == TARGET)
    assert row.locked_until is None and "unlock" not in users.account_actions(world.admin, row)
    before = _audit_count()
    with pytest.raises(ValidationError) as err:
        users.unlock_user(actor=world.admin, username=TARGET)
    assert err.value.message("zh") == "【用户名】该账号当前没有登录锁定，无需解除。"
    assert _audit_count() == before and _account().failed_logins == 2


def test_portal_users_unlock(world, capsys: pytest.CaptureFixture) -> None:
    url = get_engine().url.render_as_string(hide_password=False)
    _lock()
    assert main(["users", "list", "--database-url", url]) == 0
    assert "waits until" in next(line for line in capsys.readouterr().out.splitlines() if TARGET in line)
    assert main(["users", "unlock", TARGET, "--database-url", url]) == 0
    assert f"已解除 {TARGET} 的登录锁定。" in capsys.readouterr().out
    assert _account().locked_until is None and sign_in(TARGET, PASSWORD)
    assert main(["users", "unlock", TARGET, "--database-url", url]) == 2  # nothing to lift now
    assert "无需解除" in capsys.readouterr().err
    assert main(["users", "unlock", "nobody", "--database-url", url]) == 2
    assert "用户 nobody 不存在" in capsys.readouterr().err


# --- parallel guesses ------------------------------------------------------------------------------

def _guess_at_once(password: str, n: int = 8) -> list[str]:
    answers: list[str] = [""] * n

    def guess(i: int) -> None:
        try:
            sign_in(TARGET, password)
            answers[i] = "in"
        except SignInRefused as err:
            answers[i] = err.key

    at_once(n, guess)
    return answers


def test_eight_parallel_guesses_count_no_more_than_the_limit(world) -> None:
    answers = _guess_at_once(WRONG)
    user = _account()
    assert user.failed_logins == 5 and user.locked_until is not None
    assert sorted(answers) == ["auth.bad_credentials"] * 4 + ["auth.locked"] * 4
    assert _actions() == Counter({"user.sign_in_failed": 4, "user.locked": 1})
    assert _guess_at_once(PASSWORD) == ["auth.locked"] * 8  # the right password, 8 at once, during the wait
    assert _account().failed_logins == 5


def test_parallel_right_and_wrong_guesses_never_exceed_the_limit(world) -> None:
    _lock(times=3)
    answers = _guess_at_once(WRONG, n=8)
    assert answers.count("auth.bad_credentials") == 1 and answers.count("auth.locked") == 7
    assert _account().failed_logins == 5


# --- the cookie key ------------------------------------------------------------------------------

def test_a_short_cookie_key_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        Settings(cookie_key="short", data_dir=tmp_path).resolved_cookie_key()
    assert err.value.field == "cookie_key"
    assert err.value.message("zh").startswith("【Cookie 签名密钥】PORTAL_COOKIE_KEY 只有 5 字节，至少需要 32 字节")
    assert "at least 32 are needed" in err.value.message("en")
    with pytest.raises(ConfigError):
        Settings(cookie_key="键" * 10, data_dir=tmp_path).resolved_cookie_key()  # 30 bytes, 10 characters
    key = "k" * 32
    assert Settings(cookie_key=key, data_dir=tmp_path).resolved_cookie_key() == key
    assert not (tmp_path / "cookie.key").exists()


def test_the_generated_key_file_is_private_from_its_creation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # no chmod afterwards may rescue it, and a permissive umask must not widen it
    monkeypatch.setattr(os, "chmod", lambda *a, **k: None)
    monkeypatch.setattr(Path, "chmod", lambda *a, **k: None)
    old_umask = os.umask(0)
    try:
        key = Settings(cookie_key=None, data_dir=tmp_path / "data").resolved_cookie_key()
    finally:
        os.umask(old_umask)
    path = tmp_path / "data" / "cookie.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key.encode()) >= 32 and path.read_text() == key
    assert Settings(cookie_key=None, data_dir=tmp_path / "data").resolved_cookie_key() == key  # kept
    path.write_text("tampered")
    with pytest.raises(ConfigError) as err:
        Settings(cookie_key=None, data_dir=tmp_path / "data").resolved_cookie_key()
    assert str(path) in err.value.message("zh")


@pytest.mark.parametrize("command", [["serve"], ["demo", "--no-serve"]])
def test_serve_and_demo_refuse_a_short_cookie_key(command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture) -> None:
    started = []
    monkeypatch.setattr(serve_cmd, "_run_streamlit", lambda args: started.append(args) or 0)
    monkeypatch.setattr(serve_cmd, "prepare_demo", lambda **kw: started.append(kw) or {})
    monkeypatch.setenv("PORTAL_COOKIE_KEY", "short")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))  # the command sets it: restored afterwards
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    assert main([*command, "--data-dir", str(tmp_path)]) == 2
    assert "PORTAL_COOKIE_KEY 只有 5 字节，至少需要 32 字节" in capsys.readouterr().err
    assert not started
    monkeypatch.setenv("PORTAL_COOKIE_KEY", "k" * 40)
    main([*command, "--data-dir", str(tmp_path)])  # past the key check (serve then wants a migrated database)
    assert "PORTAL_COOKIE_KEY" not in capsys.readouterr().err
    get_settings.cache_clear()
