"""How a roadshow's numbers count intents: companies, not submissions.

Every submission on the public QR page is its own row (DOMAIN.md rule 11), so a company that
submits twice for one result, or someone who types its public credit code, would count twice.
An intent counts once per (roadshow item, credit code); one the operator merged into another
never counts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, func
from sqlalchemy.orm import aliased
from sqlmodel import select

from db.models import Intent

LIVE = Intent.merged_into_id.is_(None)


def counted() -> Any:
    """True for the one live intent standing for its company's submissions to a roadshow item
    (the first by id; hub intents have no item and each count)."""
    twin = aliased(Intent)
    earlier = exists().where(twin.roadshow_item_id == Intent.roadshow_item_id, twin.credit_code == Intent.credit_code,
                             twin.merged_into_id.is_(None), twin.id < Intent.id)
    return and_(LIVE, ~earlier)


def counted_of_roadshow(roadshow_id: Any) -> Any:
    """A count query: the (item, credit code) pairs among one roadshow's live intents (a
    derived table, cheaper than `counted` where no correlation to an outer row is needed)."""
    pairs = (select(Intent.roadshow_item_id, Intent.credit_code)
             .where(Intent.roadshow_id == roadshow_id, LIVE).distinct().subquery())
    return select(func.count()).select_from(pairs)


def companies_of(*where: Any) -> Any:
    """A scalar subquery: the distinct credit codes among the live intents matching where."""
    return select(func.count(func.distinct(Intent.credit_code))).where(LIVE, *where).scalar_subquery()
