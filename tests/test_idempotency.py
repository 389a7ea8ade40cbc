"""A submission key makes a create action happen once: the same key again returns the first
record; another user's or another action's key is refused; no key, no de-duplication."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import ActionKey, Organization
from portal.core import audit, idempotency
from portal.core.errors import ValidationError
from portal.core.service import service
from tests.factories import credit_code


@service()
def _add_firm(s, *, actor, name: str, idempotency_key: str | None = None) -> Organization:  # noqa: ANN001
    def make() -> Organization:
        return audit.audited_add(s, actor, "organization.add", Organization(
            name=name, kind="enterprise", credit_code=credit_code(), city_code="330100"))

    return idempotency.once(s, actor, idempotency_key, "organization.add", Organization, make)


def _firms() -> int:
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(Organization).where(Organization.name == "重复点击科技")).one()


def test_the_same_key_makes_one_record(world) -> None:
    first = _add_firm(actor=world.hz.operator, name="重复点击科技", idempotency_key="k-1")
    again = _add_firm(actor=world.hz.operator, name="重复点击科技", idempotency_key="k-1")
    assert again.id == first.id and _firms() == 1
    _add_firm(actor=world.hz.operator, name="重复点击科技", idempotency_key="k-2")  # a new form instance
    _add_firm(actor=world.hz.operator, name="重复点击科技")  # no key: every call makes one
    assert _firms() == 3


def test_a_key_is_its_owners(world) -> None:
    _add_firm(actor=world.hz.operator, name="重复点击科技", idempotency_key="k-3")
    with pytest.raises(ValidationError) as err:
        _add_firm(actor=world.nb.operator, name="重复点击科技", idempotency_key="k-3")
    assert (err.value.key, err.value.field) == ("error.key_reused", "idempotency_key")
    with Session(get_engine()) as s:
        assert s.exec(select(func.count()).select_from(ActionKey)).one() == 1
    assert _firms() == 1
