"""Disclosure (成果披露): entering and editing a result, its attachments, and the discloser's list.

Who may enter, edit and attach, and in which statuses, is `rules.RESULT`."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Attachment, Organization, Result
from db.models.enums import PATENT_TYPES, ExclusionReason, Field_, ResultStatus, ResultType
from portal.core import attachments, directory, idempotency, validation
from portal.core.actor import Actor
from portal.core.attachments import AttachmentRow, Upload
from portal.core.audit import audited_add, audited_change
from portal.core.clock import today
from portal.core.errors import PermissionDenied, PortalError, ValidationError
from portal.core.paging import Page, paginate
from portal.core.scope import as_id
from portal.core.service import reader, service
from portal.core.workflow import Subject
from portal.pool.common import COLUMNS, readable_result, result_for
from portal.pool.rules import RESULT, discloses_for_own_only

# Patent PDFs, specifications and drawings; the size limit is the portal's one (settings).
ATTACHMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".png", ".jpg", ".jpeg")
# The directory's refusals of a named owner, in the pool's own words.
OWNER_REFUSALS = {"error.no_such_organization": "pool.error.owner_not_licensor",
                  "error.organization_out_of_reach": "pool.error.owner_out_of_scope"}

# The fields of a result a discloser types, in form (and template) order.
FIELDS = ("number", "result_type", "result_title", "result_inventors", "result_owner", "result_field",
          "result_trl", "result_abstract", "result_keywords", "result_fiscal", "result_grant_date",
          "result_exclusion", "result_trial_months", "result_max_licensees", "result_price_guidance",
          "result_summary", "result_advantages")
# What a roadshow card prints (DOMAIN.md: presenters show one result at a time): one line for
# people who are not specialists, and a few short advantages, each a line of a projector slide.
SUMMARY_MAX = 60
ADVANTAGES_MAX = 3
ADVANTAGE_MAX = 24


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
    # upper-cased before the length is checked: "ß" becomes "SS", and the column holds 40
    return validation.text(str(raw or "").upper().replace(" ", ""), field="number", max_length=40)


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
    take(lambda: ",".join(k.strip() for k in validation.printable(str(raw.get("result_keywords") or ""))
                          .replace("，", ",").replace("、", ",").replace(";", ",").split(",") if k.strip()),
         "keywords")
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
    take(lambda: validation.text(raw.get("result_price_guidance"), field="result_price_guidance",
                                 max_length=200, required=False), "price_guidance")
    take(lambda: _summary(raw.get("result_summary")), "summary_plain")
    take(lambda: _advantages(raw.get("result_advantages")), "advantages")
    grant = out.get("grant_date")
    if isinstance(grant, date) and grant > today():
        _fail(errors, ValidationError("pool.error.grant_in_future", field="result_grant_date"))
    return out


def _summary(raw: Any) -> str:
    """The card's one-line plain summary: line breaks become spaces, at most SUMMARY_MAX characters."""
    text = " ".join(validation.printable(str(raw or "")).split())
    return validation.text(text, field="result_summary", max_length=SUMMARY_MAX, required=False)


def _advantages(raw: Any) -> str:
    """The card's key advantages, one a line (bullets typed in front dropped): at most
    ADVANTAGES_MAX lines of ADVANTAGE_MAX characters each."""
    text = str(raw or "").replace("\r\n", "\n").replace("\r", "\n").replace("；", "\n")
    lines = [" ".join(validation.printable(line).strip(" -•·*\t").split()) for line in text.split("\n")]
    lines = [line for line in lines if line]
    if len(lines) > ADVANTAGES_MAX:
        raise ValidationError("cards.error.too_many_advantages", field="result_advantages", max=ADVANTAGES_MAX,
                              n=len(lines))
    for n, line in enumerate(lines, start=1):
        if len(line) > ADVANTAGE_MAX:
            raise ValidationError("cards.error.advantage_too_long", field="result_advantages", n=n,
                                  max=ADVANTAGE_MAX, length=len(line))
    return "\n".join(lines)


def _fail(errors: list[PortalError] | None, err: PortalError) -> None:
    if errors is None:
        raise err
    errors.append(err)


def _owner(s: Session, actor: Actor, owner_id: uuid.UUID | None) -> Organization:
    """The licensor that owns a new result: the officer's own institution, or one the actor may
    name (its city's; the province: any), checked by the directory."""
    if discloses_for_own_only(actor):
        owner_id = actor.organization_id
    try:
        return directory.named(s, actor, owner_id, kinds=directory.INSTITUTIONS, field="result_owner")
    except ValidationError as err:
        raise ValidationError(OWNER_REFUSALS.get(err.key, err.key), field="result_owner") from None


def number_taken(s: Session, number: str, exclude: uuid.UUID | None = None) -> bool:
    stmt = select(Result.id).where(Result.number == number)
    if exclude is not None:
        stmt = stmt.where(Result.id != exclude)
    return s.exec(stmt).first() is not None


# Creating and editing are the steps "create" and "edit" of one form; both are the disclosers'.
@service(RESULT, "create")
def save_result(s: Session, *, actor: Actor, data: Mapping[str, Any],
                result_id: uuid.UUID | str | None = None, idempotency_key: str | None = None) -> Result:
    """Create a draft result, or update one that is a draft, returned or withdrawn; a creation
    with the same idempotency_key again returns the result already created."""
    if not RESULT.may(actor, "create" if result_id is None else "edit"):
        raise PermissionDenied()
    clean = clean_result(data)
    owner_id = clean.pop("owner_org_id")  # the owner of an existing result does not change
    if result_id is None:
        owner = _owner(s, actor, owner_id)
        RESULT.require(actor, "create", Subject(city_code=owner.city_code, org_ids=(owner.id,)))

        def make() -> Result:  # a second click finds the number taken: not refused, the same result
            if number_taken(s, clean["number"]):
                raise ValidationError("pool.error.number_taken", field="number", number=clean["number"])
            return audited_add(s, actor, "result.create", Result(
                **clean, owner_org_id=owner.id, city_code=owner.city_code, status=ResultStatus.DRAFT,
                created_by=actor.user_id))

        return idempotency.once(s, actor, idempotency_key, "result.create", Result, make)
    result = result_for(s, actor, "edit", result_id)
    if number_taken(s, clean["number"], exclude=result.id):
        raise ValidationError("pool.error.number_taken", field="number", number=clean["number"])
    with audited_change(s, actor, "result.update", result):
        for key, value in clean.items():
            setattr(result, key, value)
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
        "result_price_guidance": result.price_guidance, "result_summary": result.summary_plain,
        "result_advantages": result.advantages,
    }


@reader(RESULT)
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
    city_code: str
    owner_org_id: uuid.UUID


RESULT.govern(MyResultRow)


def _mine(stmt: Any, actor: Actor, status: str | None, text: str) -> Any:
    """stmt restricted to the results actor oversees, of status, whose title or number holds text."""
    stmt = RESULT.scope_filter(stmt, actor, COLUMNS, "oversee")
    if status:
        stmt = stmt.where(Result.status == status)
    needle = text.strip()
    if needle:
        stmt = stmt.where(Result.title.icontains(needle, autoescape=True)
                          | Result.number.icontains(needle, autoescape=True))
    return stmt


@reader(RESULT, "oversee")
def list_my_results(*, actor: Actor, status: str | None = None, text: str = "", page: int = 1,
                    page_size: int = 50) -> Page[MyResultRow]:
    """Results the actor discloses or oversees (all statuses): its institution's, or its city's;
    latest change first, one page of them."""
    count = _mine(select(func.count()).select_from(Result), actor, status, text)
    rows = _mine(select(Result.id, Result.number, Result.title, Result.type, Result.field, Organization.name,
                        Result.status, Result.updated_at, Result.city_code, Result.owner_org_id)
                 .join(Organization, Organization.id == Result.owner_org_id), actor, status, text)
    with read_session() as s:
        def fetch(offset: int, limit: int) -> list[MyResultRow]:
            stmt = rows.order_by(Result.updated_at.desc(), Result.id).offset(offset).limit(limit)
            return [MyResultRow(*r) for r in s.exec(stmt).all()]

        return paginate(s, count, fetch, page=page, size=page_size)


@reader(RESULT, "oversee")
def count_my_results(*, actor: Actor, status: str | None = None) -> int:
    """How many results list_my_results lists (of status): the home page's figures."""
    with read_session() as s:
        return int(s.exec(_mine(select(func.count()).select_from(Result), actor, status, "")).one())


@reader(RESULT, "create")
def licensor_options(*, actor: Actor, query: str = "", limit: int = 200) -> list[directory.Choice]:
    """Licensors the actor may disclose for (its own institution, or the city's; the province:
    all), whose name holds query: the directory's picker, which `save_result` agrees with."""
    if not RESULT.may(actor, "create"):
        raise PermissionDenied()
    return directory.institutions(actor=actor, query=query, limit=limit)


# --- attachments --------------------------------------------------------------------------------

@service(RESULT, "attach")
def add_attachment(s: Session, *, actor: Actor, result_id: uuid.UUID | str, filename: str, data: bytes,
                   content_type: str | None = None, idempotency_key: str | None = None) -> AttachmentRow:
    """Keep a file (patent PDF, specification, drawing) with a result that is being disclosed; the
    same idempotency_key again returns the file already kept."""
    kind = content_type or mimetypes.guess_type(str(filename or ""))[0]
    upload = attachments.check_upload(filename, kind, data, field="result_attachment",
                                      suffixes=ATTACHMENT_SUFFIXES)
    result = result_for(s, actor, "attach", result_id)
    att = idempotency.once(s, actor, idempotency_key, "result.attach", Attachment, lambda: attachments.store(
        s, actor, upload, entity="result", entity_id=result.id, city_code=result.city_code, action="result.attach"))
    return AttachmentRow(att.id, att.filename, att.content_type, att.size, att.created_at)


def result_files(s: Session, result: Result) -> list[AttachmentRow]:
    """The result's files (without their bodies), oldest first."""
    return attachments.listing(s, "result", result.id)


@reader(RESULT)
def list_attachments(*, actor: Actor, result_id: uuid.UUID | str) -> list[AttachmentRow]:
    """A result's files (without their bodies)."""
    with read_session() as s:
        return result_files(s, readable_result(s, actor, result_id))


@reader(RESULT)
def read_attachment(*, actor: Actor, result_id: uuid.UUID | str, attachment_id: uuid.UUID | str) -> Upload:
    """One file of a result the actor may see: (filename, content type, body)."""
    with read_session() as s:
        result = readable_result(s, actor, result_id)
        return attachments.body(s, "result", result.id, as_id(attachment_id))
