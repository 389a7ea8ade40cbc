"""Reading the audit trail within the actor's scope: a page at a time, the home page's latest
entries, and one record's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from db.engine import read_session
from db.models import AuditEntry
from portal.admin.rules import AUDIT, require_administrator
from portal.core.actor import Actor
from portal.core.clock import start_of
from portal.core.paging import Page, paginate
from portal.core.service import reader
from portal.core.workflow import Columns

COLUMNS = Columns(city=AuditEntry.city_code)


@reader(AUDIT)
def list_audit(*, actor: Actor, entity: str | None = None, username: str | None = None,
               since: date | None = None, until: date | None = None,
               page: int = 1, page_size: int = 50) -> Page[AuditEntry]:
    """One page (from 1) of audit entries, newest first: a city administrator's city, the province all."""
    require_administrator(AUDIT, actor, "read")
    conds = []
    if entity:
        conds.append(AuditEntry.entity == entity)
    if username:
        conds.append(AuditEntry.actor_name == username.strip().lower())
    if since:
        conds.append(AuditEntry.at >= start_of(since))
    if until:
        conds.append(AuditEntry.at < start_of(until + timedelta(days=1)))
    rows = AUDIT.scope_filter(select(AuditEntry), actor, COLUMNS).where(*conds)
    count = AUDIT.scope_filter(select(func.count()).select_from(AuditEntry), actor, COLUMNS).where(*conds)
    with read_session() as s:
        def fetch(offset: int, limit: int) -> list[AuditEntry]:
            return list(s.exec(rows.order_by(AuditEntry.at.desc(), AuditEntry.id).offset(offset).limit(limit)))

        return paginate(s, count, fetch, page=page, size=page_size)


@dataclass(frozen=True)
class RecentEntry:
    """One line of the home page's recent activity."""

    at: datetime
    user: str  # the actor's username
    action: str
    entity: str


# sign-in bookkeeping stays in the trail (the audit page) but is not the city's work of the day
QUIET_ACTIONS = ("user.sign_in_failed", "user.failures_cleared", "user.lock_ended")


@reader(AUDIT, "recent")
def recent_activity(*, actor: Actor, limit: int = 8) -> list[RecentEntry]:
    """The latest entries of the city's trail for its staff (the province: every city's)."""
    stmt = AUDIT.scope_filter(select(AuditEntry.at, AuditEntry.actor_name, AuditEntry.action, AuditEntry.entity),
                              actor, COLUMNS, "recent").where(AuditEntry.action.not_in(QUIET_ACTIONS))
    with read_session() as s:
        return [RecentEntry(*r) for r in s.exec(stmt.order_by(AuditEntry.at.desc()).limit(limit)).all()]


def entity_history(*, entity: str, entity_id: str) -> list[AuditEntry]:
    """Every entry of one record, oldest first (callers check the record's scope first)."""
    with read_session() as s:
        stmt = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        return list(s.exec(stmt.order_by(AuditEntry.at)).all())
