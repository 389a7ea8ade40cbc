"""an enterprise's own requests: trial and interest requests are intents with a status, pilot requests a note

An enterprise signed in asks from a result for a free trial or registers interest: an `intent`
(source "hub") with its kind, the requesting user, a status the city's operator moves (matched,
trial, declined, or withdrawn by the enterprise), and the operator's reply (the trial it became is found through its match).
A pilot booking the enterprise requests keeps what it wants tested.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("intent") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("request_status", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("requested_by", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("reply", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("decided_by", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("decided_at", UTCDateTime(), nullable=True))
        batch.create_foreign_key(op.f("fk_intent_requested_by_user_account"), "user_account", ["requested_by"], ["id"])
        batch.create_foreign_key(op.f("fk_intent_decided_by_user_account"), "user_account", ["decided_by"], ["id"])
        batch.create_index("ix_intent_enterprise_created", ["enterprise_org_id", "created_at"], unique=False)
        batch.create_index("ix_intent_city_request", ["city_code", "request_status", "created_at"], unique=False)
        batch.create_index("ix_intent_created", ["created_at"], unique=False)
    with op.batch_alter_table("pilot_booking") as batch:
        batch.add_column(sa.Column("request_note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("pilot_booking") as batch:
        batch.drop_column("request_note")
    with op.batch_alter_table("intent") as batch:
        batch.drop_index("ix_intent_created")
        batch.drop_index("ix_intent_city_request")
        batch.drop_index("ix_intent_enterprise_created")
        batch.drop_constraint(op.f("fk_intent_decided_by_user_account"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_intent_requested_by_user_account"), type_="foreignkey")
        for column in ("decided_at", "decided_by", "reply", "requested_by", "request_status", "kind"):
            batch.drop_column(column)
