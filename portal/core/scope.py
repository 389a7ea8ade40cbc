"""Tenancy in one place (DOMAIN.md rule 9): which rows an actor may read and change.

Out-of-scope records are reported as not found, so that ids from another city reveal nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import false

from db.models.enums import Role
from portal.core.actor import Actor
from portal.core.errors import NotFound, PermissionDenied

CITY_ROLES = (Role.CITY_OPERATOR, Role.MANAGER, Role.PRESENTER)
ORG_ROLES = (Role.INSTITUTION_OFFICER, Role.ENTERPRISE)


def require_role(actor: Actor, *roles: str) -> None:
    """Refuse unless the actor has one of roles."""
    if actor.role not in roles:
        raise PermissionDenied()


def require_city_admin(actor: Actor, city_code: str) -> None:
    """Refuse unless the actor administers city_code (a city admin operator, or the province)."""
    if actor.role == Role.PROVINCE_ADMIN:
        return
    if actor.role == Role.CITY_OPERATOR and actor.is_city_admin and actor.city_code == city_code:
        return
    raise PermissionDenied()


def filter_scope(stmt: Any, actor: Actor, *, city_col: Any = None, org_cols: tuple = ()) -> Any:
    """Restrict a select to the actor's scope: a city column for city roles, org columns for
    institution officers and enterprises (any of them matching)."""
    if actor.is_province:
        return stmt
    if actor.role in CITY_ROLES and actor.city_code and city_col is not None:
        return stmt.where(city_col == actor.city_code)
    if actor.role in ORG_ROLES and actor.organization_id and org_cols:
        from sqlalchemy import or_

        return stmt.where(or_(*(col == actor.organization_id for col in org_cols)))
    return stmt.where(false())


def in_scope(actor: Actor, *, city_code: str | None = None, org_ids: tuple[uuid.UUID | None, ...] = ()) -> bool:
    """Whether a record of city_code, owned by / involving org_ids, is within the actor's scope."""
    if actor.is_province:
        return True
    if actor.role in CITY_ROLES:
        return bool(actor.city_code) and city_code == actor.city_code
    if actor.role in ORG_ROLES:
        return actor.organization_id is not None and actor.organization_id in org_ids
    return False


def ensure_readable(actor: Actor, record: Any, *, city_code: str | None = None,
                    org_ids: tuple[uuid.UUID | None, ...] = ()) -> Any:
    """The record, or NotFound when it is missing or out of scope."""
    if record is None or not in_scope(actor, city_code=city_code, org_ids=org_ids):
        raise NotFound()
    return record


def ensure_writable(actor: Actor, *, city_code: str | None = None,
                    org_ids: tuple[uuid.UUID | None, ...] = (), roles: tuple[str, ...] = ()) -> None:
    """Refuse a change outside the actor's scope, or by a role not in roles (when given)."""
    if roles and actor.role not in roles:
        raise PermissionDenied()
    if actor.role == Role.MANAGER or actor.role == Role.PRESENTER:
        raise PermissionDenied()  # managers and presenters only read
    if not in_scope(actor, city_code=city_code, org_ids=org_ids):
        raise PermissionDenied()


def as_id(value: uuid.UUID | str | None) -> uuid.UUID | None:
    """A record id from a widget, URL or file; None when malformed (callers treat it as not found)."""
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def acting_agency(s: Any, actor: Actor, agency_id: uuid.UUID | None = None) -> Any:
    """The agency a write is made for: a city operator's own; the province names one."""
    from db.models import Agency
    from portal.core.errors import ValidationError

    if actor.role == Role.CITY_OPERATOR:
        agency = s.get(Agency, actor.agency_id) if actor.agency_id else None
        if agency is None:
            raise PermissionDenied()
        return agency
    if actor.role != Role.PROVINCE_ADMIN:
        raise PermissionDenied()
    agency = s.get(Agency, agency_id) if agency_id else None
    if agency is None:
        raise ValidationError("error.required", field="agency")
    return agency


def scope_key(actor: Actor) -> tuple[tuple, str | None]:
    """What a figure computed under filter_scope depends on, for portal.cache: the key part that
    tells one scope from another, and the city whose writes make it stale (None: any write)."""
    if actor.is_province:
        return ("province",), None
    if actor.role in CITY_ROLES:
        return ("city", actor.city_code), actor.city_code
    if actor.role in ORG_ROLES:
        return ("org", actor.organization_id), None
    return ("none", actor.role), None
