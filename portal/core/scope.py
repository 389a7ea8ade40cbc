"""What tenancy needs besides the workflow tables (`portal.core.workflow`, which say who reaches
which records): reading a record id handed in from outside, and the scope part of a cache key."""

from __future__ import annotations

import uuid

from portal.core.actor import Actor
from portal.core.workflow import ORG_ROLES


def as_id(value: uuid.UUID | str | None) -> uuid.UUID | None:
    """A record id from a widget, URL or file; None when malformed (callers treat it as not found)."""
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def scope_key(actor: Actor) -> tuple[tuple, str | None]:
    """What a figure computed for actor depends on, for portal.cache: the key part that tells one
    scope from another, and the city whose writes make it stale (None: any write)."""
    if actor.is_province:
        return ("province",), None
    if actor.role in ORG_ROLES:
        return ("org", actor.organization_id), None
    if actor.city_code:
        return ("city", actor.city_code), actor.city_code
    return ("none", actor.role), None
