"""A claim's evidence files: added by the claiming agency until the claim is decided, read by
whoever may read the claim."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from db.engine import read_session
from db.models import Attachment
from portal.claims.review import load_claim
from portal.claims.rules import CLAIM
from portal.core import attachments
from portal.core.actor import Actor
from portal.core.attachments import AttachmentRow, Upload
from portal.core.service import reader, service


@service(CLAIM, "attach")
def add_attachment(s: Session, *, actor: Actor, claim_id: uuid.UUID, filename: str, content_type: str,
                   data: bytes) -> Attachment:
    """Keep an evidence file with a claim (its agency, while the claim is not yet decided)."""
    upload = attachments.check_upload(filename, content_type, data, field="attachment")
    claim = load_claim(s, actor, claim_id)
    CLAIM.require(actor, "attach", claim)
    return attachments.store(s, actor, upload, entity="fee_claim", entity_id=claim.id,
                             city_code=claim.city_code, action="claim.attach")


@reader(CLAIM)
def list_attachments(*, actor: Actor, claim_id: uuid.UUID) -> list[AttachmentRow]:
    """The claim's evidence files (without their bodies)."""
    with read_session() as s:
        claim = load_claim(s, actor, claim_id, lock=False)
        return attachments.listing(s, "fee_claim", claim.id)


@reader(CLAIM)
def read_attachment(*, actor: Actor, claim_id: uuid.UUID, attachment_id: uuid.UUID) -> Upload:
    """One evidence file: (filename, content type, body)."""
    with read_session() as s:
        claim = load_claim(s, actor, claim_id, lock=False)
        return attachments.body(s, "fee_claim", claim.id, attachment_id)
