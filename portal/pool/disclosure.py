"""Disclosure (成果披露): entering and editing a result, its attachments, and the discloser's list."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import read_session, transaction
from db.models import Attachment, Organization, Result
from db.models.enums import (
    LICENSOR_KINDS,
    PATENT_TYPES,
    ExclusionReason,
    Field_,
    ResultStatus,
    ResultType,
    Role,
)
from portal.core import audit, validation
from portal.core.actor import Actor
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, PortalError, ValidationError
from portal.core.scope import as_id, filter_scope, in_scope
from portal.pool.common import (
    DISCLOSERS,
    UNLISTED_READERS,
    readable_result,
    writable_result,
)

# A result can be edited only before it is submitted, or after it came back.
EDITABLE = (ResultStatus.DRAFT, ResultStatus.RETURNED, ResultStatus.WITHDRAWN)
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = {".pdf": "application/pdf", ".doc": "application/msword",
                    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

# The fields of a result a discloser types, in form (and template) order.
FIELDS = ("number", "result_type", "result_title", "result_inventors", "result_owner", "result_field",
          "result_trl", "result_abstract", "result_keywords", "result_fiscal", "result_grant_date",
          "result_exclusion", "result_trial_months", "result_max_licensees", "result_free_trial",
          "result_price_guidance")


def _yes_no(value: Any, *, field: str, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("是", "yes", "y", "true", "1", "有"):
        return True
    if text in ("否", "no", "n", "false", "0", "无"):
        return False
    raise ValidationError("pool.error.yes_no", field=field, value=str(value))


def _number(raw: Any, kind: str | None) -> str:
    if kind in PATENT_TYPES:
        number, patent_kind = validation.patent_number(raw, field="number")
        if patent_kind != kind:
            raise ValidationError("pool.error.number_type_mismatch", field="number", number=number)
        return number
    return validation.text(raw, field="number", max_length=40).upper().replace(" ", "")


def clean_result(raw: Mapping[str, Any], *, errors: list[PortalError] | None = None) -> dict[str, Any]:
    """Validated result fields (model attribute → value) from raw input keyed by FIELDS names.

    With errors given, every bad field is appended there instead of raising at the first.
    `result_owner` is passed through (an organization id) and checked against the database later.
    """
    out: dict[str, Any] = {}

    def take(fn: Callable[[], Any], attr: str) -> None:
        try:
            out[attr] = fn()
        except PortalError as err:
            if errors is None:
                raise
            errors.append(err)

    take(lambda: validation.choice(raw.get("result_type"), ResultType, field="result_type"), "type")
    take(lambda: _number(raw.get("number"), out.get("type")), "number")
    take(lambda: validation.text(raw.get("result_title"), field="result_title", max_length=200), "title")
    take(lambda: validation.text(raw.get("result_inventors"), field="result_inventors", max_length=200,
                                 required=False), "inventors")
    out["owner_org_id"] = as_id(raw.get("result_owner"))
    take(lambda: validation.choice(raw.get("result_field"), Field_, field="result_field"), "field")
    take(lambda: validation.integer(raw.get("result_trl"), field="result_trl", minimum=1, maximum=9), "trl")
    take(lambda: validation.text(raw.get("result_abstract"), field="result_abstract", max_length=5000,
                                 required=False), "abstract")
    take(lambda: ",".join(k.strip() for k in str(raw.get("result_keywords") or "").replace("，", ",")
                          .replace("、", ",").replace(";", ",").split(",") if k.strip()), "keywords")
    if len(out.get("keywords", "")) > 200:
        _fail(errors, ValidationError("error.too_long", field="result_keywords", max=200))
    take(lambda: _yes_no(raw.get("result_fiscal"), field="result_fiscal", default=False), "fiscally_funded")
    fiscal = out.get("fiscally_funded", False)
    take(lambda: validation.a_date(raw.get("result_grant_date"), field="result_grant_date",
                                   required=fiscal), "grant_date")
    take(lambda: validation.choice(raw.get("result_exclusion") or None, ExclusionReason,
                                   field="result_exclusion", required=False) if fiscal else None,
         "exclusion_reason")
    take(lambda: validation.integer(raw.get("result_trial_months"), field="result_trial_months",
                                    minimum=1, maximum=60), "trial_months")
    take(lambda: validation.integer(raw.get("result_max_licensees"), field="result_max_licensees",
                                    minimum=1, maximum=999, required=False), "max_trial_licensees")
    take(lambda: _yes_no(raw.get("result_free_trial"), field="result_free_trial", default=True),
         "free_during_trial")
    take(lambda: validation.text(raw.get("result_price_guidance"), field="result_price_guidance",
                                 max_length=200, required=False), "price_guidance")
    grant = out.get("grant_date")
    if isinstance(grant, date) and grant > today():
        _fail(errors, ValidationError("pool.error.grant_in_future", field="result_grant_date"))
    return out


def _fail(errors: list[PortalError] | None, err: PortalError) -> None:
    if errors is None:
        raise err
    errors.append(err)


def owner_for(s: Session, actor: Actor, owner_id: uuid.UUID | None) -> Organization:
    """The licensor that owns a new result: the officer's own institution, or one in the operator's city."""
    if actor.role == Role.INSTITUTION_OFFICER:
        owner_id = actor.organization_id
    org = s.get(Organization, owner_id) if owner_id else None
    if org is None or org.kind not in LICENSOR_KINDS:
        raise ValidationError("pool.error.owner_not_licensor", field="result_owner")
    if not in_scope(actor, city_code=org.city_code, org_ids=(org.id,)):
        raise ValidationError("pool.error.owner_out_of_scope", field="result_owner")
    return org


def number_taken(s: Session, number: str, exclude: uuid.UUID | None = None) -> bool:
    stmt = select(Result.id).where(Result.number == number)
    if exclude is not None:
        stmt = stmt.where(Result.id != exclude)
    return s.exec(stmt).first() is not None


def save_result(*, actor: Actor, data: Mapping[str, Any], result_id: uuid.UUID | str | None = None) -> Result:
    """Create a draft result, or update one that is a draft, returned or withdrawn."""
    if actor.role not in DISCLOSERS:
        raise PermissionDenied()
    clean = clean_result(data)
    with transaction() as s:
        if result_id is None:
            owner = owner_for(s, actor, clean.pop("owner_org_id"))
            result = Result(**clean, owner_org_id=owner.id, city_code=owner.city_code,
                            status=ResultStatus.DRAFT, created_by=actor.user_id)
            before = None
        else:
            result = writable_result(s, actor, result_id)
            if result.status not in EDITABLE:
                raise ValidationError("pool.error.not_editable", status=result.status)
            clean.pop("owner_org_id")  # the owner of an existing result does not change
            before = audit.snapshot(result)
            for key, value in clean.items():
                setattr(result, key, value)
        if number_taken(s, result.number, exclude=result.id if before else None):
            raise ValidationError("pool.error.number_taken", field="number", number=result.number)
        s.add(result)
        audit.record(s, actor, "result.create" if before is None else "result.update", result, before=before)
    return result


def result_form_values(result: Result) -> dict[str, Any]:
    """A result's fields keyed as the form and clean_result name them (for editing)."""
    return {
        "number": result.number, "result_type": result.type, "result_title": result.title,
        "result_inventors": result.inventors, "result_owner": result.owner_org_id,
        "result_field": result.field, "result_trl": result.trl, "result_abstract": result.abstract,
        "result_keywords": result.keywords, "result_fiscal": result.fiscally_funded,
        "result_grant_date": result.grant_date, "result_exclusion": result.exclusion_reason,
        "result_trial_months": result.trial_months, "result_max_licensees": result.max_trial_licensees,
        "result_free_trial": result.free_during_trial, "result_price_guidance": result.price_guidance,
    }


def get_result(*, actor: Actor, result_id: uuid.UUID | str) -> Result:
    """One result the actor may see."""
    with read_session() as s:
        return readable_result(s, actor, result_id)


@dataclass(frozen=True)
class MyResultRow:
    id: uuid.UUID
    number: str
    title: str
    type: str
    field: str
    owner: str
    status: str
    updated_at: Any


def list_my_results(*, actor: Actor, status: str | None = None, text: str = "", page: int = 1,
                    page_size: int = 50) -> tuple[list[MyResultRow], int]:
    """Results the actor discloses or oversees (all statuses): its institution's, or its city's."""
    if actor.role not in UNLISTED_READERS:
        raise PermissionDenied()
    conds = []
    if status:
        conds.append(Result.status == status)
    if text.strip():
        needle = text.strip()
        conds.append(Result.title.icontains(needle, autoescape=True) | Result.number.icontains(needle, autoescape=True))
    with read_session() as s:
        count = filter_scope(select(func.count()).select_from(Result).where(*conds), actor,
                             city_col=Result.city_code, org_cols=(Result.owner_org_id,))
        total = s.exec(count).one()
        stmt = select(Result.id, Result.number, Result.title, Result.type, Result.field, Organization.name,
                      Result.status, Result.updated_at).join(Organization, Organization.id == Result.owner_org_id)
        stmt = filter_scope(stmt.where(*conds), actor, city_col=Result.city_code, org_cols=(Result.owner_org_id,))
        rows = s.exec(stmt.order_by(Result.updated_at.desc())
                      .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return [MyResultRow(*row) for row in rows], int(total)


def licensor_options(*, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """Licensors the actor may disclose for: its own institution, or the city's (province: all)."""
    with read_session() as s:
        stmt = select(Organization.id, Organization.name).where(Organization.kind.in_(LICENSOR_KINDS))
        stmt = filter_scope(stmt, actor, city_col=Organization.city_code, org_cols=(Organization.id,))
        return [(i, n) for i, n in s.exec(stmt.order_by(Organization.city_code, Organization.name)).all()]


# --- attachments --------------------------------------------------------------------------------

@dataclass(frozen=True)
class AttachmentRow:
    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    created_at: Any


def add_attachment(*, actor: Actor, result_id: uuid.UUID | str, filename: str, data: bytes) -> AttachmentRow:
    """Keep a file (patent PDF, specification) with a result."""
    name = validation.text(filename, field="result_attachment", max_length=200)
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in ATTACHMENT_TYPES:
        raise ValidationError("pool.error.attachment_type", field="result_attachment",
                              allowed=" ".join(sorted(ATTACHMENT_TYPES)))
    if not data:
        raise ValidationError("error.required", field="result_attachment")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError("pool.error.attachment_size", field="result_attachment", mb=MAX_ATTACHMENT_BYTES // 2**20)
    with transaction() as s:
        result = writable_result(s, actor, result_id)
        att = Attachment(entity="result", entity_id=result.id, city_code=result.city_code, filename=name,
                         content_type=ATTACHMENT_TYPES[suffix], size=len(data), data=data,
                         uploaded_by=actor.user_id)
        s.add(att)
        audit.record(s, actor, "result.attach", att)
    return AttachmentRow(att.id, att.filename, att.content_type, att.size, att.created_at)


def list_attachments(*, actor: Actor, result_id: uuid.UUID | str) -> list[AttachmentRow]:
    """A result's files (without their bodies)."""
    with read_session() as s:
        result = readable_result(s, actor, result_id)
        rows = s.exec(select(Attachment.id, Attachment.filename, Attachment.content_type, Attachment.size,
                             Attachment.created_at)
                      .where(Attachment.entity == "result", Attachment.entity_id == result.id)
                      .order_by(Attachment.created_at)).all()
    return [AttachmentRow(*r) for r in rows]


def attachment_data(*, actor: Actor, attachment_id: uuid.UUID | str) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of a result's attachment the actor may see."""
    with read_session() as s:
        att = s.get(Attachment, as_id(attachment_id)) if as_id(attachment_id) else None
        if att is None or att.entity != "result":
            raise NotFound()
        readable_result(s, actor, att.entity_id)
        return att.filename, att.content_type, att.data
