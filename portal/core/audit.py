"""The audit trail (DOMAIN.md rule 10): who, when, what record, before and after.

Services change records inside `audited_change` (or add them with `audited_add`), which writes
the entry in the same transaction. `db.engine.transaction` refuses to commit a changed record
that has no entry (`check_audited`), so a forgotten entry fails the first test that runs it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, SQLModel

from db.models import AuditEntry
from portal.core.actor import Actor
from portal.core.clock import now

_SKIP = {"password_hash", "data", "webhook_secret", "calendar_token"}  # never copy secrets or file bodies into the trail
# Tables whose rows are written beside an audited record and are its history or a by-product:
# the trail itself, a result's approval steps, search terms and vectors, numbering counters,
# submission keys, the messages an entry calls for (portal.core.outbox).
UNAUDITED_TABLES = frozenset({"audit_entry", "approval_step", "result_terms", "result_vector", "demand_vector",
                              "search_state", "number_counter", "action_key", "outbox_message"})
# Columns whose change alone is bookkeeping, not a change of the record's meaning.
BOOKKEEPING = frozenset({"updated_at", "last_login_at"})

T = TypeVar("T", bound=SQLModel)


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
    session.info.setdefault("audited", set()).add(id(obj))
    return entry


def record_many(session: Session, actor: Actor, changes: list[tuple[SQLModel, dict | None, str]]) -> None:
    """One entry per (record, before, action), written in bulk (an import of thousands of rows)."""
    session.flush()
    at = now()
    audited = session.info.setdefault("audited", set())
    entries = []
    for obj, before, action in changes:
        after = snapshot(obj)
        entries.append(AuditEntry(at=at, actor_id=actor.user_id, actor_name=actor.username, action=action,
                                  entity=obj.__tablename__, entity_id=str(after.get("id", "")),  # type: ignore[union-attr, attr-defined]
                                  city_code=getattr(obj, "city_code", None), before=before, after=after))
        audited.add(id(obj))
    session.add_all(entries)


@contextmanager
def audited_change(session: Session, actor: Actor, action: str, obj: T, *, reason: str | None = None,
                   city_code: str | None = None) -> Iterator[T]:
    """Change obj in the block; its entry (before and after) is written when the block ends.

    A refusal raised inside the block writes nothing (and the transaction rolls back)."""
    before = snapshot(obj)
    yield obj
    session.add(obj)
    record(session, actor, action, obj, before=before, reason=reason, city_code=city_code)


def audited_add(session: Session, actor: Actor, action: str, obj: T, *, reason: str | None = None,
                city_code: str | None = None) -> T:
    """Add a new record with its entry."""
    session.add(obj)
    record(session, actor, action, obj, reason=reason, city_code=city_code)
    return obj


def audited_delete(session: Session, actor: Actor, action: str, obj: SQLModel, *,
                   reason: str | None = None, city_code: str | None = None) -> None:
    """Delete a record, keeping its last state in the trail."""
    before = snapshot(obj)
    entry_city = city_code if city_code is not None else getattr(obj, "city_code", None)
    session.delete(obj)
    session.flush()
    entry = AuditEntry(at=now(), actor_id=actor.user_id, actor_name=actor.username, action=action,
                       entity=obj.__tablename__, entity_id=str(before.get("id", "")),  # type: ignore[union-attr]
                       city_code=entry_city, reason=reason, before=before, after=None)
    session.add(entry)
    session.info.setdefault("audited", set()).add(id(obj))


def note_changes(session: Session) -> None:
    """Remember the records a flush is about to write (a `before_flush` hook of db.engine)."""
    changed = session.info.setdefault("changed", {})
    for obj in (*session.new, *session.deleted):
        changed[id(obj)] = obj
    for obj in session.dirty:
        if session.is_modified(obj) and _meaningful_change(obj):
            changed[id(obj)] = obj


def _meaningful_change(obj: Any) -> bool:
    state = sa_inspect(obj)
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in BOOKKEEPING)


def unaudited(session: Session) -> list[str]:
    """Records changed in this transaction without an audit entry ('table id' each)."""
    audited = session.info.get("audited", set())
    missing = []
    for key, obj in session.info.get("changed", {}).items():
        table = getattr(obj, "__tablename__", None)
        if key in audited or table in UNAUDITED_TABLES or table is None:
            continue
        missing.append(f"{table} {getattr(obj, 'id', '')}")
    return missing
