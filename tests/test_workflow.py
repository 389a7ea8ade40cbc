"""The workflow core on a small table of its own: reaches, moves, refusals, lists and records
agreeing, four eyes, and records to be made."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import column, select, table

from db.models.enums import Role
from portal.core.actor import Actor
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.workflow import CITY_ADMINS, STAFF, Columns, Reach, Step, Subject, Workflow

AGENCY = uuid.uuid4()


@dataclass
class Paper:
    """A record the table governs: a city, an agency, a party, a creator and a status."""

    city_code: str
    status: str = "draft"
    agency_id: uuid.UUID | None = AGENCY
    party_id: uuid.UUID | None = None
    created_by: uuid.UUID | None = None


PAPER = Workflow(
    "paper", ("draft", "sent", "signed"), records=(Paper,), orgs=("party_id",),
    steps=(
        Step("read", {**STAFF, Role.MANAGER: Reach.CITY, Role.ENTERPRISE: Reach.ORG}),
        Step("send", {Role.CITY_OPERATOR: Reach.AGENCY}, ("draft",), "sent"),
        Step("sign", CITY_ADMINS, ("sent",), "signed", not_creator=True),
        Step("overview", {Role.PROVINCE_ADMIN: Reach.ANY, Role.MANAGER: Reach.PROVINCE}),
    ),
    bad_status="error.bad_transition", status_field="paper_status",
)


def _actor(role: str, city: str | None = "330100", **kw) -> Actor:
    return Actor(user_id=kw.pop("user_id", uuid.uuid4()), username=role, display_name=role, role=role,
                 city_code=city, **kw)


OPERATOR = _actor(Role.CITY_OPERATOR, agency_id=AGENCY)
ADMIN_OPERATOR = _actor(Role.CITY_OPERATOR, agency_id=uuid.uuid4(), is_city_admin=True)
CITY_MANAGER = _actor(Role.MANAGER)
PROVINCE_MANAGER = _actor(Role.MANAGER, city=None)
PRESENTER = _actor(Role.PRESENTER)
FIRM = uuid.uuid4()
ENTERPRISE = _actor(Role.ENTERPRISE, organization_id=FIRM)


def test_reading_follows_city_organization_and_role() -> None:
    own, other = Paper("330100", party_id=FIRM), Paper("330200")
    assert PAPER.may(OPERATOR, "read", own) and not PAPER.may(OPERATOR, "read", other)
    assert PAPER.may(PROVINCE_MANAGER, "read", other) and not PAPER.may(CITY_MANAGER, "read", other)
    assert PAPER.may(ENTERPRISE, "read", own) and not PAPER.may(ENTERPRISE, "read", Paper("330100"))
    assert not PAPER.may(PRESENTER, "read", own)


def test_a_move_is_refused_by_sight_then_grant_then_status() -> None:
    with pytest.raises(NotFound):  # another city's paper looks absent
        PAPER.require(OPERATOR, "send", Paper("330200"))
    with pytest.raises(PermissionDenied):  # the manager reads it but may not send it
        PAPER.require(CITY_MANAGER, "send", Paper("330100"))
    with pytest.raises(ValidationError) as err:  # the operator may, but not from this status
        PAPER.require(OPERATOR, "send", Paper("330100", status="signed"))
    assert (err.value.key, err.value.field, err.value.params["target"]) == ("error.bad_transition", "paper_status",
                                                                          "sent")
    assert PAPER.require(OPERATOR, "send", Paper("330100")).target == "sent"


def test_four_eyes_and_the_hint_that_explains_it() -> None:
    mine = Paper("330100", status="sent", created_by=ADMIN_OPERATOR.user_id)
    with pytest.raises(PermissionDenied) as err:
        PAPER.require(ADMIN_OPERATOR, "sign", mine)
    assert err.value.key == "error.own_record"
    assert PAPER.only_four_eyes_stop(ADMIN_OPERATOR, mine)
    assert PAPER.allowed_actions(ADMIN_OPERATOR, mine) == []
    assert PAPER.allowed_actions(ADMIN_OPERATOR, Paper("330100", status="sent")) == ["sign"]


def test_asking_without_a_record_counts_only_grants_that_can_reach() -> None:
    assert PAPER.may(ADMIN_OPERATOR, "sign") and not PAPER.may(OPERATOR, "sign")  # city admins only
    assert PAPER.may(PROVINCE_MANAGER, "overview") and not PAPER.may(CITY_MANAGER, "overview")
    assert not PAPER.may(_actor(Role.CITY_OPERATOR), "send")  # no agency: nothing to send for


def test_a_record_to_be_made_is_refused_not_hidden() -> None:
    with pytest.raises(PermissionDenied):
        PAPER.require(OPERATOR, "send", Subject(city_code="330200", status="draft"))
    assert PAPER.may(OPERATOR, "send", Subject(city_code="330100", agency_id=AGENCY, status="draft"))


def test_lists_are_filtered_by_the_same_grants_as_records() -> None:
    papers = table("paper", column("city_code"), column("party_id"), column("status"))
    cols = Columns(city=papers.c.city_code, orgs=(papers.c.party_id,), status=papers.c.status)
    stmt = select(papers.c.city_code)
    assert str(PAPER.scope_filter(stmt, PROVINCE_MANAGER, cols)).endswith("WHERE true")  # every city
    assert "paper.city_code = :city_code_1" in str(PAPER.scope_filter(stmt, OPERATOR, cols))
    assert "paper.party_id = :party_id_1" in str(PAPER.scope_filter(stmt, ENTERPRISE, cols))
    with pytest.raises(PermissionDenied):
        PAPER.scope_filter(stmt, PRESENTER, cols)


def test_unknown_statuses_in_a_table_are_a_mistake() -> None:
    with pytest.raises(ValueError):
        Workflow("bad", ("a",), steps=(Step("go", STAFF, ("a",), "b"),))
