"""reminders that leave the portal: the outbox, each city's notification settings, each user's
preferences (e-mail on or off, language, calendar feed token)

Messages are written in the transaction of the change they tell about (portal.core.outbox) and
sent by `portal notify send` / `portal tick` (portal.notify.sender). New tables only: no row of
an older table changes.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("notify_setting",
    sa.Column("city_code", sa.String(length=6), nullable=False),
    sa.Column("routes", sa.JSON(), nullable=False),
    sa.Column("voucher_reminder_days", sa.Integer(), nullable=False),
    sa.Column("quiet_start", sa.String(length=5), nullable=False),
    sa.Column("quiet_end", sa.String(length=5), nullable=False),
    sa.Column("wecom_url", sa.String(length=400), nullable=False),
    sa.Column("dingtalk_url", sa.String(length=400), nullable=False),
    sa.Column("webhook_secret", sa.String(length=200), nullable=False),
    sa.Column("changed_at", UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["city_code"], ["region.code"], name=op.f("fk_notify_setting_city_code_region")),
    sa.PrimaryKeyConstraint("city_code", name=op.f("pk_notify_setting"))
    )
    op.create_table("notify_preference",
    sa.Column("user_id", sa.Uuid(), nullable=False),
    sa.Column("email_enabled", sa.Boolean(), nullable=False),
    sa.Column("language", sa.String(length=2), nullable=False),
    sa.Column("calendar_token", sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_notify_preference_user_id_user_account")),
    sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notify_preference")),
    sa.UniqueConstraint("calendar_token", name=op.f("uq_notify_preference_calendar_token"))
    )
    op.create_table("outbox_message",
    sa.Column("id", sa.Uuid(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("city_code", sa.String(length=6), nullable=True),
    sa.Column("event", sa.String(length=60), nullable=False),
    sa.Column("entity", sa.String(length=40), nullable=False),
    sa.Column("entity_id", sa.String(length=40), nullable=False),
    sa.Column("channel", sa.String(length=8), nullable=False),
    sa.Column("recipient_id", sa.Uuid(), nullable=True),
    sa.Column("address", sa.String(length=200), nullable=False),
    sa.Column("language", sa.String(length=2), nullable=False),
    sa.Column("subject", sa.String(length=300), nullable=False),
    sa.Column("body_text", sa.Text(), nullable=False),
    sa.Column("body_html", sa.Text(), nullable=False),
    sa.Column("status", sa.String(length=10), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
    sa.Column("claimed_until", UTCDateTime(), nullable=True),
    sa.Column("claim_token", sa.String(length=32), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=False),
    sa.Column("delivered_at", UTCDateTime(), nullable=True),
    sa.Column("parts_done", sa.JSON(), nullable=False),
    sa.Column("dedupe_key", sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(["recipient_id"], ["user_account.id"], name=op.f("fk_outbox_message_recipient_id_user_account")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_message_dedupe_key"))
    )
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.create_index("ix_outbox_city_status", ["city_code", "status"], unique=False)
        batch_op.create_index("ix_outbox_recipient_created", ["recipient_id", "created_at"], unique=False)
        batch_op.create_index("ix_outbox_status_due", ["status", "next_attempt_at"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_index("ix_outbox_status_due")
        batch_op.drop_index("ix_outbox_recipient_created")
        batch_op.drop_index("ix_outbox_city_status")

    op.drop_table("outbox_message")
    op.drop_table("notify_preference")
    op.drop_table("notify_setting")
