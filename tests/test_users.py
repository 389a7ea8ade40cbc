"""User administration through the service layer (both databases): hashing, roles, scope, audit."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import AuditEntry, UserAccount
from db.models.enums import Role
from portal.admin import users
from portal.core.auth import load_actor, verify_password
from portal.core.errors import NotFound, PermissionDenied, ValidationError


def _user(username: str) -> UserAccount | None:
    with Session(get_engine()) as s:
        return s.exec(select(UserAccount).where(UserAccount.username == username)).first()


def _audit_count() -> int:
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(AuditEntry)).one()


def test_add_user_stores_only_a_hash_and_audits(world) -> None:
    before = _audit_count()
    users.add_user(actor=world.admin, username="New_Operator", display_name="新运营", password="Secret123",
                   role=Role.CITY_OPERATOR, agency_id=world.hz.agency.id)
    row = _user("new_operator")
    assert row is not None and row.city_code == "330100" and row.agency_id == world.hz.agency.id
    assert row.password_hash != "Secret123" and verify_password("Secret123", row.password_hash)
    assert _audit_count() == before + 1
    with Session(get_engine()) as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "user.add")).one()
    assert entry.actor_name == "admin" and "password_hash" not in entry.after


@pytest.mark.parametrize("kwargs, field", [
    (dict(username="1bad", display_name="x", password="Secret123"), "username"),
    (dict(username="okname", display_name="", password="Secret123"), "display_name"),
    (dict(username="okname", display_name="x", password="short"), "password"),
    (dict(username="hz_op", display_name="x", password="Secret123"), "username"),  # taken
])
def test_add_user_refuses_bad_input_and_changes_nothing(world, kwargs, field) -> None:  # noqa: ANN001
    before = _audit_count()
    with pytest.raises(ValidationError) as err:
        users.add_user(actor=world.admin, role=Role.PRESENTER, city_code="330100", **kwargs)
    assert err.value.field == field
    assert _audit_count() == before
    assert _user("okname") is None


def test_operator_must_be_bound_to_an_agency(world) -> None:
    with pytest.raises(ValidationError) as err:
        users.add_user(actor=world.admin, username="lonely", display_name="x", password="Secret123",
                       role=Role.CITY_OPERATOR)
    assert err.value.field == "agency"


def test_city_admin_manages_only_its_city(world) -> None:
    hz_admin = world.hz.operator
    listed = {u.username for u in users.list_users(actor=hz_admin)}
    assert "hz_op2" in listed and "nb_op2" not in listed and "admin" not in listed
    with pytest.raises(NotFound):
        users.set_disabled(actor=hz_admin, username="nb_op2", disabled=True)
    assert not _user("nb_op2").disabled
    with pytest.raises(PermissionDenied):
        users.add_user(actor=hz_admin, username="nb_new", display_name="x", password="Secret123",
                       role=Role.CITY_OPERATOR, agency_id=world.nb.agency.id)
    with pytest.raises(PermissionDenied):
        users.add_user(actor=hz_admin, username="boss", display_name="x", password="Secret123",
                       role=Role.PROVINCE_ADMIN)


def test_plain_operator_cannot_manage_users(world) -> None:
    with pytest.raises(PermissionDenied):
        users.list_users(actor=world.hz.plain_operator)


def test_disabled_user_cannot_act_and_can_be_enabled(world) -> None:
    users.set_disabled(actor=world.admin, username="hz_op2", disabled=True)
    assert load_actor("hz_op2") is None
    users.set_disabled(actor=world.admin, username="hz_op2", disabled=False)
    assert load_actor("hz_op2") is not None


def test_cannot_disable_self(world) -> None:
    with pytest.raises(ValidationError):
        users.set_disabled(actor=world.admin, username="admin", disabled=True)


def test_reset_and_change_password(world) -> None:
    users.reset_password(actor=world.admin, username="hz_op2", new_password="Another123")
    assert verify_password("Another123", _user("hz_op2").password_hash)
    op2 = load_actor("hz_op2")
    with pytest.raises(ValidationError) as err:
        users.change_own_password(actor=op2, current="wrong", new_password="Third1234", repeat="Third1234")
    assert err.value.field == "current_password"
    with pytest.raises(ValidationError) as err:
        users.change_own_password(actor=op2, current="Another123", new_password="Third1234", repeat="Third12345")
    assert err.value.field == "repeat_password"
    users.change_own_password(actor=op2, current="Another123", new_password="Third1234", repeat="Third1234")
    assert verify_password("Third1234", _user("hz_op2").password_hash)
