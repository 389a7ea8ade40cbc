"""Policy settings: validation with field-named refusals, versioning with who/when/why, floors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import func, select

from db.engine import read_session
from db.models import AuditEntry, PolicyVersion
from portal.admin import settings as policy_admin
from portal.core import policy
from portal.core.errors import NotFound, PermissionDenied, ValidationError


def settings(**changes) -> dict:
    data = policy.CityPolicy().model_dump(mode="json")
    data.update(changes)
    return data


def versions(region: str = "330100") -> int:
    with read_session() as s:
        return s.exec(select(func.count()).select_from(PolicyVersion).where(PolicyVersion.region_code == region)).one()


@pytest.mark.parametrize(("field", "value", "ok"), [
    ("service_fee_rate", "5%", True), ("service_fee_rate", "4.99%", False), ("service_fee_rate", "0.05", True),
    ("service_fee_rate", "0.0499", False), ("voucher_refund_rate", "80%", True),
    ("voucher_refund_rate", "79.99%", False), ("voucher_refund_rate", "100%", True),
    ("voucher_refund_rate", "100.01%", False),
])
def test_rate_floors_at_their_boundaries(world, field, value, ok) -> None:
    data = settings(**{field: value})
    if ok:
        policy_admin.save_city_policy(actor=world.hz.operator, city_code="330100", data=data, reason="调整")
        assert versions() == 1
    else:
        with pytest.raises(ValidationError) as err:
            policy_admin.save_city_policy(actor=world.hz.operator, city_code="330100", data=data, reason="调整")
        assert err.value.field == ("policy_fee_rate" if field == "service_fee_rate" else "policy_voucher_rate")
        assert versions() == 0


@pytest.mark.parametrize(("changes", "field"), [
    ({"notice_days": 0}, "policy_notice_days"), ({"notice_days": "abc"}, "policy_notice_days"),
    ({"trial_reminder_days": 366}, "policy_reminder_days"),
    ({"activity_weights": {"listed": "-1"}}, "policy_activity_weights"),
    ({"points_rules": {"conversion": -3}}, "policy_points_rules"),
    ({"points_rules": {"bogus": 3}}, "policy_points_rules"),
    ({"labels": {"scheme": "名" * 61}}, "policy_labels"),
])
def test_bad_settings_name_their_field_and_save_nothing(world, changes, field) -> None:
    with pytest.raises(ValidationError) as err:
        policy_admin.save_city_policy(actor=world.hz.operator, city_code="330100", data=settings(**changes), reason="x")
    assert err.value.field == field
    assert field and err.value.message("zh").startswith("【")
    assert versions() == 0


def test_each_save_is_a_version_in_force_at_once(world) -> None:
    policy_admin.save_city_policy(actor=world.hz.operator, city_code="330100",
                            data=settings(service_fee_rate="6%", labels={"scheme": "杭州先用后转"}), reason="市局发文")
    assert policy.current_policy("330100").service_fee_rate == Decimal("0.06")  # no restart, no cache
    policy_admin.save_city_policy(actor=world.hz.operator, city_code="330100",
                            data=settings(service_fee_rate="6%", notice_days=20, labels={"scheme": "杭州先用后转"}),
                            reason="延长公示")
    with pytest.raises(ValidationError) as err:  # the same again: nothing to save
        policy_admin.save_city_policy(actor=world.hz.operator, city_code="330100",
                                data=settings(service_fee_rate="6%", notice_days=20, labels={"scheme": "杭州先用后转"}),
                                reason="重复")
    assert err.value.key == "policy.error.no_change"
    history = policy_admin.policy_history(actor=world.hz.manager, region_code="330100")
    assert [(h.version, h.reason, h.changed_by, h.changed_keys) for h in history] == [
        (2, "延长公示", "hz_op", ("notice_days",)),
        (1, "市局发文", "hz_op", ("activity_weights", "labels", "notice_days", "points_rules", "service_fee_rate",
                               "trial_reminder_days", "voucher_refund_rate"))]
    assert policy.current_policy("330100").notice_days == 20
    with read_session() as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.action == "policy.save")).all()
    second = next(e for e in entries if e.after["version"] == 2)
    assert second.before["data"]["notice_days"] == 15 and second.after["data"]["notice_days"] == 20


def test_reason_is_required(world) -> None:
    with pytest.raises(ValidationError) as err:
        policy_admin.save_city_policy(actor=world.hz.operator, city_code="330100", data=settings(), reason=" ")
    assert err.value.field == "change_reason"


def test_only_the_city_admin_or_province_edits(world) -> None:
    for who in (world.hz.plain_operator, world.hz.manager, world.nb.operator, world.province_manager):
        with pytest.raises(PermissionDenied):
            policy_admin.save_city_policy(actor=who, city_code="330100", data=settings(), reason="x")
    with pytest.raises(NotFound):
        policy_admin.policy_history(actor=world.nb.operator, region_code="330100")
    policy_admin.save_city_policy(actor=world.admin, city_code="330100", data=settings(notice_days=10), reason="省统一")
    assert versions() == 1


def test_province_floors(world) -> None:
    with pytest.raises(ValidationError) as err:
        policy_admin.save_province_floors(actor=world.admin, service_fee_floor="4.9%", voucher_refund_floor="80%",
                                    reason="x")
    assert err.value.field == "policy_fee_floor"
    with pytest.raises(PermissionDenied):
        policy_admin.save_province_floors(actor=world.hz.operator, service_fee_floor="6%", voucher_refund_floor="85%",
                                    reason="x")
    policy_admin.save_province_floors(actor=world.admin, service_fee_floor="6%", voucher_refund_floor="85%", reason="省厅")
    assert policy.province_floors().service_fee_floor == Decimal("0.06")
    with pytest.raises(ValidationError) as err:  # a city may no longer go below the raised floor
        policy_admin.save_city_policy(actor=world.hz.operator, city_code="330100", data=settings(service_fee_rate="5.5%",
                                                                                          voucher_refund_rate="90%"),
                                reason="x")
    assert err.value.field == "policy_fee_rate" and "6%" in err.value.message("en")
    overview = policy_admin.policy_overview(actor=world.province_manager)
    assert len(overview) == 11 and overview["330200"].notice_days == 15
    with pytest.raises(PermissionDenied):
        policy_admin.policy_overview(actor=world.hz.manager)
