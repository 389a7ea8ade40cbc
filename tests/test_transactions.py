"""One user action is one transaction: a change without its audit entry is refused at commit, a
transaction opened inside another is a programming error, and `.within` composes services."""

from __future__ import annotations

import inspect

import pytest
from sqlmodel import Session, func, select

from db.engine import NestedTransaction, UnauditedChange, get_engine, transaction
from db.models import AuditEntry, Organization, Result
from portal.core import audit
from portal.core.service import service
from tests.factories import make_org


def _count(model) -> int:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_a_change_without_its_audit_entry_is_not_committed(world) -> None:
    before = _count(Organization)
    with pytest.raises(UnauditedChange, match="organization"):
        with transaction() as s:
            s.add(Organization(name="无审计记录的企业", kind="enterprise", credit_code="91330106MA2TEST001",
                               city_code="330100"))
    assert _count(Organization) == before
    with pytest.raises(UnauditedChange, match="result"):
        with transaction() as s:
            result = s.get(Result, world.hz.result.id)
            result.title = "改了标题却没有留痕"
            s.add(result)
    with Session(get_engine()) as s:
        assert s.get(Result, world.hz.result.id).title == world.hz.result.title


def test_an_audited_change_commits_with_its_entry(world) -> None:
    entries = _count(AuditEntry)
    with transaction() as s:
        result = s.get(Result, world.hz.result.id)
        with audit.audited_change(s, world.hz.operator, "result.edit", result, reason="更正标题"):
            result.title = "更正后的标题"
    with Session(get_engine()) as s:
        assert s.get(Result, world.hz.result.id).title == "更正后的标题"
        entry = s.exec(select(AuditEntry).order_by(AuditEntry.at.desc())).first()
    assert _count(AuditEntry) == entries + 1
    assert entry.before["title"] == world.hz.result.title and entry.after["title"] == "更正后的标题"
    assert entry.actor_name == world.hz.operator.username and entry.reason == "更正标题"


def test_a_transaction_inside_another_is_refused(world) -> None:
    with pytest.raises(NestedTransaction):
        with transaction():
            with transaction():
                pass


@service()
def _rename(s, *, actor, org_id, name: str) -> Organization:  # noqa: ANN001
    org = s.get(Organization, org_id)
    with audit.audited_change(s, actor, "organization.rename", org):
        org.name = name
    return org


def test_a_service_runs_alone_or_inside_the_callers_transaction(world) -> None:
    org = make_org("原名有限公司", "enterprise")
    assert _rename(actor=world.hz.operator, org_id=org.id, name="新名一有限公司").name == "新名一有限公司"
    with pytest.raises(RuntimeError):
        with transaction() as s:  # composite: the rename is undone with the step that fails after it
            _rename.within(s, actor=world.hz.operator, org_id=org.id, name="新名二有限公司")
            raise RuntimeError("a later step refused")
    with Session(get_engine()) as s:
        assert s.get(Organization, org.id).name == "新名一有限公司"
    assert list(inspect.signature(_rename).parameters) == ["actor", "org_id", "name"]
