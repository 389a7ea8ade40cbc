"""User accounts: list, add, disable / enable, reset password (admin page and `portal users`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from db.engine import read_session, transaction
from db.models import Agency, Organization, UserAccount
from db.models.enums import Role
from portal.core import audit, validation
from portal.core.actor import Actor
from portal.core.auth import hash_password
from portal.core.cache import cached
from portal.core.clock import now
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.regions import all_regions


@dataclass(frozen=True)
class UserRow:
    """What the user list shows (never the hash)."""

    id: uuid.UUID
    username: str
    display_name: str
    role: str
    city_code: str | None
    agency_name: str | None
    organization_name: str | None
    is_city_admin: bool
    disabled: bool
    last_login_at: datetime | None


def _may_manage(actor: Actor, city_code: str | None, role: str) -> bool:
    """Province admins manage everyone; a city admin manages its city's non-province accounts."""
    if actor.role == Role.PROVINCE_ADMIN:
        return True
    return (
        actor.role == Role.CITY_OPERATOR and actor.is_city_admin and city_code == actor.city_code
        and role != Role.PROVINCE_ADMIN and not (role == Role.MANAGER and city_code is None)
    )


def list_users(*, actor: Actor, include_disabled: bool = True) -> list[UserRow]:
    """Accounts the actor may manage, by username."""
    if actor.role != Role.PROVINCE_ADMIN and not (actor.role == Role.CITY_OPERATOR and actor.is_city_admin):
        raise PermissionDenied()
    with read_session() as s:
        stmt = (
            select(UserAccount, Agency.name, Organization.name)
            .join(Agency, Agency.id == UserAccount.agency_id, isouter=True)
            .join(Organization, Organization.id == UserAccount.organization_id, isouter=True)
            .order_by(UserAccount.username)
        )
        if actor.role != Role.PROVINCE_ADMIN:
            stmt = stmt.where(UserAccount.city_code == actor.city_code)
        if not include_disabled:
            stmt = stmt.where(UserAccount.disabled == False)  # noqa: E712
        rows = s.exec(stmt).all()
    return [
        UserRow(u.id, u.username, u.display_name, u.role, u.city_code, agency, org,
                u.is_city_admin, u.disabled, u.last_login_at)
        for u, agency, org in rows
    ]


def _check_bindings(s: Session, *, role: str, city_code: str | None, agency_id: uuid.UUID | None,
                    organization_id: uuid.UUID | None) -> tuple[str | None, uuid.UUID | None, uuid.UUID | None]:
    """Validate the role's bindings; returns the (city, agency, organization) to store."""
    if city_code is not None and city_code not in all_regions():
        raise ValidationError("error.bad_choice", field="city", value=city_code)
    if role == Role.CITY_OPERATOR:
        agency = s.get(Agency, agency_id) if agency_id else None
        if agency is None:
            raise ValidationError("error.required", field="agency")
        return agency.city_code, agency.id, agency.organization_id
    if role in (Role.INSTITUTION_OFFICER, Role.ENTERPRISE):
        org = s.get(Organization, organization_id) if organization_id else None
        if org is None:
            raise ValidationError("error.required", field="organization")
        return org.city_code, None, org.id
    if role == Role.PRESENTER and not city_code:
        raise ValidationError("error.required", field="city")
    if role == Role.PROVINCE_ADMIN:
        return None, None, None
    return city_code, None, None  # presenter (a city), manager (a city, or None = province)


def add_user(*, actor: Actor, username: str, display_name: str, password: str, role: str,
             city_code: str | None = None, agency_id: uuid.UUID | None = None,
             organization_id: uuid.UUID | None = None, is_city_admin: bool = False,
             password_hash: str | None = None) -> UserAccount:
    """Create an account; the password is stored only as a bcrypt hash."""
    name = validation.username(username)
    display = validation.text(display_name, field="display_name", max_length=60)
    validation.choice(role, Role, field="role")
    if password_hash is None:
        password_hash = hash_password(validation.password(password))
    with transaction() as s:
        city, agency, org = _check_bindings(s, role=role, city_code=city_code, agency_id=agency_id,
                                            organization_id=organization_id)
        if not _may_manage(actor, city, role):
            raise PermissionDenied()
        if s.exec(select(UserAccount.id).where(UserAccount.username == name)).first():
            raise ValidationError("error.username_taken", field="username", username=name)
        user = UserAccount(username=name, display_name=display, password_hash=password_hash, role=role,
                           city_code=city, agency_id=agency, organization_id=org,
                           is_city_admin=bool(is_city_admin and role == Role.CITY_OPERATOR))
        s.add(user)
        audit.record(s, actor, "user.add", user)
    return user


def _change(actor: Actor, username: str, action: str, apply) -> UserAccount:  # noqa: ANN001
    with transaction() as s:
        user = s.exec(select(UserAccount).where(UserAccount.username == username.strip().lower())).first()
        if user is None or not _may_manage(actor, user.city_code, user.role):
            raise NotFound("error.user_not_found", username=username)
        before = audit.snapshot(user)
        apply(user)
        user.updated_at = now()
        s.add(user)
        audit.record(s, actor, action, user, before=before)
    return user


def set_disabled(*, actor: Actor, username: str, disabled: bool) -> UserAccount:
    """Disable (or re-enable) an account; a disabled user cannot sign in, history stays."""
    if disabled and username.strip().lower() == actor.username:
        raise ValidationError("error.cannot_disable_self", field="username")

    def apply(user: UserAccount) -> None:
        user.disabled = disabled

    return _change(actor, username, "user.disable" if disabled else "user.enable", apply)


def reset_password(*, actor: Actor, username: str, new_password: str) -> UserAccount:
    """Set a new password (hashed)."""
    hashed = hash_password(validation.password(new_password, field="new_password"))

    def apply(user: UserAccount) -> None:
        user.password_hash = hashed

    return _change(actor, username, "user.reset_password", apply)


def record_login(username: str) -> None:
    """Stamp the last sign-in time (no audit entry: it is not a change to the record's meaning)."""
    with transaction() as s:
        user = s.exec(select(UserAccount).where(UserAccount.username == username)).first()
        if user is not None:
            user.last_login_at = now()
            s.add(user)


def binding_options(*, actor: Actor, city_code: str | None = None) -> dict[str, list[tuple[uuid.UUID, str, str]]]:
    """Agencies and organizations of one city that an admin may bind new accounts to: (id, name, city).

    One city at a time: the province has tens of thousands of organizations, too many for a picker.
    """
    if actor.role != Role.PROVINCE_ADMIN and not (actor.role == Role.CITY_OPERATOR and actor.is_city_admin):
        raise PermissionDenied()
    city = city_code if actor.role == Role.PROVINCE_ADMIN else actor.city_code
    if not city:
        return {"agencies": [], "licensors": [], "enterprises": []}

    def compute() -> dict[str, list[tuple[uuid.UUID, str, str]]]:
        with read_session() as s:
            agencies = s.exec(select(Agency.id, Agency.name, Agency.city_code)
                              .where(Agency.city_code == city).order_by(Agency.name)).all()
            orgs = s.exec(select(Organization.id, Organization.name, Organization.city_code, Organization.kind)
                          .where(Organization.city_code == city,
                                 Organization.kind.in_(("university", "institute", "medical", "rnd", "enterprise")))
                          .order_by(Organization.name).limit(5000)).all()
        return {
            "agencies": [tuple(a) for a in agencies],
            "licensors": [(i, n, c) for i, n, c, k in orgs if k != "enterprise"],
            "enterprises": [(i, n, c) for i, n, c, k in orgs if k == "enterprise"],
        }

    # thousands of names, read on every rerun of the users page: kept until the city's organizations change
    return cached(("binding_options",), compute, city=city)


def change_own_password(*, actor: Actor, current: str, new_password: str, repeat: str) -> None:
    """A user changes their own password after proving the current one."""
    from portal.core.auth import verify_password

    if new_password != repeat:
        raise ValidationError("error.passwords_differ", field="repeat_password")
    hashed = hash_password(validation.password(new_password, field="new_password"))
    with transaction() as s:
        user = s.get(UserAccount, actor.user_id) if actor.user_id else None
        if user is None or user.disabled:
            raise NotFound("error.user_not_found", username=actor.username)
        if not verify_password(current, user.password_hash):
            raise ValidationError("error.wrong_password", field="current_password")
        before = audit.snapshot(user)
        user.password_hash = hashed
        user.updated_at = now()
        s.add(user)
        audit.record(s, actor, "user.change_password", user, before=before)
