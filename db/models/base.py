"""What every record shares: a UUID key (city files merge into the province without clashes)
and creation / update times (the province roll-up keeps the newer row)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from db.types import Money
from portal.core.clock import now

# Stable constraint names, so that Alembic migrations name the same things on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Record(SQLModel):
    """Columns of every table that a city creates rows in."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = Field(default_factory=now, nullable=False)
    updated_at: datetime = Field(default_factory=now, nullable=False)


@event.listens_for(Session, "before_flush")
def _stamp_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    """Every changed record gets updated_at = now, unless the change set it itself: the province
    roll-up keeps the newer row, so a change without a new stamp would be lost there."""
    for obj in session.dirty:
        if not isinstance(obj, Record) or not session.is_modified(obj, include_collections=False):
            continue
        if not inspect(obj).attrs.updated_at.history.has_changes():
            obj.updated_at = now()


def money_field(*, nullable: bool = False, default=None, **kw):
    """A Decimal yuan column stored as integer fen."""
    if default is None and not nullable:
        return Field(sa_type=Money, nullable=nullable, **kw)
    return Field(default=default, sa_type=Money, nullable=nullable, **kw)
