"""What every record shares: a UUID key (city files merge into the province without clashes)
and creation / update times (the province roll-up keeps the newer row)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.clock import now

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


def money_field(*, nullable: bool = False, default=None, **kw):
    """A Decimal yuan column stored as integer fen."""
    from db.types import Money

    if default is None and not nullable:
        return Field(sa_type=Money, nullable=nullable, **kw)
    return Field(default=default, sa_type=Money, nullable=nullable, **kw)
