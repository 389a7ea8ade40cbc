"""every intent its own row, sign-in bounded per account, form submissions carried out once

An anonymous visitor could overwrite a company's intent (submissions merged by the public credit
code): the unique (item, company) key goes, and the operator merges (`merged_into_id`). Accounts
count failed sign-ins and wait after too many. `action_key` remembers form submissions already
carried out, so a second click makes no duplicate.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("intent") as batch:
        batch.drop_constraint("uq_intent_item_company", type_="unique")
        batch.add_column(sa.Column("merged_into_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(op.f("fk_intent_merged_into_id_intent"), "intent", ["merged_into_id"], ["id"])
        batch.create_index("ix_intent_item_company", ["roadshow_item_id", "credit_code"], unique=False)
    # plain ADD COLUMNs (no table rebuild); the server default fills the accounts already there
    op.add_column("user_account", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("user_account", sa.Column("first_failed_at", UTCDateTime(), nullable=True))
    op.add_column("user_account", sa.Column("locked_until", UTCDateTime(), nullable=True))
    op.create_table(
        "action_key",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name=op.f("fk_action_key_actor_id_user_account")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_action_key")),
    )


def downgrade() -> None:
    op.drop_table("action_key")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("first_failed_at")
        batch.drop_column("failed_logins")
    with op.batch_alter_table("intent") as batch:
        batch.drop_index("ix_intent_item_company")
        batch.drop_constraint(op.f("fk_intent_merged_into_id_intent"), type_="foreignkey")
        batch.drop_column("merged_into_id")
        batch.create_unique_constraint("uq_intent_item_company", ["roadshow_item_id", "credit_code"])
