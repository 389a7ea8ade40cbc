"""Versioned standard-form contract templates (格式合同): a province default, city versions.

A new version never replaces an old one: each contract keeps the template row it was made with.
"""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, text
from sqlmodel import Session, select

from db.engine import read_session
from db.models import ContractTemplate
from db.models.enums import ContractKind
from portal.contracts.rules import TEMPLATE, TemplateScope
from portal.contracts.texts import (
    DEFAULT_LICENCE_TEMPLATE,
    DEFAULT_TRANSFER_TEMPLATE,
    DEFAULT_TRIAL_TEMPLATE,
)
from portal.core import idempotency, validation
from portal.core.actor import SYSTEM, Actor
from portal.core.audit import audited_add
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.regions import cities
from portal.core.service import reader, service

DEFAULT_TITLE = "科技成果“先用后转”普通许可试用合同（示范文本）"
# The province's built-in text per contract kind: (title, body); created on first use.
DEFAULTS: dict[str, tuple[str, str]] = {
    ContractKind.TRIAL: (DEFAULT_TITLE, DEFAULT_TRIAL_TEMPLATE),
    ContractKind.PAID_LICENCE: ("科技成果付费实施许可合同（示范文本）", DEFAULT_LICENCE_TEMPLATE),
    ContractKind.TRANSFER: ("科技成果转让合同（示范文本）", DEFAULT_TRANSFER_TEMPLATE),
}

# Every placeholder a template may use; documents fill each of them from the records.
PLACEHOLDERS = (
    "contract_number", "licensor_name", "licensor_credit_code", "licensor_address", "licensor_contact",
    "licensee_name", "licensee_credit_code", "licensee_address", "licensee_contact", "agency_name",
    "result_title", "result_number", "result_type", "licence_type", "territory", "start_date",
    "end_date", "trial_months", "trial_period", "fee", "service_fee_rate", "risk_hints", "signing_date",
    "agency_contact",
    # paid licences and transfers ("—" in a trial's document)
    "licence_scope", "deal_amount", "deal_amount_upper", "payment_terms", "parent_trial_number",
)


@dataclass(frozen=True)
class TemplateRow:
    """One version of a template, as the editor lists it."""

    id: uuid.UUID
    city_code: str | None
    kind: str
    version: int
    title: str
    body: str
    created_at: datetime
    reason: str

    @property
    def level(self) -> str:
        return "province" if self.city_code is None else "city"


TEMPLATE.govern(TemplateRow)


def _row(t: ContractTemplate) -> TemplateRow:
    return TemplateRow(t.id, t.city_code, t.kind, t.version, t.title, t.body, t.created_at, t.reason)


def ensure_default_template(s: Session, kind: str = ContractKind.TRIAL) -> ContractTemplate:
    """The province's template of kind, created from the built-in text if the database has none."""
    row = s.exec(select(ContractTemplate).where(
        ContractTemplate.city_code.is_(None), ContractTemplate.kind == kind)
        .order_by(ContractTemplate.version.desc()).limit(1)).first()
    if row is None:
        if kind not in DEFAULTS:
            raise NotFound("contracts.error.no_template")
        if s.get_bind().dialect.name == "postgresql":
            # NULL cities never collide in the unique key, so two first uses would both insert version 1;
            # SQLite's write transactions are serial already
            s.exec(text("SELECT pg_advisory_xact_lock(hashtext(:k))").bindparams(k=f"contract_template:{kind}"))
            row = s.exec(select(ContractTemplate).where(
                ContractTemplate.city_code.is_(None), ContractTemplate.kind == kind).limit(1)).first()
            if row is not None:
                return row
        title, body = DEFAULTS[kind]
        row = ContractTemplate(city_code=None, kind=kind, version=1, title=title, body=body,
                               reason="省级示范文本")
        audited_add(s, SYSTEM, "contract_template.default", row)
    return row


def template_for(s: Session, city_code: str | None, kind: str) -> ContractTemplate:
    """The version in force for a city: its own latest, else the province's latest (or built-in)."""
    if city_code:
        row = s.exec(select(ContractTemplate).where(ContractTemplate.city_code == city_code,
                                                    ContractTemplate.kind == kind)
                     .order_by(ContractTemplate.version.desc()).limit(1)).first()
        if row is not None:
            return row
    return ensure_default_template(s, kind)


def check_body(body: str) -> None:
    """Refuse a body whose braces do not parse or that names an unknown placeholder."""
    try:
        names = {name for _, name, spec, conv in string.Formatter().parse(body) if name is not None}
    except ValueError:
        raise ValidationError("contracts.error.template_braces", field="template_body") from None
    unknown = sorted(n for n in names if n not in PLACEHOLDERS)
    if unknown:
        raise ValidationError("contracts.error.template_unknown", field="template_body",
                              names="、".join(unknown))


@reader(TEMPLATE)
def template_scopes(*, actor: Actor) -> list[str | None]:
    """The scopes whose templates the editor offers the actor: those it may edit (the province:
    its defaults and every city; a city administrator: its city), else its own city to read."""
    editable = [c for c in (None, *(r.code for r in cities())) if TEMPLATE.may(actor, "edit", TemplateScope(c))]
    if editable:
        return editable
    return [actor.city_code] if TEMPLATE.may(actor, "read", TemplateScope(actor.city_code)) else []


def _readable(actor: Actor, city_code: str | None) -> None:
    """PermissionDenied for a role that reads no templates; NotFound for another city's."""
    if not TEMPLATE.may(actor, "read"):
        raise PermissionDenied()
    TEMPLATE.readable(actor, TemplateScope(city_code))


@reader(TEMPLATE)
def list_templates(*, actor: Actor, city_code: str | None, kind: str = ContractKind.TRIAL) -> list[TemplateRow]:
    """Every version for a city (or the province when None), newest first."""
    _readable(actor, city_code)
    cond = ContractTemplate.city_code.is_(None) if city_code is None else ContractTemplate.city_code == city_code
    with read_session() as s:
        rows = s.exec(select(ContractTemplate).where(cond, ContractTemplate.kind == kind)
                      .order_by(ContractTemplate.version.desc())).all()
    return [_row(r) for r in rows]


@service(TEMPLATE, "read")
def current_template(s: Session, *, actor: Actor, city_code: str | None,
                     kind: str = ContractKind.TRIAL) -> TemplateRow:
    """The version new contracts of the city get now (a write: the first use of a province
    default creates it, with its audit entry)."""
    _readable(actor, city_code)
    return _row(template_for(s, city_code, kind))


@service(TEMPLATE, "edit")
def save_template(s: Session, *, actor: Actor, city_code: str | None, title: str, body: str, reason: str,
                  kind: str = ContractKind.TRIAL, idempotency_key: str | None = None) -> TemplateRow:
    """Add a new version (the old ones stay, and so do the contracts made with them); the same
    idempotency_key again returns the version already saved, not another one."""
    TEMPLATE.require(actor, "edit", TemplateScope(city_code), readable=True)  # refused, not hidden
    validation.choice(kind, ContractKind, field="template_kind")
    clean_title = validation.text(title, field="template_title", max_length=120)
    clean_body = validation.text(body, field="template_body", max_length=20000)
    why = validation.text(reason, field="template_reason", max_length=500)
    check_body(clean_body)
    cond = ContractTemplate.city_code.is_(None) if city_code is None else ContractTemplate.city_code == city_code

    def make() -> ContractTemplate:
        last = s.exec(select(func.max(ContractTemplate.version)).where(cond, ContractTemplate.kind == kind)).one()
        return audited_add(s, actor, "contract_template.save", ContractTemplate(
            city_code=city_code, kind=kind, version=int(last or 0) + 1, title=clean_title, body=clean_body,
            created_by=actor.user_id, reason=why), city_code=city_code, reason=why)

    return _row(idempotency.once(s, actor, idempotency_key, "contract_template.save", ContractTemplate, make))
