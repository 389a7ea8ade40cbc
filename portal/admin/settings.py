"""Editing the policy settings (the settings page): a city's rates, days, weights, points rules and
labels, and the province's floors, each saved as a new version with who, when and why; the
history of versions, and every city side by side. Who may do which: `policy_version` in
portal.admin.rules. The settings in force are read through portal.core.policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.engine import read_session
from db.models import PolicyVersion, UserAccount
from db.models.enums import PointsKind
from portal.admin.rules import POLICY
from portal.core import audit, validation
from portal.core.actor import Actor
from portal.core.clock import now
from portal.core.errors import PermissionDenied, ValidationError
from portal.core.policy import (
    ACTIVITY_COMPONENTS,
    LABEL_KEYS,
    PROVINCE_FEE_FLOOR,
    PROVINCE_VOUCHER_FLOOR,
    CityPolicy,
    ProvinceFloors,
    current_policy,
    province_floors,
)
from portal.core.regions import PROVINCE_CODE, cities
from portal.core.service import reader, service
from portal.core.workflow import Subject

MAX_RATE = Decimal("1")
PROVINCE = Subject(city_code=None)  # the floors and the overview belong to no city


@dataclass(frozen=True)
class VersionRow:
    """One saved version: who, when, why, and which settings it changed."""

    region_code: str
    version: int
    changed_by: str
    changed_at: datetime
    reason: str
    changed_keys: tuple[str, ...]
    data: dict


POLICY.govern(VersionRow)


def _rate(value: Any, *, field: str) -> Decimal:
    """A settings rate (a share, a Decimal or percent text), at most MAX_RATE."""
    return validation.rate(value, field=field, maximum=MAX_RATE)


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _weights(given: dict) -> dict[str, Decimal]:
    weights: dict[str, Decimal] = {}
    for key in ACTIVITY_COMPONENTS:
        raw = given.get(key, CityPolicy().activity_weights[key])
        try:
            weight = Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValidationError("policy.error.weight", field="policy_activity_weights", name=key) from None
        if not weight.is_finite() or weight < 0 or weight > 1000 or weight != weight.quantize(Decimal("0.001")):
            raise ValidationError("policy.error.weight", field="policy_activity_weights", name=key)
        weights[key] = weight
    if unknown := set(given) - set(ACTIVITY_COMPONENTS):
        raise ValidationError("error.bad_choice", field="policy_activity_weights", value=sorted(unknown)[0])
    return weights


def validate_city_policy(data: dict, *, floors: ProvinceFloors) -> CityPolicy:
    """A CityPolicy from edited values, or a ValidationError naming the first field at fault."""
    fee = _rate(data.get("service_fee_rate"), field="policy_fee_rate")
    if fee < floors.service_fee_floor:
        raise ValidationError("policy.error.fee_below_floor", field="policy_fee_rate", rate=_pct(fee),
                              floor=_pct(floors.service_fee_floor))
    voucher = _rate(data.get("voucher_refund_rate"), field="policy_voucher_rate")
    if voucher < floors.voucher_refund_floor:
        raise ValidationError("policy.error.voucher_below_floor", field="policy_voucher_rate", rate=_pct(voucher),
                              floor=_pct(floors.voucher_refund_floor))
    notice = validation.integer(data.get("notice_days"), field="policy_notice_days", minimum=1, maximum=90)
    reminder = validation.integer(data.get("trial_reminder_days"), field="policy_reminder_days",
                                  minimum=1, maximum=365)
    weights = _weights(data.get("activity_weights") or {})
    rules_in = data.get("points_rules") or {}
    if unknown := set(rules_in) - {k.value for k in PointsKind}:
        raise ValidationError("error.bad_choice", field="policy_points_rules", value=sorted(unknown)[0])
    rules = {k.value: validation.integer(rules_in.get(k.value, CityPolicy().points_rules[k.value]),
                                         field="policy_points_rules", minimum=0, maximum=1000)
             for k in PointsKind}
    labels_in = data.get("labels") or {}
    if unknown := set(labels_in) - set(LABEL_KEYS):
        raise ValidationError("error.bad_choice", field="policy_labels", value=sorted(unknown)[0])
    labels = {k: v for k in LABEL_KEYS
              if (v := validation.text(labels_in.get(k), field="policy_labels", max_length=60, required=False))}
    return CityPolicy(service_fee_rate=fee, voucher_refund_rate=voucher, notice_days=notice,
                      trial_reminder_days=reminder, labels=labels, activity_weights=weights, points_rules=rules)


def _json(model: BaseModel) -> dict:
    return model.model_dump(mode="json")


def _save(s: Session, actor: Actor, region_code: str, data: dict, reason: str) -> PolicyVersion:
    """Add the next version of region_code's settings (the latest locked: one saver at a time)."""
    latest = s.exec(select(PolicyVersion).where(PolicyVersion.region_code == region_code)
                    .order_by(PolicyVersion.version.desc()).limit(1).with_for_update()).first()
    if latest is not None and latest.data == data:
        raise ValidationError("policy.error.no_change", field="change_reason")
    row = PolicyVersion(region_code=region_code, version=(latest.version if latest else 0) + 1, data=data,
                        changed_by=actor.user_id, changed_at=now(), reason=reason)
    try:
        with s.begin_nested():  # two first versions at once: the unique (region, version) refuses one
            s.add(row)
            s.flush()
    except IntegrityError:
        raise ValidationError("policy.error.concurrent_change", field="change_reason") from None
    # audit.record rather than audited_add: the trail must carry the settings before and after,
    # and a snapshot leaves out `data` columns (file bodies elsewhere), so both are added here
    before = {**audit.snapshot(latest), "data": latest.data} if latest else None
    entry = audit.record(s, actor, "policy.save", row, before=before, reason=reason,
                         city_code=None if region_code == PROVINCE_CODE else region_code)
    entry.after = {**(entry.after or {}), "data": data}
    return row


@service(POLICY, "save")
def save_city_policy(s: Session, *, actor: Actor, city_code: str, data: dict, reason: str) -> PolicyVersion:
    """Save a new version of a city's settings (its administrators, or the province); in force at once."""
    if city_code not in {c.code for c in cities()}:
        raise ValidationError("error.bad_choice", field="city", value=str(city_code))
    POLICY.require(actor, "save", Subject(city_code=city_code))
    why = validation.text(reason, field="change_reason", max_length=500)
    policy = validate_city_policy(data, floors=province_floors(session=s))
    return _save(s, actor, city_code, _json(policy), why)


@service(POLICY, "save_floors")
def save_province_floors(s: Session, *, actor: Actor, service_fee_floor: Any, voucher_refund_floor: Any,
                         reason: str) -> PolicyVersion:
    """The province raises (never lowers below the plan's 5 % / 80 %) the floors under every city."""
    POLICY.require(actor, "save_floors", PROVINCE)
    fee = _rate(service_fee_floor, field="policy_fee_floor")
    if fee < PROVINCE_FEE_FLOOR:
        raise ValidationError("policy.error.fee_below_floor", field="policy_fee_floor", rate=_pct(fee),
                              floor=_pct(PROVINCE_FEE_FLOOR))
    voucher = _rate(voucher_refund_floor, field="policy_voucher_floor")
    if voucher < PROVINCE_VOUCHER_FLOOR:
        raise ValidationError("policy.error.voucher_below_floor", field="policy_voucher_floor",
                              rate=_pct(voucher), floor=_pct(PROVINCE_VOUCHER_FLOOR))
    why = validation.text(reason, field="change_reason", max_length=500)
    floors = ProvinceFloors(service_fee_floor=fee, voucher_refund_floor=voucher)
    return _save(s, actor, PROVINCE_CODE, _json(floors), why)


@reader(POLICY, "save")
def editable_cities(*, actor: Actor) -> list[str]:
    """The cities whose settings the actor may save (a city administrator: its own)."""
    return [c.code for c in cities() if POLICY.may(actor, "save", Subject(city_code=c.code))]


@reader(POLICY)
def policy_history(*, actor: Actor, region_code: str, limit: int = 50) -> list[VersionRow]:
    """Saved versions of a city's (or the province's floors') settings, newest first."""
    action = "read_floors" if region_code == PROVINCE_CODE else "read"
    if not POLICY.may(actor, action):
        raise PermissionDenied()
    POLICY.require(actor, action, PROVINCE if action == "read_floors" else _Region(region_code))
    with read_session() as s:
        rows = s.exec(
            select(PolicyVersion, UserAccount.display_name)
            .join(UserAccount, UserAccount.id == PolicyVersion.changed_by, isouter=True)
            .where(PolicyVersion.region_code == region_code)
            .order_by(PolicyVersion.version.desc()).limit(limit + 1)
        ).all()
    out = []
    for i, (v, name) in enumerate(rows[:limit]):
        previous = rows[i + 1][0].data if i + 1 < len(rows) else {}
        changed = tuple(sorted(k for k in set(v.data) | set(previous) if v.data.get(k) != previous.get(k)))
        out.append(VersionRow(v.region_code, v.version, name or "", v.changed_at, v.reason, changed, v.data))
    return out


@dataclass(frozen=True)
class _Region:
    """The settings of one region as a record to read (out of reach: not found)."""

    region_code: str


@reader(POLICY, "overview")
def policy_overview(*, actor: Actor) -> dict[str, CityPolicy]:
    """Every city's settings in force, side by side (the province's roles)."""
    POLICY.require(actor, "overview", PROVINCE)
    with read_session() as s:
        return {c.code: current_policy(c.code, session=s) for c in cities()}
