"""The audit trail as an operator reads it: the action in words, which record (its number or
title, and where to open it) and what changed, field by field, in words — never a raw snapshot.

An entry keeps JSON snapshots of the record before and after (portal.core.audit). This module
turns a page of entries into lines: ids become the names they point to (looked up once per page,
in one query per table), enumerated values their labels, money ¥, shares %, flags 是/否; columns
that are bookkeeping (ids, stamps, keys, hashes) are left out.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from db.engine import read_session
from db.models import AuditEntry
from portal.admin.audit_log import COLUMNS, QUIET_ACTIONS, list_audit
from portal.admin.rules import AUDIT
from portal.core.actor import Actor
from portal.core.clock import fmt
from portal.core.i18n import action_label, catalogue, label, t
from portal.core.paging import Page
from portal.core.regions import region_name
from portal.core.service import reader

SKIPPED = frozenset({"id", "created_at", "updated_at", "idempotency_key", "password_hash", "token", "data", "terms",
                     "seq", "created_by", "failed_logins", "first_failed_at", "last_login_at"})
MONEY = frozenset({"amount", "deal_amount", "fee", "premium", "coverage", "basis_amount", "balance", "price_per_day",
                   "budget_min", "budget_max"})
SHARES = frozenset({"rate"})
LONG = 60  # characters of a long text shown in a change

# column → enumeration, where the column's name alone does not say it
ENUMS: dict[tuple[str, str], str] = {
    ("result", "status"): "result_status", ("contract", "status"): "contract_status",
    ("fee_claim", "status"): "claim_status", ("demand", "status"): "demand_status",
    ("pilot_booking", "status"): "booking_status", ("voucher", "status"): "voucher_status",
    ("roadshow", "status"): "roadshow_status", ("objection", "status"): "objection_status",
    ("contract", "kind"): "contract_kind", ("fee_claim", "kind"): "claim_kind", ("budget", "kind"): "claim_kind",
    ("result", "type"): "result_type", ("organization", "kind"): "org_kind", ("organization", "size"): "enterprise_size",
    ("points_event", "kind"): "points_kind",
}
ENUM_COLUMNS = {"stage": "match_stage", "licence_type": "licence_type", "field": "field", "channel": "channel",
                "drop_reason": "drop_reason", "termination_reason": "termination_reason",
                "exclusion_reason": "exclusion_reason", "role": "role", "theme_field": "field"}
# the prefix of a record's form fields in the catalogue (field.<prefix>_<column>)
PREFIX = {"result": "result", "contract": "contract", "match_record": "match", "demand": "demand",
          "fee_claim": "claim", "roadshow": "roadshow", "pilot_booking": "pilot", "pilot_platform": "pilot",
          "pilot_resource": "pilot", "voucher": "voucher", "insurance_policy": "policy", "objection": "objection",
          "intent": "intent", "contract_template": "template", "budget": "budget"}
# what names a record: its own columns, or the record one of its ids points to
NAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "result": ("number", "title"), "contract": ("number",), "fee_claim": ("reference",), "roadshow": ("title",),
    "demand": ("title",), "user_account": ("username",), "organization": ("name",), "agency": ("name",),
    "voucher": ("code",), "pilot_booking": ("reference",), "pilot_platform": ("name",), "pilot_resource": ("name",),
    "insurance_policy": ("policy_number",), "contract_template": ("title",), "intent": ("company_name",),
    "objection": ("objector_name",), "attachment": ("filename",), "roadshow_attendance": ("company_name",),
}
NAMED_BY = {"match_record": "result_id", "public_notice": "result_id", "roadshow_item": "result_id",
            "voucher_redemption": "voucher_id", "points_event": "agency_id"}
# an id column → the table it points to
REFERENCES = {"result_id": "result", "contract_id": "contract", "parent_trial_id": "contract", "match_id": "match_record",
              "demand_id": "demand", "roadshow_id": "roadshow", "voucher_id": "voucher", "policy_id": "insurance_policy",
              "agency_id": "agency", "platform_id": "pilot_platform", "resource_id": "pilot_resource",
              "template_id": "contract_template", "intent_id": "intent", "merged_into_id": "intent",
              "presenter_user_id": "user_account", "user_id": "user_account", "reviewed_by": "user_account",
              "decided_by": "user_account", "resolved_by": "user_account", "uploaded_by": "user_account",
              "changed_by": "user_account", "report_attachment_id": "attachment", "redemption_id": "voucher_redemption"}
REFERENCES_BY_SUFFIX = "_org_id"  # owner_org_id, licensor_org_id, …: organizations


@dataclass(frozen=True)
class Change:
    """One field of a record before and after, in words."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditLine:
    """One audit entry as the page shows it."""

    at: datetime
    user: str
    action: str
    kind: str  # the record's kind (成果, 合同, …)
    record: str  # its number or title
    link: str | None  # where it opens in the portal (a URL path with its query), if anywhere
    reason: str
    changes: tuple[Change, ...]
    summary: str  # the changes in one line: 状态：草稿 → 待单位审批；…


def _target(column: str) -> str | None:
    if column.endswith(REFERENCES_BY_SUFFIX) or column == "organization_id":
        return "organization"
    return REFERENCES.get(column)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


class _Names:
    """Names of the records a page of entries points to, fetched in one query per table."""

    def __init__(self, entries: Iterable[AuditEntry]) -> None:
        wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
        for e in entries:
            if (own := _uuid(e.entity_id)) is not None:
                wanted[e.entity].add(own)
            for snap in (e.before or {}, e.after or {}):
                for column, value in snap.items():
                    if (table := _target(column)) and (ref := _uuid(value)) is not None:
                        wanted[table].add(ref)
        self.rows: dict[tuple[str, uuid.UUID], dict] = {}
        tables = SQLModel.metadata.tables
        with read_session() as s:
            for table, ids in wanted.items():
                if table not in tables or "id" not in tables[table].c:
                    continue
                tbl = tables[table]
                wanted_cols = {*NAME_COLUMNS.get(table, ()), NAMED_BY.get(table, "")} - {""}
                cols = [tbl.c.id, *(tbl.c[c] for c in wanted_cols if c in tbl.c)]
                for row in s.execute(select(*cols).where(tbl.c.id.in_(list(ids)))).mappings():
                    self.rows[(table, _uuid(row["id"]))] = dict(row)
        # a record named by another (a match by its result) needs that one too
        missing: dict[str, set[uuid.UUID]] = defaultdict(set)
        for (table, _), row in list(self.rows.items()):
            if (column := NAMED_BY.get(table)) and (ref := _uuid(row.get(column))) is not None:
                target = _target(column) or ""
                if (target, ref) not in self.rows:
                    missing[target].add(ref)
        with read_session() as s:
            for table, ids in missing.items():
                tbl = tables.get(table)
                if tbl is None:
                    continue
                cols = [tbl.c.id, *(tbl.c[c] for c in NAME_COLUMNS.get(table, ()) if c in tbl.c)]
                for row in s.execute(select(*cols).where(tbl.c.id.in_(list(ids)))).mappings():
                    self.rows[(table, _uuid(row["id"]))] = dict(row)

    def name(self, table: str, value: Any, snapshot: dict | None = None) -> str:
        """How a record reads: '2023 1 0123456.7 石墨烯散热膜', 'XYSY-3301-2026-0019', …"""
        ref = _uuid(value)
        row = self.rows.get((table, ref)) if ref is not None else None
        row = row or snapshot or {}
        if table in NAMED_BY and (via := row.get(NAMED_BY[table])) is not None:
            return self.name(_target(NAMED_BY[table]) or "", via)
        parts = [str(row[c]) for c in NAME_COLUMNS.get(table, ()) if row.get(c)]
        return " ".join(parts)


def _field_label(entity: str, column: str, lang: str) -> str:
    cat = catalogue()
    for key in (f"audit.field.{entity}.{column}", f"field.{PREFIX.get(entity, entity)}_{column}",
                f"field.{column}", f"audit.field.{column}"):
        if key in cat:
            return t(key, lang)
    if column.endswith("_id") and (table := _target(column)):
        return t(f"entity.{table}", lang)
    return column


def _money(value: Any) -> str:
    try:
        return f"¥{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def _value(entity: str, column: str, value: Any, names: _Names, lang: str) -> str:
    if value is None or value == "":
        return "—"
    kind = ENUMS.get((entity, column)) or ENUM_COLUMNS.get(column)
    if kind:
        return label(kind, str(value), lang)
    if isinstance(value, bool):
        return t("audit.yes" if value else "audit.no", lang)
    if column in MONEY:
        return _money(value)
    if column in SHARES:
        try:
            return f"{Decimal(str(value)) * 100:.2f}%".replace(".00%", "%")
        except InvalidOperation:
            return str(value)
    if column.endswith("city_code") or column in ("county_code", "region_code", "budget_region_code"):
        return region_name(str(value), lang)
    if (table := _target(column)) is not None:
        return names.name(table, value) or t("audit.unnamed", lang)
    text = str(value)
    if isinstance(value, str) and len(text) >= 19 and text[10:11] == "T":
        try:
            return fmt(datetime.fromisoformat(text))
        except ValueError:
            pass
    return text if len(text) <= LONG else text[:LONG] + "…"


def _changes(e: AuditEntry, names: _Names, lang: str) -> tuple[Change, ...]:
    before, after = e.before or {}, e.after or {}
    if not before or not after:  # a new or a removed record: the action says it; no field list
        return ()
    out = []
    for column in after:
        if column in SKIPPED or before.get(column) == after.get(column):
            continue
        out.append(Change(_field_label(e.entity, column, lang), _value(e.entity, column, before.get(column), names, lang),
                          _value(e.entity, column, after.get(column), names, lang)))
    return tuple(out)


def _link(e: AuditEntry, names: _Names) -> str | None:
    """Where the record opens: a contract's page, a demand's recommendations, a result in the pool."""
    snap = e.after or e.before or {}
    row = names.rows.get((e.entity, _uuid(e.entity_id))) or snap
    if e.entity == "contract" and row.get("number"):
        return f"/contract?no={row['number']}"
    contract = _uuid(snap.get("contract_id"))
    if contract is not None and (number := names.name("contract", contract)):
        return f"/contract?no={number}"
    if e.entity == "demand" and e.entity_id:
        return f"/recommend?demand={e.entity_id}"
    if e.entity == "result" and row.get("number"):
        return f"/pool?q={row['number']}"
    return None


def _summary(changes: tuple[Change, ...], lang: str) -> str:
    sep = "；" if lang == "zh" else "; "
    colon = "：" if lang == "zh" else ": "
    return sep.join(f"{c.field}{colon}{c.before} → {c.after}" for c in changes)


def _reason(text: str | None, lang: str) -> str:
    """A reason in words: some steps record a fixed reason's code (a trial terminated as not_suitable)."""
    if not text:
        return ""
    cat = catalogue()
    for kind in ("termination_reason", "drop_reason", "exclusion_reason"):
        if f"enum.{kind}.{text}" in cat:
            return label(kind, text, lang)
    return text


def readable(entries: list[AuditEntry], lang: str) -> list[AuditLine]:
    """Entries as lines a person reads."""
    names = _Names(entries)
    lines = []
    for e in entries:
        changes = _changes(e, names, lang)
        record = names.name(e.entity, e.entity_id, e.after or e.before)
        if not record and e.entity == "region":
            record = region_name(e.entity_id, lang)
        lines.append(AuditLine(e.at, e.actor_name, action_label(e.action, lang), t(f"entity.{e.entity}", lang),
                               record or t("audit.unnamed", lang), _link(e, names), _reason(e.reason, lang), changes,
                               _summary(changes, lang)))
    return lines


@reader(AUDIT)
def readable_audit(*, actor: Actor, lang: str = "zh", username: str | None = None, since: date | None = None,
                   until: date | None = None, page: int = 1, page_size: int = 50) -> Page[AuditLine]:
    """One page of the audit trail (list_audit's scope and filters), each entry in words."""
    found = list_audit(actor=actor, username=username, since=since, until=until, page=page, page_size=page_size)
    return Page(rows=readable(found.rows, lang), total=found.total, number=found.number, size=found.size)


@reader(AUDIT, "recent")
def recent_lines(*, actor: Actor, lang: str = "zh", limit: int = 8) -> list[AuditLine]:
    """The home page's latest entries of the city's trail (recent_activity's), each in words."""
    stmt = AUDIT.scope_filter(select(AuditEntry), actor, COLUMNS, "recent").where(
        AuditEntry.action.not_in(QUIET_ACTIONS)).order_by(AuditEntry.at.desc()).limit(limit)
    with read_session() as s:
        entries = list(s.scalars(stmt).all())
    return readable(entries, lang)
