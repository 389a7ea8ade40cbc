"""Passwords (bcrypt) and the bridge between user accounts and the sign-in widget."""

from __future__ import annotations

from functools import lru_cache

import bcrypt
from sqlmodel import select

from db.engine import read_session
from db.models import UserAccount
from portal.core.actor import Actor
from portal.core.i18n import label


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
    """Users in streamlit-authenticator's credentials shape (hashes, never passwords).

    Disabled users are included on purpose: the router refuses them after the password check,
    so someone who knows the password learns the account is disabled, and nobody else does.
    """
    with read_session() as s:
        rows = s.exec(select(UserAccount)).all()
    return {
        "usernames": {
            u.username: {"name": u.display_name, "password": u.password_hash, "roles": [u.role],
                         "email": u.email or f"{u.username}@portal.local", "failed_login_attempts": 0,
                         "logged_in": False}
            for u in rows
        }
    }
