"""Files kept with a record (a result's patent PDF, a pilot report, a claim's evidence): stored,
listed and read in one way. Whether the actor may attach to or read a record is the record's
workflow's question; the capability asks it before calling these."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlmodel import Session, select

from db.models import Attachment
from portal.core import validation
from portal.core.actor import Actor
from portal.core.audit import audited_add
from portal.core.errors import NotFound, ValidationError
from portal.core.settings import get_settings


@dataclass(frozen=True)
class AttachmentRow:
    """A stored file as lists show it (without its body)."""

    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    created_at: datetime


class Upload(NamedTuple):
    """A file as a form or the CLI hands it over, or as a download hands it back."""

    filename: str
    content_type: str
    data: bytes


def max_bytes() -> int:
    """The size limit of every upload (setting `PORTAL_MAX_ATTACHMENT_MB`)."""
    return get_settings().max_attachment_mb * 1024 * 1024


def check_upload(filename: str, content_type: str | None, data: bytes | None, *, field: str,
                 suffixes: tuple[str, ...] = ()) -> Upload:
    """A cleaned upload; refused naming field when it is empty, too big or of a refused type."""
    name = validation.text(filename, field=field, max_length=200)
    if not data:
        raise ValidationError("error.file_empty", field=field)
    if len(data) > max_bytes():
        raise ValidationError("error.file_too_large", field=field, mb=get_settings().max_attachment_mb)
    if suffixes and not name.lower().endswith(suffixes):
        raise ValidationError("error.file_type", field=field, types=" ".join(suffixes))
    return Upload(name, (content_type or "application/octet-stream")[:100], data)


def store(s: Session, actor: Actor, upload: Upload, *, entity: str, entity_id: uuid.UUID,
          city_code: str | None, action: str) -> Attachment:
    """Keep upload with the record entity/entity_id, with its audit entry (action). The same file
    uploaded again (a re-submitted form, a second click) is the one already kept, not a copy."""
    same = s.exec(select(Attachment).where(
        Attachment.entity == entity, Attachment.entity_id == entity_id, Attachment.filename == upload.filename,
        Attachment.size == len(upload.data))).all()
    for kept in same:
        if kept.data == upload.data:
            return kept
    att = Attachment(entity=entity, entity_id=entity_id, city_code=city_code, filename=upload.filename,
                     content_type=upload.content_type, size=len(upload.data), data=upload.data,
                     uploaded_by=actor.user_id)
    return audited_add(s, actor, action, att)


def listing(s: Session, entity: str, entity_id: uuid.UUID) -> list[AttachmentRow]:
    """The record's files, oldest first."""
    rows = s.exec(select(Attachment.id, Attachment.filename, Attachment.content_type, Attachment.size,
                         Attachment.created_at)
                  .where(Attachment.entity == entity, Attachment.entity_id == entity_id)
                  .order_by(Attachment.created_at, Attachment.id)).all()
    return [AttachmentRow(*r) for r in rows]


def body(s: Session, entity: str, entity_id: uuid.UUID, attachment_id: uuid.UUID | None) -> Upload:
    """One file of the record; NotFound when it belongs to another record."""
    att = s.get(Attachment, attachment_id) if attachment_id else None
    if att is None or att.entity != entity or att.entity_id != entity_id:
        raise NotFound()
    return Upload(att.filename, att.content_type, att.data)
