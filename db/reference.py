"""Reference rows every database needs (the regions), inserted idempotently after migrating."""

from __future__ import annotations

from sqlmodel import Session, select

from db.models import Region
from portal.core.regions import all_regions


def ensure_regions(session: Session) -> int:
    """Insert missing regions in parent-first order; returns how many were added."""
    existing = set(session.exec(select(Region.code)).all())
    added = 0
    for info in all_regions().values():  # file order: province, then each city before its counties
        if info.code not in existing:
            session.add(Region(code=info.code, name_zh=info.name_zh, name_en=info.name_en,
                               level=info.level, parent_code=info.parent))
            session.flush()
            added += 1
    return added
