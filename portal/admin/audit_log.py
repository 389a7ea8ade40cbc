"""Reading the audit trail, within the actor's scope, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import select

from db.engine import read_session
from db.models import AuditEntry
from db.models.enums import Role
from portal.core.actor import Actor
from portal.core.clock import start_of
from portal.core.errors import PermissionDenied
from portal.core.scope import filter_scope


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditEntry]
    total: int


def list_audit(*, actor: Actor, entity: str | None = None, username: str | None = None,
               since: date | None = None, until: date | None = None,
               limit: int = 50, offset: int = 0) -> AuditPage:
    """Audit entries newest first; administrators only, a city admin sees its city's."""
    if actor.role != Role.PROVINCE_ADMIN and not (actor.role == Role.CITY_OPERATOR and actor.is_city_admin):
        raise PermissionDenied()
    stmt = filter_scope(select(AuditEntry), actor, city_col=AuditEntry.city_code)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if username:
        stmt = stmt.where(AuditEntry.actor_name == username.strip().lower())
    if since:
        stmt = stmt.where(AuditEntry.at >= start_of(since))
    if until:
        stmt = stmt.where(AuditEntry.at < start_of(until + timedelta(days=1)))
    with read_session() as s:
        total = s.exec(select(func.count()).select_from(stmt.subquery())).one()
        rows = s.exec(stmt.order_by(AuditEntry.at.desc()).limit(limit).offset(offset)).all()
    return AuditPage(list(rows), int(total))


def entity_history(*, entity: str, entity_id: str) -> list[AuditEntry]:
    """Every entry of one record, oldest first (callers check the record's scope first)."""
    with read_session() as s:
        stmt = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        return list(s.exec(stmt.order_by(AuditEntry.at)).all())
