"""The audit trail (DOMAIN.md rule 10): who, when, what entity, before and after."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, SQLModel

from db.models import AuditEntry
from portal.core.actor import Actor
from portal.core.clock import now

_SKIP = {"password_hash", "data"}  # never copy secrets or file bodies into the trail


def _plain(value: Any) -> Any:
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def snapshot(obj: SQLModel | None) -> dict | None:
    """A JSON-safe copy of a record's columns."""
    if obj is None:
        return None
    return {
        col.key: _plain(getattr(obj, col.key))
        for col in obj.__table__.columns  # type: ignore[attr-defined]
        if col.key not in _SKIP
    }


def record(session: Session, actor: Actor, action: str, obj: SQLModel, *,
           before: dict | None = None, reason: str | None = None, city_code: str | None = None) -> AuditEntry:
    """Add an audit entry for obj (after the change) in the caller's transaction."""
    session.flush()  # defaults (ids, timestamps) must exist before the snapshot
    after = snapshot(obj)
    entity_id = after.get("id") or after.get("code") or "" if after else ""
    entry = AuditEntry(
        at=now(),
        actor_id=actor.user_id,
        actor_name=actor.username,
        action=action,
        entity=obj.__tablename__,  # type: ignore[attr-defined]
        entity_id=str(entity_id),
        city_code=city_code if city_code is not None else getattr(obj, "city_code", None),
        reason=reason,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry
