"""User accounts: list, add, disable / enable, reset password, lift a sign-in wait (admin page and
`portal users`), and what a user does to their own account (change the password, sign in).

Who may do which is the `user_account` table in portal.admin.rules; what an account of each role
is bound to (an agency, an institution, an enterprise, a city, nothing) is `BINDINGS` below.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, select

from db.engine import read_session
from db.models import Agency, Organization, UserAccount
from db.models.enums import Role
from portal.admin.rules import USER, require_administrator
from portal.core import directory, idempotency, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add
from portal.core.auth import hash_password, verify_password, waiting_until
from portal.core.clock import now
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.regions import all_regions, cities
from portal.core.service import reader, service
from portal.core.workflow import Columns, Subject, allowed_actions

COLUMNS = Columns(city=UserAccount.city_code, creator=UserAccount.id)


class Binding(StrEnum):
    """What an account of a role is bound to, which decides its city."""

    AGENCY = "agency"  # an operator works for one agency; its city is the agency's
    INSTITUTION = "institution"  # an officer discloses for one licensor
    ENTERPRISE = "enterprise"  # an enterprise user acts for one enterprise
    CITY = "city"  # a presenter presents in one city
    CITY_OR_PROVINCE = "city_or_province"  # a manager watches one city, or (no city) the province
    NONE = "none"  # the province administrator belongs to no city


BINDINGS: dict[str, Binding] = {
    Role.PROVINCE_ADMIN: Binding.NONE, Role.CITY_OPERATOR: Binding.AGENCY,
    Role.INSTITUTION_OFFICER: Binding.INSTITUTION, Role.PRESENTER: Binding.CITY,
    Role.MANAGER: Binding.CITY_OR_PROVINCE, Role.ENTERPRISE: Binding.ENTERPRISE,
}
ORG_KINDS = {Binding.INSTITUTION: directory.INSTITUTIONS, Binding.ENTERPRISE: directory.ENTERPRISES}


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
    locked_until: datetime | None = None  # while it waits after too many failed sign-ins: until when


USER.govern(UserRow)


def account_actions(actor: Actor, row: UserRow) -> list[str]:
    """The changes actor may make to a listed account now: the table's, lifting a wait only while
    the account waits."""
    return [a for a in allowed_actions(actor, row) if a != "unlock" or row.locked_until is not None]


@reader(USER, "list")
def list_users(*, actor: Actor, include_disabled: bool = True) -> list[UserRow]:
    """Accounts the actor may manage, by username."""
    require_administrator(USER, actor, "list")
    stmt = USER.scope_filter(
        select(UserAccount, Agency.name, Organization.name)
        .join(Agency, Agency.id == UserAccount.agency_id, isouter=True)
        .join(Organization, Organization.id == UserAccount.organization_id, isouter=True),
        actor, COLUMNS, "list").order_by(UserAccount.username)
    if not include_disabled:
        stmt = stmt.where(UserAccount.disabled == False)  # noqa: E712
    with read_session() as s:
        rows = s.exec(stmt).all()
    at = now()
    return [UserRow(u.id, u.username, u.display_name, u.role, u.city_code, agency, org,
                    u.is_city_admin, u.disabled, u.last_login_at, waiting_until(u.locked_until, at))
            for u, agency, org in rows]


@reader(USER, "add")
def binding_cities(*, actor: Actor, role: str) -> list[str | None]:
    """The cities (None: the province) an account of role that the actor adds may belong to."""
    binding = BINDINGS[validation.choice(role, Role, field="role")]
    codes: list[str | None] = [c.code for c in cities()]
    if binding is Binding.NONE:
        codes = [None]
    elif binding is Binding.CITY_OR_PROVINCE:
        codes = [None, *codes]
    return [c for c in codes if USER.may(actor, "add", Subject(city_code=c))]


@reader(USER, "add")
def assignable_roles(*, actor: Actor) -> list[str]:
    """The roles of the accounts the actor may add (a city administrator: no province accounts)."""
    return [role for role in Role if binding_cities(actor=actor, role=role)]


@reader(USER, "add")
def binding_options(*, actor: Actor, city_code: str | None = None,
                    query: str = "") -> dict[str, list[tuple[uuid.UUID, str, str]]]:
    """Agencies, licensors and enterprises of one city that the actor may bind a new account to:
    (id, name, city). Organizations come from the directory, matching query, at most 200 each."""
    if not USER.may(actor, "add", Subject(city_code=city_code)) or not city_code:
        return {"agencies": [], "licensors": [], "enterprises": []}
    agencies = directory.AGENCY.scope_filter(
        select(Agency.id, Agency.name, Agency.city_code), actor,
        Columns(city=Agency.city_code, agency=Agency.id)).where(Agency.city_code == city_code)
    with read_session() as s:
        agency_rows = [tuple(a) for a in s.exec(agencies.order_by(Agency.name)).all()]

    def orgs(pick) -> list[tuple[uuid.UUID, str, str]]:  # noqa: ANN001
        return [(c.id, c.name, c.city_code) for c in pick(actor=actor, query=query, city_code=city_code, limit=200)]

    return {"agencies": agency_rows, "licensors": orgs(directory.institutions),
            "enterprises": orgs(directory.enterprises)}


def _bindings(s: Session, actor: Actor, *, role: str, city_code: str | None, agency_id: uuid.UUID | None,
              organization_id: uuid.UUID | None) -> tuple[str | None, uuid.UUID | None, uuid.UUID | None]:
    """The (city, agency, organization) an account of role is stored with, refused unless the
    actor may add accounts of that city."""
    binding = BINDINGS[role]
    if city_code is not None and city_code not in all_regions():
        raise ValidationError("error.bad_choice", field="city", value=city_code)
    agency = org = None
    if binding is Binding.AGENCY:
        agency = s.get(Agency, agency_id) if agency_id else None
        if agency is None:
            raise ValidationError("error.required", field="agency")
        city_code = agency.city_code
    elif binding in ORG_KINDS:
        found = s.get(Organization, organization_id) if organization_id else None
        if found is None:
            raise ValidationError("error.required", field="organization")
        city_code = found.city_code
    elif binding is Binding.CITY and not city_code:
        raise ValidationError("error.required", field="city")
    elif binding is Binding.NONE:
        city_code = None
    USER.require(actor, "add", Subject(city_code=city_code))
    if binding in ORG_KINDS:  # the kind and the reach, as every form naming an organization
        org = directory.named(s, actor, organization_id, kinds=ORG_KINDS[binding], field="organization")
    if agency is not None:
        return city_code, agency.id, agency.organization_id
    return city_code, None, org.id if org else None


@service(USER, "add")
def add_user(s: Session, *, actor: Actor, username: str, display_name: str, password: str, role: str,
             city_code: str | None = None, agency_id: uuid.UUID | None = None,
             organization_id: uuid.UUID | None = None, is_city_admin: bool = False,
             password_hash: str | None = None, idempotency_key: str | None = None) -> UserAccount:
    """Create an account; the password is stored only as a bcrypt hash. The same idempotency_key
    again returns the account already created."""
    if not USER.may(actor, "add"):  # who may add accounts at all, before what the form says
        raise PermissionDenied()
    name = validation.username(username)
    display = validation.text(display_name, field="display_name", max_length=60)
    validation.choice(role, Role, field="role")
    clean_password = validation.password(password) if password_hash is None else None
    city, agency, org = _bindings(s, actor, role=role, city_code=city_code, agency_id=agency_id,
                                  organization_id=organization_id)
    # only an operator (bound to an agency) administers its city
    admin = bool(is_city_admin and BINDINGS[role] is Binding.AGENCY)

    def make() -> UserAccount:  # a second click finds the name taken: not refused, the same account
        if s.exec(select(UserAccount.id).where(UserAccount.username == name)).first():
            raise ValidationError("error.username_taken", field="username", username=name)
        return audited_add(s, actor, "user.add", UserAccount(
            username=name, display_name=display, role=role, city_code=city, agency_id=agency,
            organization_id=org, is_city_admin=admin, password_hash=password_hash or hash_password(clean_password)))

    return idempotency.once(s, actor, idempotency_key, "user.add", UserAccount, make)


def _managed(s: Session, actor: Actor, username: str) -> UserAccount:
    """The account of username, locked, when the actor may see it; NotFound naming it otherwise."""
    user = s.exec(select(UserAccount).where(UserAccount.username == username.strip().lower())
                  .with_for_update()).first()
    if user is None or not USER.may(actor, "read", user):
        raise NotFound("error.user_not_found", username=username)
    return user


@service(USER, "disable")
def set_disabled(s: Session, *, actor: Actor, username: str, disabled: bool) -> UserAccount:
    """Disable (or re-enable: the `enable` step, granted alike) an account; a disabled user
    cannot sign in, their history stays."""
    if disabled and username.strip().lower() == actor.username:
        raise ValidationError("error.cannot_disable_self", field="username")
    user = _managed(s, actor, username)
    with USER.move(s, actor, "disable" if disabled else "enable", user):
        user.disabled = disabled
        user.updated_at = now()
    return user


@service(USER, "reset_password")
def reset_password(s: Session, *, actor: Actor, username: str, new_password: str) -> UserAccount:
    """Set a new password (hashed)."""
    clean = validation.password(new_password, field="new_password")
    user = _managed(s, actor, username)
    with USER.move(s, actor, "reset_password", user):
        user.password_hash = hash_password(clean)
        user.updated_at = now()
    return user


@service(USER, "unlock")
def unlock_user(s: Session, *, actor: Actor, username: str) -> UserAccount:
    """Lift the wait of an account after too many failed sign-ins, before it ends by itself; its
    count of failures starts again from nothing. Refused when the account does not wait."""
    user = _managed(s, actor, username)
    USER.require(actor, "unlock", user)
    if waiting_until(user.locked_until, now()) is None:
        raise ValidationError("users.not_locked", field="username")
    with USER.move(s, actor, "unlock", user):
        user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
    return user


def _own(s: Session, actor: Actor) -> UserAccount:
    """The actor's own active account, locked."""
    user = s.exec(select(UserAccount).where(UserAccount.id == actor.user_id).with_for_update()).first() \
        if actor.user_id else None
    if user is None or user.disabled:
        raise NotFound("error.user_not_found", username=actor.username)
    return user


@service(USER, "change_password")
def change_own_password(s: Session, *, actor: Actor, current: str, new_password: str, repeat: str) -> None:
    """A user changes their own password after proving the current one.

    bcrypt runs inside the transaction (about 0.5 s, once per change): the hash to check is read there."""
    if new_password != repeat:
        raise ValidationError("error.passwords_differ", field="repeat_password")
    clean = validation.password(new_password, field="new_password")
    user = _own(s, actor)
    if not verify_password(current, user.password_hash):
        raise ValidationError("error.wrong_password", field="current_password")
    with USER.move(s, actor, "change_password", user):
        user.password_hash = hash_password(clean)
        user.updated_at = now()


@service(USER, "sign_in")
def record_login(s: Session, *, actor: Actor) -> None:
    """Stamp the actor's last sign-in time (no audit entry: it is not a change to the record's
    meaning; `last_login_at` is bookkeeping to the audit check)."""
    user = s.get(UserAccount, actor.user_id) if actor.user_id else None
    if user is not None and USER.may(actor, "sign_in", user):
        user.last_login_at = now()
        s.add(user)
