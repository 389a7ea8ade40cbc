"""The administration's tables (portal.admin.rules), each rule allowed and refused, on both
databases: user accounts, the audit trail and the policy settings."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from db.engine import read_session
from db.models import AuditEntry, UserAccount
from db.models.enums import Role
from portal.admin import settings, users
from portal.admin.audit_log import list_audit, recent_activity
from portal.core.auth import load_actor, verify_password
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.policy import CityPolicy
from portal.core.regions import PROVINCE_CODE, cities
from portal.core.workflow import allowed_actions, may
from tests.factories import PASSWORD


def _user(username: str) -> UserAccount:
    with read_session() as s:
        return s.exec(select(UserAccount).where(UserAccount.username == username)).one()


def _entries(action: str) -> int:
    with read_session() as s:
        return s.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)).one()


def _row(actor, username: str):  # noqa: ANN001, ANN202
    return next(r for r in users.list_users(actor=actor) if r.username == username)


def test_who_lists_accounts(world) -> None:
    assert {r.city_code for r in users.list_users(actor=world.hz.operator)} == {"330100"}
    assert {"admin", "zj_mgr", "nb_op", "hz_op"} <= {r.username for r in users.list_users(actor=world.admin)}
    for refused in (world.hz.plain_operator, world.hz.manager, world.province_manager, world.hz.presenter,
                    world.hz.officer, world.hz.enterprise_user):
        with pytest.raises(PermissionDenied):
            users.list_users(actor=refused)


CHANGES = ("disable", "enable", "reset_password")


def _changes(actor, row) -> list[str]:  # noqa: ANN001
    return [a for a in allowed_actions(actor, row) if a in CHANGES]


def test_what_an_administrator_may_do_to_an_account(world) -> None:
    hz = world.hz
    assert _changes(hz.operator, _row(hz.operator, "hz_op2")) == list(CHANGES)
    # nobody disables their own account, and the page does not offer it
    assert _changes(hz.operator, _row(hz.operator, "hz_op")) == ["enable", "reset_password"]
    assert _changes(hz.plain_operator, _row(world.admin, "hz_op")) == []
    assert _changes(hz.operator, _row(world.admin, "nb_op2")) == []
    assert may(hz.presenter, "change_password", _row(world.admin, "hz_presenter"))
    assert not may(hz.presenter, "change_password", _row(world.admin, "hz_op"))


def test_a_city_administrator_adds_only_its_citys_accounts(world) -> None:
    hz = world.hz
    assert users.assignable_roles(actor=world.admin) == list(Role)
    assert Role.PROVINCE_ADMIN not in users.assignable_roles(actor=hz.operator)
    assert users.assignable_roles(actor=hz.plain_operator) == []
    assert users.binding_cities(actor=hz.operator, role=Role.MANAGER) == ["330100"]  # no province managers
    assert users.binding_cities(actor=world.admin, role=Role.MANAGER) == [None, *[c.code for c in cities()]]
    with pytest.raises(PermissionDenied):
        users.add_user(actor=hz.operator, username="zj_new_mgr", display_name="x", password="Secret123",
                       role=Role.MANAGER)
    users.add_user(actor=hz.operator, username="hz_new_mgr", display_name="x", password="Secret123",
                   role=Role.MANAGER, city_code="330100")
    assert _user("hz_new_mgr").city_code == "330100"


def test_bindings_come_from_the_directory(world) -> None:
    hz = world.hz
    options = users.binding_options(actor=hz.operator, city_code="330100")
    assert [a[1] for a in options["agencies"]] == ["hz技术转移中心"]
    assert [o[1] for o in options["licensors"]] == ["hz大学"] and [o[1] for o in options["enterprises"]] == [
        "hz恒拓科技有限公司"]
    assert users.binding_options(actor=hz.operator, city_code="330200")["agencies"] == []
    # an officer is bound to a licensor, never to an enterprise: refused naming the field
    with pytest.raises(ValidationError) as err:
        users.add_user(actor=hz.operator, username="hz_wrong", display_name="x", password="Secret123",
                       role=Role.INSTITUTION_OFFICER, organization_id=hz.enterprise.id)
    assert err.value.field == "organization"


def test_disable_and_reset_refusals_change_nothing(world) -> None:
    before = _entries("user.disable")
    with pytest.raises(PermissionDenied):  # a plain operator manages no account, not even its own
        users.reset_password(actor=world.hz.plain_operator, username="hz_op2", new_password="Another123")
    with pytest.raises(NotFound):  # another city's account looks absent
        users.set_disabled(actor=world.nb.operator, username="hz_op2", disabled=True)
    assert not _user("hz_op2").disabled and verify_password(PASSWORD, _user("hz_op2").password_hash)
    users.set_disabled(actor=world.hz.operator, username="hz_op2", disabled=True)
    assert _user("hz_op2").disabled and _entries("user.disable") == before + 1


def test_own_password_and_sign_in(world) -> None:
    presenter = world.hz.presenter
    users.change_own_password(actor=presenter, current=PASSWORD, new_password="Fresh1234", repeat="Fresh1234")
    assert verify_password("Fresh1234", _user("hz_presenter").password_hash)
    assert _entries("user.change_password") == 1
    trail = len(list_audit(actor=world.admin).rows)
    users.record_login(actor=presenter)
    assert _user("hz_presenter").last_login_at is not None
    assert len(list_audit(actor=world.admin).rows) == trail  # bookkeeping: no entry
    users.set_disabled(actor=world.admin, username="hz_presenter", disabled=True)
    with pytest.raises(NotFound):
        users.change_own_password(actor=presenter, current="Fresh1234", new_password="Other1234", repeat="Other1234")
    assert load_actor("hz_presenter") is None


def test_who_reads_the_trail(world) -> None:
    users.set_disabled(actor=world.admin, username="nb_op2", disabled=True)
    users.set_disabled(actor=world.hz.operator, username="hz_op2", disabled=True)
    page = list_audit(actor=world.hz.operator, page=5, page_size=1)
    assert (page.total, page.number) == (1, 1)  # paged by portal.core.paging: clamped to the last page
    assert {e.city_code for e in list_audit(actor=world.admin).rows} == {"330100", "330200"}
    assert [e.action for e in recent_activity(actor=world.hz.plain_operator)] == ["user.disable"]
    for refused in (world.hz.plain_operator, world.hz.manager, world.province_manager):
        with pytest.raises(PermissionDenied):
            list_audit(actor=refused)
    for refused in (world.hz.manager, world.hz.presenter, world.hz.officer):
        with pytest.raises(PermissionDenied):
            recent_activity(actor=refused)


def test_who_reads_and_edits_the_settings(world) -> None:
    data = CityPolicy().model_dump(mode="json") | {"notice_days": 20}
    assert settings.editable_cities(actor=world.hz.operator) == ["330100"]
    assert settings.editable_cities(actor=world.hz.plain_operator) == []
    assert len(settings.editable_cities(actor=world.admin)) == 11
    settings.save_province_floors(actor=world.admin, service_fee_floor="6%", voucher_refund_floor="80%", reason="省厅")
    settings.save_city_policy(actor=world.hz.operator, city_code="330100", data=data | {"service_fee_rate": "6%"},
                              reason="市局")
    # the floors' history is every city's to read; a city's only its own city's
    for reader in (world.hz.plain_operator, world.hz.manager, world.nb.operator):
        assert [h.version for h in settings.policy_history(actor=reader, region_code=PROVINCE_CODE)] == [1]
    assert [h.version for h in settings.policy_history(actor=world.hz.plain_operator, region_code="330100")] == [1]
    with pytest.raises(NotFound):
        settings.policy_history(actor=world.nb.manager, region_code="330100")
    for refused in (world.hz.presenter, world.hz.officer, world.hz.enterprise_user):
        with pytest.raises(PermissionDenied):
            settings.policy_history(actor=refused, region_code="330100")
    with pytest.raises(PermissionDenied):
        settings.save_province_floors(actor=world.province_manager, service_fee_floor="7%",
                                      voucher_refund_floor="80%", reason="x")
    assert may(world.admin, "save_floors", "policy_version") and not may(world.hz.operator, "save_floors",
                                                                           "policy_version")
