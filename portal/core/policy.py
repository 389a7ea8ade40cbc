"""Per-city policy settings (the 'low code' part): defaults, province floors, the version in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.engine import read_session, transaction
from db.models import PolicyVersion, UserAccount
from db.models.enums import PointsKind, Role
from portal.core import audit, validation
from portal.core.actor import Actor
from portal.core.clock import now
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.regions import PROVINCE_CODE, cities
from portal.core.scope import in_scope, require_city_admin

# Floors set by the province plan: service fee ≥ 5 % of the deal, voucher refund ≥ 80 % of premium.
PROVINCE_FEE_FLOOR = Decimal("0.05")
PROVINCE_VOUCHER_FLOOR = Decimal("0.80")


class CityPolicy(BaseModel):
    """Settings a city administrator edits; every field has the province default."""

    service_fee_rate: Decimal = PROVINCE_FEE_FLOOR
    voucher_refund_rate: Decimal = PROVINCE_VOUCHER_FLOOR
    notice_days: int = Field(default=15, ge=1, le=90)
    trial_reminder_days: int = Field(default=30, ge=1, le=365)
    labels: dict[str, str] = Field(default_factory=dict)
    activity_weights: dict[str, Decimal] = Field(default_factory=lambda: {
        "listed": Decimal("1"), "trials": Decimal("3"), "conversions": Decimal("10"),
        "deal_amount_wan": Decimal("0.1"), "timeliness": Decimal("2"),
    })
    points_rules: dict[str, int] = Field(default_factory=lambda: {
        "roadshow_held": 5, "match_recorded": 1, "pilot_done": 3, "trial_signed": 5,
        "conversion": 10, "claim_paid": 2,
    })


class ProvinceFloors(BaseModel):
    """The province's floors under every city's rates."""

    service_fee_floor: Decimal = PROVINCE_FEE_FLOOR
    voucher_refund_floor: Decimal = PROVINCE_VOUCHER_FLOOR


def _latest_data(s: Session, region_code: str) -> dict | None:
    return s.exec(
        select(PolicyVersion.data).where(PolicyVersion.region_code == region_code)
        .order_by(PolicyVersion.version.desc()).limit(1)
    ).first()


def current_policy(city_code: str | None, *, session: Session | None = None) -> CityPolicy:
    """The policy in force for a city (its latest version over the defaults).

    Read from the database on every call (one indexed row), never cached, so that a saved
    version takes effect in every process at once. Pass the caller's session inside a write.
    """
    if not city_code:
        return CityPolicy()
    if session is not None:
        row = _latest_data(session, city_code)
    else:
        with read_session() as s:
            row = _latest_data(s, city_code)
    return CityPolicy.model_validate(row) if row else CityPolicy()


def province_floors(*, session: Session | None = None) -> ProvinceFloors:
    """The floors in force (the province's latest version over the plan's 5 % / 80 %)."""
    if session is not None:
        row = _latest_data(session, PROVINCE_CODE)
    else:
        with read_session() as s:
            row = _latest_data(s, PROVINCE_CODE)
    return ProvinceFloors.model_validate(row) if row else ProvinceFloors()


# --- editing (the settings page) -----------------------------------------------------------------

ACTIVITY_COMPONENTS = ("listed", "trials", "conversions", "deal_amount_wan", "timeliness")
LABEL_KEYS = ("scheme", "service_fee", "voucher_refund", "operating_subsidy")  # local programme names
MAX_RATE = Decimal("1")


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


def _rate(value: Any, *, field: str) -> Decimal:
    """A rate from a share (0.05), a Decimal or percent text ('5%')."""
    text_value = str(value if value is not None else "").strip()
    if not text_value:
        raise ValidationError("error.required", field=field)
    percent = text_value.endswith("%")
    try:
        rate = Decimal(text_value.rstrip("%").strip())
    except InvalidOperation:
        raise ValidationError("policy.error.rate_shape", field=field) from None
    if not rate.is_finite():
        raise ValidationError("policy.error.rate_shape", field=field)
    rate = rate / 100 if percent else rate
    if rate <= 0 or rate > MAX_RATE:
        raise ValidationError("policy.error.rate_range", field=field)
    if rate != rate.quantize(Decimal("0.0001")):
        raise ValidationError("policy.error.rate_decimals", field=field)
    return rate.quantize(Decimal("0.0001"))


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


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
    weights_in = data.get("activity_weights") or {}
    weights: dict[str, Decimal] = {}
    for key in ACTIVITY_COMPONENTS:
        raw = weights_in.get(key, CityPolicy().activity_weights[key])
        try:
            weight = Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValidationError("policy.error.weight", field="policy_activity_weights", name=key) from None
        if not weight.is_finite() or weight < 0 or weight > 1000 or weight != weight.quantize(Decimal("0.001")):
            raise ValidationError("policy.error.weight", field="policy_activity_weights", name=key)
        weights[key] = weight
    if unknown := set(weights_in) - set(ACTIVITY_COMPONENTS):
        raise ValidationError("error.bad_choice", field="policy_activity_weights", value=sorted(unknown)[0])
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
    latest = s.exec(select(PolicyVersion).where(PolicyVersion.region_code == region_code)
                    .order_by(PolicyVersion.version.desc()).limit(1).with_for_update()).first()
    if latest is not None and latest.data == data:
        raise ValidationError("policy.error.no_change", field="change_reason")
    row = PolicyVersion(region_code=region_code, version=(latest.version if latest else 0) + 1, data=data,
                        changed_by=actor.user_id, changed_at=now(), reason=reason)
    s.add(row)
    before = {**audit.snapshot(latest), "data": latest.data} if latest else None
    entry = audit.record(s, actor, "policy.save", row, before=before, reason=reason,
                         city_code=None if region_code == PROVINCE_CODE else region_code)
    entry.after = {**(entry.after or {}), "data": data}  # the snapshot leaves out `data` columns
    return row


def save_city_policy(*, actor: Actor, city_code: str, data: dict, reason: str) -> PolicyVersion:
    """Save a new version of a city's settings (city admin or province admin); in force at once."""
    if city_code not in {c.code for c in cities()}:
        raise ValidationError("error.bad_choice", field="city", value=str(city_code))
    require_city_admin(actor, city_code)
    why = validation.text(reason, field="change_reason", max_length=500)
    try:
        with transaction() as s:
            policy = validate_city_policy(data, floors=province_floors(session=s))
            return _save(s, actor, city_code, _json(policy), why)
    except IntegrityError:
        raise ValidationError("policy.error.concurrent_change", field="change_reason") from None


def save_province_floors(*, actor: Actor, service_fee_floor: Any, voucher_refund_floor: Any,
                         reason: str) -> PolicyVersion:
    """The province raises (never lowers below the plan's 5 % / 80 %) the floors under every city."""
    if actor.role != Role.PROVINCE_ADMIN:
        raise PermissionDenied()
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
    try:
        with transaction() as s:
            return _save(s, actor, PROVINCE_CODE, _json(floors), why)
    except IntegrityError:
        raise ValidationError("policy.error.concurrent_change", field="change_reason") from None


def policy_history(*, actor: Actor, region_code: str, limit: int = 50) -> list[VersionRow]:
    """Saved versions of a city's (or the province's) settings, newest first."""
    if region_code != PROVINCE_CODE and not in_scope(actor, city_code=region_code) and not actor.is_province:
        raise NotFound()
    if actor.role not in (Role.PROVINCE_ADMIN, Role.CITY_OPERATOR, Role.MANAGER):
        raise PermissionDenied()
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


def policy_overview(*, actor: Actor) -> dict[str, CityPolicy]:
    """Every city's settings in force, side by side (province roles)."""
    if not actor.is_province:
        raise PermissionDenied()
    with read_session() as s:
        return {c.code: current_policy(c.code, session=s) for c in cities()}
