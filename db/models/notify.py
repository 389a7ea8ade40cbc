"""Reminders that leave the portal: the outbox, each city's notification settings, each user's
preferences (portal.core.outbox writes messages; portal.notify sends them)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlmodel import Column, Field, SQLModel

from portal.core.clock import now


class OutboxMessage(SQLModel, table=True):
    """One message to one recipient (a user's e-mail or portal inbox, or a city's group robots),
    written in the transaction of the change it tells about; the sender marks it delivered once."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "next_attempt_at"),  # what the sender claims next
        Index("ix_outbox_recipient_created", "recipient_id", "created_at"),  # a user's last messages
        Index("ix_outbox_city_status", "city_code", "status"),  # the settings page's counts
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = Field(default_factory=now)
    city_code: str | None = Field(default=None, sa_type=String(6))
    event: str = Field(sa_type=String(60))  # the audit action, or "digest" / "test"
    entity: str = Field(default="", sa_type=String(40))
    entity_id: str = Field(default="", sa_type=String(40))
    channel: str = Field(sa_type=String(8))  # email / group / inbox
    recipient_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    address: str = Field(default="", sa_type=String(200))  # the e-mail address at the time of writing
    language: str = Field(default="zh", sa_type=String(2))
    subject: str = Field(sa_type=String(300))
    body_text: str = Field(sa_type=Text)
    body_html: str = Field(default="", sa_type=Text)
    status: str = Field(default="pending", sa_type=String(10))  # pending / sending / delivered / failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=now)
    claimed_until: datetime | None = None  # a sender's lease; past it, another sender may take the row
    claim_token: str | None = Field(default=None, sa_type=String(32))
    last_error: str = Field(default="", sa_type=Text)
    delivered_at: datetime | None = None
    parts_done: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # robots already posted
    dedupe_key: str | None = Field(default=None, sa_type=String(120), unique=True)  # digests: once a day


class NotifySetting(SQLModel, table=True):
    """A city's notification policy (which events reach which roles, reminder days, quiet hours)
    and its group robots; absent: the defaults of portal.core.outbox and no robot."""

    __tablename__ = "notify_setting"

    city_code: str = Field(sa_type=String(6), foreign_key="region.code", primary_key=True)
    routes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # event → [roles]
    voucher_reminder_days: int = 30
    quiet_start: str = Field(default="", sa_type=String(5))  # "22:00"; empty: no quiet hours
    quiet_end: str = Field(default="", sa_type=String(5))
    wecom_url: str = Field(default="", sa_type=String(400))
    dingtalk_url: str = Field(default="", sa_type=String(400))
    webhook_secret: str = Field(default="", sa_type=String(200))  # DingTalk's signing secret (not audited)
    changed_at: datetime = Field(default_factory=now)


class NotifyPreference(SQLModel, table=True):
    """A user's own choices: e-mail on or off, the language of messages, a calendar feed token."""

    __tablename__ = "notify_preference"

    user_id: uuid.UUID = Field(foreign_key="user_account.id", primary_key=True)
    email_enabled: bool = True
    language: str = Field(default="zh", sa_type=String(2))
    calendar_token: str | None = Field(default=None, sa_type=String(64), unique=True)
