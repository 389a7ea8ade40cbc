"""Every create service submits once per form instance (portal.core.idempotency): the same
idempotency key twice makes one record, a new key a second one, and another user's key is refused
naming the field and changes nothing; on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, func, select

from db.engine import get_engine
from db.models import (
    Attachment,
    AuditEntry,
    Budget,
    Contract,
    ContractTemplate,
    Demand,
    InsurancePolicy,
    Match,
    Objection,
    PilotBooking,
    PilotPlatform,
    PilotResource,
    Result,
    Roadshow,
    RoadshowAttendance,
    RoadshowItem,
    UserAccount,
    Voucher,
)
from db.models.enums import Role
from portal.admin.users import add_user
from portal.claims.budgets import set_budget
from portal.contracts.insurance import add_policy
from portal.contracts.outcomes import record_objection
from portal.contracts.templates import save_template
from portal.contracts.trials import create_trial
from portal.contracts.vouchers import issue_voucher
from portal.core.clock import today
from portal.core.errors import ValidationError
from portal.hub import demand_sheets
from portal.hub.demands import create_demand
from portal.hub.matches import record_match
from portal.pilot import platforms as pf
from portal.pilot.bookings import book_pilot
from portal.pool import approval, disclosure
from portal.roadshows.attendance import register_attendance
from portal.roadshows.items import add_item
from portal.roadshows.plans import RoadshowInput, create_roadshow
from tests.factories import credit_code, make_org, make_result, make_trial
from tests.test_import_properties import workbook
from tests.test_pool import DAY, form, to_notice


def count(model: type[SQLModel], *where: Any) -> int:
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def _starts() -> datetime:
    return datetime.combine(today() + timedelta(days=20), time(14, 0))


def _roadshow(world: SimpleNamespace) -> Roadshow:
    return create_roadshow(actor=world.hz.operator, data=RoadshowInput(title="新材料专场", starts_at=_starts(),
                                                                       venue="杭州国际博览中心"))


@dataclass(frozen=True)
class Case:
    """One create form: what it needs, its n-th distinct submission, and the records it makes."""

    name: str
    model: type[SQLModel]
    setup: Callable[[SimpleNamespace], Any]
    submit: Callable[..., Any]  # (world, ctx, n, actor, key) -> record
    other: Callable[[SimpleNamespace], Any]  # another user who may make the same kind of record
    where: Callable[[Any], tuple] = lambda ctx: ()
    actor: Callable[[SimpleNamespace], Any] = lambda w: w.hz.operator


def _demand(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return create_demand(actor=actor, enterprise_org_id=w.hz.enterprise.id, idempotency_key=key, data={
        "title": f"电池鼓包问题 {n}", "field": "new_energy", "cooperation": ["trial"]})


def _plan(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return create_roadshow(actor=actor, idempotency_key=key, data=RoadshowInput(
        title="新材料专场", starts_at=_starts(), venue="杭州国际博览中心"))  # the same twice: one roadshow


def _item(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return add_item(actor=actor, roadshow_id=ctx.show.id, result_id=ctx.results[n].id, presenter_name="张三",
                    idempotency_key=key)


def _attend(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return register_attendance(actor=actor, roadshow_id=ctx.show.id, company_name=f"恒拓科技{n}号",
                               credit_code=ctx.codes[n], idempotency_key=key)


def _result(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return disclosure.save_result(actor=actor, data=form(number=ctx.numbers[n], result_owner=w.hz.licensor.id),
                                  idempotency_key=key)


def _platform(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return pf.create_platform(actor=actor, name=f"新材料中试平台{n}", host_org_id=w.hz.licensor.id,
                              idempotency_key=key)


def _resource(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return pf.add_resource(actor=actor, platform_id=ctx.platform.id, name=f"反应釜{n}", capacity=2,
                           price_per_day="800", idempotency_key=key)


def _booking(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return book_pilot(actor=actor, resource_id=ctx.resource.id, enterprise_org_id=w.hz.enterprise.id,
                      result_id=w.hz.result.id, start_date=today() + timedelta(days=3 + 2 * n),
                      end_date=today() + timedelta(days=4 + 2 * n), idempotency_key=key)  # capacity 1: days of its own


def _match(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return record_match(actor=actor, result_id=w.hz.result.id, enterprise_org_id=w.hz.enterprise.id,
                        channel="phone", contact_date=today(), notes=f"第{n}次联系", idempotency_key=key)


def _trial(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return create_trial(actor=actor, result_id=w.hz.result.id, licensee_org_id=ctx.licensees[n].id,
                        idempotency_key=key)  # the same licensee twice would be a duplicate trial


def _voucher(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return issue_voucher(actor=actor, enterprise_org_id=w.hz.enterprise.id, amount="20000",
                         expires_on=today() + timedelta(days=365), idempotency_key=key)


def _policy(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return add_policy(actor=actor, contract_id=ctx.trial.id, insurer_org_id=ctx.insurer.id,
                      policy_number=f"PICC-2026-{ctx.tag}-{n}", product="试用险", premium="5000",
                      coverage="500000", start_date=ctx.trial.start_date, end_date=ctx.trial.end_date,
                      idempotency_key=key)  # the number is unique: a second with it is refused


def _contract_objection(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return record_objection(actor=actor, contract_id=ctx.trial.id, objector_name="王五",
                            objector_contact="13800138000", reason=f"许可范围有争议（{n}）", idempotency_key=key)


def _result_objection(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return approval.file_objection(actor=actor, result_id=ctx.result.id, objector_name="王五",
                                   objector_contact="13800138000", reason=f"权属存疑（{n}）",
                                   today=DAY + timedelta(days=2), idempotency_key=key)


def _user(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return add_user(actor=actor, username=f"hz_talker{n}", display_name="讲解员", password="Talk2026x",
                    role=Role.PRESENTER, city_code="330100", idempotency_key=key)  # the name is unique


def _template(w, ctx, n, actor, key):  # noqa: ANN001, ANN202
    return save_template(actor=actor, city_code="330100", title="杭州试用合同", reason=f"第{n}次修订",
                         body="甲方：{licensor_name}\n乙方：{licensee_name}\n试用期：{start_date} 至 {end_date}",
                         idempotency_key=key)


def _trial_ctx(w):  # noqa: ANN001, ANN202
    return SimpleNamespace(trial=make_trial(w.hz.result, w.hz.enterprise, w.hz.agency),
                           insurer=make_org("人保财险杭州分公司", "insurer"), tag=uuid.uuid4().hex[:6])


def _platform_ctx(w):  # noqa: ANN001, ANN202
    platform = pf.create_platform(actor=w.hz.operator, name="新材料中试平台", host_org_id=w.hz.licensor.id)
    return SimpleNamespace(platform=platform, resource=pf.add_resource(
        actor=w.hz.operator, platform_id=platform.id, name="反应釜", capacity=1, price_per_day="800"))


NOTHING = lambda w: SimpleNamespace()  # noqa: E731
CASES = [
    Case("demand", Demand, NOTHING, _demand, lambda w: w.hz.plain_operator),
    Case("roadshow", Roadshow, NOTHING, _plan, lambda w: w.hz.plain_operator),
    Case("roadshow_item", RoadshowItem,
         lambda w: SimpleNamespace(show=_roadshow(w), results=[make_result(w.hz.licensor) for _ in range(3)]),
         _item, lambda w: w.hz.plain_operator),
    Case("attendance", RoadshowAttendance,
         lambda w: SimpleNamespace(show=_roadshow(w), codes=[credit_code() for _ in range(3)]),
         _attend, lambda w: w.hz.plain_operator),
    Case("result", Result, lambda w: SimpleNamespace(numbers=[form()["number"] for _ in range(3)]), _result,
         lambda w: w.hz.plain_operator, where=lambda ctx: (Result.number.in_(ctx.numbers),)),
    Case("pilot_platform", PilotPlatform, NOTHING, _platform, lambda w: w.hz.plain_operator),
    Case("pilot_resource", PilotResource, _platform_ctx, _resource, lambda w: w.hz.plain_operator,
         where=lambda ctx: (PilotResource.name != "反应釜",)),
    Case("pilot_booking", PilotBooking, _platform_ctx, _booking, lambda w: w.hz.plain_operator),
    Case("match", Match, NOTHING, _match, lambda w: w.hz.plain_operator),
    Case("trial", Contract,
         lambda w: SimpleNamespace(licensees=[make_org(f"试用企业{i}", "enterprise") for i in range(3)]),
         _trial, lambda w: w.hz.plain_operator),
    Case("voucher", Voucher, NOTHING, _voucher, lambda w: w.hz.plain_operator),
    Case("insurance_policy", InsurancePolicy, _trial_ctx, _policy, lambda w: w.hz.plain_operator),
    Case("contract_objection", Objection, _trial_ctx, _contract_objection, lambda w: w.hz.plain_operator),
    Case("result_objection", Objection, lambda w: SimpleNamespace(result=to_notice(w)), _result_objection,
         lambda w: w.hz.plain_operator),
    Case("user", UserAccount, NOTHING, _user, lambda w: w.admin,
         where=lambda ctx: (UserAccount.username.like("hz_talker%"),)),
    Case("template", ContractTemplate, NOTHING, _template, lambda w: w.admin,
         where=lambda ctx: (ContractTemplate.city_code == "330100",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_same_key_makes_one_record_a_new_key_another(world, case: Case) -> None:
    ctx = case.setup(world)
    before = count(case.model, *case.where(ctx))
    me, key = case.actor(world), uuid.uuid4().hex
    first = case.submit(world, ctx, 0, me, key)
    again = case.submit(world, ctx, 0, me, key)  # a double click, a retry, a reload: the same form instance
    first_id = getattr(first, "id", None) or first.version
    assert (getattr(again, "id", None) or again.version) == first_id
    assert count(case.model, *case.where(ctx)) == before + 1
    case.submit(world, ctx, 1, me, uuid.uuid4().hex)  # the next form instance is a new record
    assert count(case.model, *case.where(ctx)) == before + 2


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_another_users_key_is_refused_and_changes_nothing(world, case: Case) -> None:
    ctx = case.setup(world)
    key = uuid.uuid4().hex
    case.submit(world, ctx, 0, case.actor(world), key)
    records, entries = count(case.model, *case.where(ctx)), count(AuditEntry)
    with pytest.raises(ValidationError) as err:
        case.submit(world, ctx, 2, case.other(world), key)  # a submission the other user may make, with my key
    assert (err.value.key, err.value.field) == ("error.key_reused", "idempotency_key")
    assert count(case.model, *case.where(ctx)) == records and count(AuditEntry) == entries
    case.submit(world, ctx, 2, case.other(world), uuid.uuid4().hex)  # with a key of their own it is allowed
    assert count(case.model, *case.where(ctx)) == records + 1


def test_a_repeated_registration_writes_one_entry_in_the_trail(world) -> None:
    show, code = _roadshow(world), credit_code()
    key = uuid.uuid4().hex
    for _ in range(2):
        register_attendance(actor=world.hz.operator, roadshow_id=show.id, company_name="恒拓科技",
                            credit_code=code, present=True, idempotency_key=key)
    assert count(AuditEntry, AuditEntry.action == "roadshow.attendance") == 1


def test_a_trial_from_a_match_moves_the_match_once(world) -> None:
    match = record_match(actor=world.hz.operator, result_id=world.hz.result.id,
                         enterprise_org_id=world.hz.enterprise.id, channel="phone", contact_date=today())
    key = uuid.uuid4().hex
    for _ in range(2):  # the second would find the match at the trial stage and its own trial a duplicate
        trial = create_trial(actor=world.hz.operator, result_id=world.hz.result.id,
                             licensee_org_id=world.hz.enterprise.id, match_id=match.id, idempotency_key=key)
    assert count(Contract, Contract.match_id == match.id) == 1 and trial.match_id == match.id
    assert count(AuditEntry, AuditEntry.entity_id == str(match.id), AuditEntry.action == "match.stage") == 1


def test_a_budget_set_twice_is_one_budget(world) -> None:
    """Budgets are set, not added: the same form twice leaves one budget of that amount."""
    for _ in range(2):
        set_budget(actor=world.hz.operator, region_code="330100", year=date.today().year, kind="service_fee",
                   amount="500000")
    with Session(get_engine()) as s:
        rows = s.exec(select(Budget).where(Budget.region_code == "330100")).all()
    assert [r.amount for r in rows] == [Decimal("500000.00")]


def test_a_file_kept_with_a_result_is_kept_once(world) -> None:
    draft = disclosure.save_result(actor=world.hz.officer, data=form())
    key = uuid.uuid4().hex
    for _ in range(2):
        disclosure.add_attachment(actor=world.hz.officer, result_id=draft.id, filename="说明书.pdf",
                                  data=b"%PDF-1.4 test", idempotency_key=key)
    assert count(Attachment, Attachment.entity_id == draft.id) == 1
    disclosure.add_attachment(actor=world.hz.officer, result_id=draft.id, filename="附图.pdf", data=b"%PDF-1.4 b",
                              idempotency_key=uuid.uuid4().hex)
    assert count(Attachment, Attachment.entity_id == draft.id) == 2


def test_a_demand_file_imported_twice_is_imported_once(world) -> None:
    """Demands have no natural key (results are matched by number): the same import instance again
    is refused, and a new one imports the file again, as asked."""
    sheet = workbook([c.header("zh") for c in demand_sheets.COLUMNS],
                     [[world.hz.enterprise.credit_code, "冬天胶水不干", "", "新材料", "", None, None, None, "试用"]])
    key = uuid.uuid4().hex
    assert demand_sheets.import_demands(actor=world.hz.operator, data=sheet, idempotency_key=key) == 1
    entries = count(AuditEntry)
    with pytest.raises(ValidationError) as err:
        demand_sheets.import_demands(actor=world.hz.operator, data=sheet, idempotency_key=key)
    assert (err.value.key, err.value.field) == ("error.already_submitted", "idempotency_key")
    assert count(Demand, Demand.title == "冬天胶水不干") == 1 and count(AuditEntry) == entries
    with pytest.raises(ValidationError) as err:
        demand_sheets.import_demands(actor=world.hz.plain_operator, data=sheet, idempotency_key=key)
    assert err.value.key == "error.key_reused"
    assert demand_sheets.import_demands(actor=world.hz.operator, data=sheet, idempotency_key=uuid.uuid4().hex) == 1
    assert count(Demand, Demand.title == "冬天胶水不干") == 2
