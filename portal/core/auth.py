"""Passwords (bcrypt), signing in with guessing bounded per account, and the bridge between user
accounts and the sign-in widget.

Guessing is bounded per account, not per browser session (a new session is free to open): after
`login_max_failures` failed sign-ins within `login_window_minutes` the account waits
`login_lock_minutes`, during which even the right password is refused with the time the wait
ends. Every failure, the lock, and its end by a successful sign-in are audit entries of the
account; an administrator lifts a wait early (`portal.admin.users.unlock_user`). The count is
taken under the account's row lock (SQLite: BEGIN IMMEDIATE), so parallel guesses cannot slip
past it. A name no account has answers alike — the same messages, after a bcrypt of the same
cost, and a wait after as many failures — so guessing does not tell which accounts exist.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import bcrypt
from sqlmodel import Session, select

from db.engine import read_session
from db.models import UserAccount
from db.models.enums import Role
from portal.core.actor import Actor
from portal.core.audit import audited_change
from portal.core.clock import local, now
from portal.core.errors import PortalError
from portal.core.i18n import label
from portal.core.service import service
from portal.core.settings import get_settings

# Who the audit trail names for what the sign-in guard writes: the guesser is anonymous.
SIGN_IN_GUARD = Actor(user_id=None, username="sign_in_guard", display_name="登录保护", role=Role.PROVINCE_ADMIN)
# A bcrypt hash of cost 12 (as hash_password makes) that no account has: names without an account
# are checked against it, so that answering them takes as long as a wrong password.
_DUMMY_HASH = "$2b$12$T8aWP5xjuKT4r84pemBSru7vbA30BQ7yNxoaYtQZCtgSFSIfglnuu"


def hash_password(password: str) -> str:
    """A bcrypt hash (about 0.25 s: hash once, never on every rerun)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


@lru_cache(maxsize=8)
def hash_password_once(password: str) -> str:
    """One hash per distinct password per process, for demo accounts and test fixtures."""
    return hash_password(password)


def verify_password(password: str, hashed: str) -> bool:
    """Whether password matches a bcrypt hash."""
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:
        return False


def actor_from_user(user: UserAccount, lang: str = "zh") -> Actor:
    """The Actor a signed-in user acts as."""
    return Actor(
        user_id=user.id, username=user.username, display_name=user.display_name, role=user.role,
        city_code=user.city_code, agency_id=user.agency_id, organization_id=user.organization_id,
        is_city_admin=user.is_city_admin, lang=lang,
    )


def role_label(actor: Actor, lang: str = "zh") -> str:
    """The name of the actor's role in lang, as the pages say who is signed in."""
    return label("role", actor.role, lang)


def load_actor(username: str, lang: str = "zh") -> Actor | None:
    """The active user's Actor, or None when the account is missing or disabled."""
    with read_session() as s:
        user = s.exec(select(UserAccount).where(UserAccount.username == username)).first()
        if user is None or user.disabled:
            return None
        return actor_from_user(user, lang)


def authenticator_credentials() -> dict:
    """Users in streamlit-authenticator's credentials shape, for its sign-in by cookie only: no
    password hashes (passwords are checked by `sign_in`, which bounds guessing per account).

    Disabled users are included on purpose: the router refuses them after the cookie or the
    password check, so someone who knows the password learns the account is disabled, and nobody
    else does.
    """
    with read_session() as s:
        rows = s.exec(select(UserAccount.username, UserAccount.display_name, UserAccount.role)).all()
    return {"usernames": {username: {"name": display, "password": "", "roles": [role], "logged_in": False}
                          for username, display, role in rows}}


# --- signing in, bounded per account -------------------------------------------------------------

class SignInRefused(PortalError):
    """A sign-in that did not let the user in (wrong credentials, a waiting or disabled account)."""


@dataclass(frozen=True)
class Limits:
    """How many failures within which window make an account wait, and for how long."""

    max_failures: int
    window: timedelta
    wait: timedelta

    @classmethod
    def from_settings(cls) -> Limits:
        settings = get_settings()
        return cls(settings.login_max_failures, timedelta(minutes=settings.login_window_minutes),
                   timedelta(minutes=settings.login_lock_minutes))


@dataclass
class Counter:
    """An account's failed sign-ins in its current window (the columns of `user_account`)."""

    failed_logins: int = 0
    first_failed_at: datetime | None = None
    locked_until: datetime | None = None


def waiting_until(locked_until: datetime | None, at: datetime) -> datetime | None:
    """The end of the wait at moment at, or None when the account does not wait."""
    return locked_until if locked_until is not None and locked_until > at else None


def after_failure(counter: Counter, at: datetime, limits: Limits) -> Counter:
    """The counter after one more failure at moment at (the account must not be waiting): a window
    that is over (or a wait that has ended) starts afresh; the last allowed failure starts the wait."""
    fresh = (counter.first_failed_at is None or at - counter.first_failed_at >= limits.window
             or counter.locked_until is not None)
    failed = 1 if fresh else counter.failed_logins + 1
    first = at if fresh else counter.first_failed_at
    return Counter(failed, first, _minute_up(at + limits.wait) if failed >= limits.max_failures else None)


def _minute_up(moment: datetime) -> datetime:
    """moment rounded up to the whole minute: a wait ends on the minute its message names."""
    minute = moment.replace(second=0, microsecond=0)
    return minute + timedelta(minutes=1) if minute < moment else minute


def wait_ends_text(until: datetime) -> str:
    """When a wait ends, as the message says it: the local minute from which a try succeeds
    ('10:45'), with the date when that is not today."""
    minute = _minute_up(local(until))
    return minute.strftime("%H:%M" if minute.date() == local(now()).date() else "%Y-%m-%d %H:%M")


def _waiting(until: datetime) -> SignInRefused:
    return SignInRefused("auth.locked", until=wait_ends_text(until))


class _NamesWithoutAccount:
    """Counters, in memory, for names no account has: they wait after as many failures as an
    account would, so a guesser cannot tell them apart. Bounded: the oldest names are forgotten."""

    def __init__(self, size: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._counters: OrderedDict[str, Counter] = OrderedDict()
        self._size = size

    def attempt(self, name: str, password: str, limits: Limits) -> SignInRefused:
        """The refusal an account of this name would give (it never signs in)."""
        with self._lock:
            counter = self._counters.get(name, Counter())
        until = waiting_until(counter.locked_until, now())
        if until:
            return _waiting(until)
        verify_password(password, _DUMMY_HASH)  # the time a wrong password takes; never a success
        with self._lock:
            at = now()
            counter = self._counters.get(name, Counter())
            until = waiting_until(counter.locked_until, at)
            if until:
                return _waiting(until)
            counter = after_failure(counter, at, limits)
            self._counters[name] = counter
            self._counters.move_to_end(name)
            while len(self._counters) > self._size:
                self._counters.popitem(last=False)
        return _waiting(counter.locked_until) if counter.locked_until else SignInRefused("auth.bad_credentials")

    def clear(self) -> None:
        """Forget every name (tests)."""
        with self._lock:
            self._counters.clear()


NAMES_WITHOUT_ACCOUNT = _NamesWithoutAccount()


def sign_in(username: str, password: str, lang: str = "zh") -> Actor:
    """The Actor of an active account whose password this is; SignInRefused otherwise (wrong
    name or password alike, a waiting account with the time its wait ends, a disabled account —
    told only to whoever knows its password). Counts the failure against the account."""
    name = (username or "").strip().lower()
    if not name or not password:
        raise SignInRefused("auth.enter_both")
    limits = Limits.from_settings()
    with read_session() as s:
        found = s.exec(select(UserAccount.id, UserAccount.password_hash, UserAccount.locked_until)
                       .where(UserAccount.username == name)).first()
    if found is None:
        raise NAMES_WITHOUT_ACCOUNT.attempt(name, password, limits)
    user_id, hashed, locked_until = found
    until = waiting_until(locked_until, now())
    if until:  # no bcrypt for a waiting account: its answer is known
        raise _waiting(until)
    # bcrypt (about 0.25 s) outside the transaction, so parallel tries do not queue on the row lock
    user, until = _count_attempt(user_id=user_id, password=password, hashed=hashed,
                                 right=verify_password(password, hashed), limits=limits)
    if until:
        raise _waiting(until)
    if user is None:
        raise SignInRefused("auth.bad_credentials")
    if user.disabled:
        raise SignInRefused("auth.disabled")
    return actor_from_user(user, lang)


@service()
def _count_attempt(s: Session, *, user_id: uuid.UUID, password: str, hashed: str, right: bool,
                   limits: Limits) -> tuple[UserAccount | None, datetime | None]:
    """Under the account's row lock: (the account, None) for a right password, which ends any
    failures and wait; (None, the end of the wait) when it waits, now or from this failure on;
    (None, None) for a failure short of the limit."""
    user = s.exec(select(UserAccount).where(UserAccount.id == user_id).with_for_update()).one()
    at = now()
    until = waiting_until(user.locked_until, at)
    if until:  # a parallel guess made it wait while this one was being checked
        return None, until
    if user.password_hash != hashed:  # changed while this try was checked: check against the new one
        right = verify_password(password, user.password_hash)
    if right:
        if user.failed_logins or user.locked_until:
            action = "user.lock_ended" if user.locked_until else "user.failures_cleared"
            with audited_change(s, SIGN_IN_GUARD, action, user):
                user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
        return user, None
    counter = after_failure(Counter(user.failed_logins, user.first_failed_at, user.locked_until), at, limits)
    action = "user.locked" if counter.locked_until else "user.sign_in_failed"
    with audited_change(s, SIGN_IN_GUARD, action, user):
        user.failed_logins, user.first_failed_at = counter.failed_logins, counter.first_failed_at
        user.locked_until = counter.locked_until
    return None, counter.locked_until
