"""Result pool and 安心屋: disclosure, approval flow, notices and objections, browsing, tenancy."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import ApprovalStep, AuditEntry, Objection, PublicNotice, Result
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.pool import approval, browse, disclosure
from tests.factories import make_org, make_result, make_trial, patent_no

DAY = date(2026, 3, 1)


def form(**over) -> dict:
    data = {"number": patent_no(), "result_type": "invention", "result_title": "一种锂电池正极材料表面包覆方法",
            "result_inventors": "张三、李四", "result_field": "new_energy", "result_trl": 5,
            "result_abstract": "通过原子层沉积在正极颗粒表面形成纳米包覆层，抑制产气。",
            "result_keywords": "锂电池，正极、包覆", "result_fiscal": False, "result_trial_months": 12,
            "result_max_licensees": 2, "result_price_guidance": "面议"}
    data.update(over)
    return data


def count(model, *where) -> int:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def reload(result_id) -> Result:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.get(Result, result_id)


def to_notice(world, day: date = DAY) -> Result:  # noqa: ANN001
    hz = world.hz
    r = disclosure.save_result(actor=hz.officer, data=form())
    approval.submit_result(actor=hz.officer, result_id=r.id)
    approval.approve_result(actor=hz.officer, result_id=r.id)
    approval.start_notice(actor=hz.operator, result_id=r.id, today=day)
    return reload(r.id)


# --- disclosure ----------------------------------------------------------------------------------

def test_officer_discloses_a_draft_for_its_own_institution(world) -> None:
    r = disclosure.save_result(actor=world.hz.officer, data=form(result_owner=world.nb.licensor.id))
    assert r.status == "draft" and r.owner_org_id == world.hz.licensor.id and r.city_code == "330100"
    assert r.keywords == "锂电池,正极,包覆"
    assert count(AuditEntry, AuditEntry.action == "result.create") == 1


@pytest.mark.parametrize(("over", "field", "key"), [
    ({"number": "202310123456.0"}, "number", "error.patent_check"),
    ({"result_type": "utility_model"}, "number", "pool.error.number_type_mismatch"),
    ({"result_trl": 10}, "result_trl", "error.integer_range"),
    ({"result_title": ""}, "result_title", "error.required"),
    ({"result_fiscal": True, "result_grant_date": None}, "result_grant_date", "error.required"),
    ({"result_field": "magic"}, "result_field", "error.bad_choice"),
    ({"result_max_licensees": 0}, "result_max_licensees", "error.integer_range"),
])
def test_bad_disclosure_is_refused_naming_the_field(over, field, key) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError) as err:
        disclosure.clean_result(form(**over))
    assert (err.value.field, err.value.key) == (field, key)


def test_a_refused_disclosure_changes_nothing(world) -> None:
    with pytest.raises(ValidationError) as err:
        disclosure.save_result(actor=world.hz.officer, data=form(result_trl=0))
    assert err.value.field == "result_trl"
    assert count(Result) == 2 and count(AuditEntry) == 0  # the two world results only


def test_a_number_is_registered_once(world) -> None:
    data = form()
    disclosure.save_result(actor=world.hz.officer, data=data)
    with pytest.raises(ValidationError) as err:
        disclosure.save_result(actor=world.hz.officer, data=data)
    assert err.value.key == "pool.error.number_taken"


def test_operator_discloses_for_a_licensor_of_its_city_only(world) -> None:
    r = disclosure.save_result(actor=world.hz.operator, data=form(result_owner=world.hz.licensor.id))
    assert r.owner_org_id == world.hz.licensor.id
    with pytest.raises(ValidationError) as err:
        disclosure.save_result(actor=world.hz.operator, data=form(result_owner=world.nb.licensor.id))
    assert err.value.key == "pool.error.owner_out_of_scope"


def test_attachment_is_stored_and_downloadable(world) -> None:
    r = disclosure.save_result(actor=world.hz.officer, data=form())
    row = disclosure.add_attachment(actor=world.hz.officer, result_id=r.id, filename="专利.pdf", data=b"%PDF-1.4 x")
    name, ctype, data = disclosure.read_attachment(actor=world.hz.operator, result_id=r.id, attachment_id=row.id)
    assert (name, ctype, data) == ("专利.pdf", "application/pdf", b"%PDF-1.4 x")
    with pytest.raises(ValidationError):
        disclosure.add_attachment(actor=world.hz.officer, result_id=r.id, filename="virus.exe", data=b"x")
    with pytest.raises(NotFound):  # a draft of Hangzhou is not Ningbo's business
        disclosure.read_attachment(actor=world.nb.operator, result_id=r.id, attachment_id=row.id)


# --- approval flow (rule 5) ------------------------------------------------------------------------

def test_full_flow_lists_the_result_when_the_notice_ends(world) -> None:
    r = to_notice(world)
    notice = approval.current_notice(actor=world.hz.operator, result_id=r.id, today=DAY + timedelta(days=5))
    assert r.status == "notice" and notice.days == 15 and notice.end_date == DAY + timedelta(days=15)
    assert notice.days_left == 10
    assert approval.advance_notices(DAY + timedelta(days=14)) == 0
    assert reload(r.id).status == "notice"
    assert approval.advance_notices(DAY + timedelta(days=15)) == 1
    assert reload(r.id).status == "listed" and reload(r.id).listed_at is not None
    steps = [s.action for s in approval.history(actor=world.hz.officer, result_id=r.id)]
    assert steps == ["submit", "approve", "notice", "list"]


def test_advance_notices_is_idempotent(world) -> None:
    r = to_notice(world)
    end = DAY + timedelta(days=15)
    assert approval.advance_notices(end) == 1
    audits, steps = count(AuditEntry), count(ApprovalStep)
    assert approval.advance_notices(end) == 0
    assert approval.advance_notices(end + timedelta(days=3)) == 0
    assert (count(AuditEntry), count(ApprovalStep)) == (audits, steps)
    assert reload(r.id).status == "listed"


def test_return_needs_a_reason_and_allows_resubmission(world) -> None:
    r = disclosure.save_result(actor=world.hz.officer, data=form())
    approval.submit_result(actor=world.hz.officer, result_id=r.id)
    with pytest.raises(ValidationError) as err:
        approval.return_result(actor=world.hz.officer, result_id=r.id, reason=" ")
    assert err.value.field == "pool_reason" and reload(r.id).status == "submitted"
    approval.return_result(actor=world.hz.officer, result_id=r.id, reason="请补充佐证材料")
    disclosure.save_result(actor=world.hz.officer, data=form(number=r.number, result_trl=6), result_id=r.id)
    approval.submit_result(actor=world.hz.officer, result_id=r.id)
    assert reload(r.id).status == "submitted" and reload(r.id).trl == 6


def test_refused_transitions_change_nothing(world) -> None:
    r = disclosure.save_result(actor=world.hz.officer, data=form())
    steps = count(ApprovalStep)
    with pytest.raises(ValidationError) as err:  # a draft cannot be approved
        approval.approve_result(actor=world.hz.officer, result_id=r.id)
    assert err.value.key == "pool.error.bad_transition"
    with pytest.raises(ValidationError):  # nor put on notice
        approval.start_notice(actor=world.hz.operator, result_id=r.id, today=DAY)
    with pytest.raises(ValidationError):  # nor withdrawn: it was never submitted
        approval.withdraw_result(actor=world.hz.officer, result_id=r.id, reason="不要了")
    approval.submit_result(actor=world.hz.officer, result_id=r.id)
    with pytest.raises(ValidationError):  # a submitted result cannot be submitted again
        approval.submit_result(actor=world.hz.officer, result_id=r.id)
    with pytest.raises(ValidationError):  # nor can a listed one
        approval.submit_result(actor=world.hz.officer, result_id=world.hz.result.id)
    with pytest.raises(PermissionDenied):  # approval is the institution's decision, not the operator's
        approval.approve_result(actor=world.hz.operator, result_id=r.id)
    with pytest.raises(ValidationError):  # a submitted result cannot be edited
        disclosure.save_result(actor=world.hz.officer, data=form(number=r.number), result_id=r.id)
    assert reload(r.id).status == "submitted"
    assert count(ApprovalStep) == steps + 1
    assert count(PublicNotice) == 0


def test_notice_uses_the_city_setting(world) -> None:
    from db.models import PolicyVersion
    from tests.factories import save

    save(PolicyVersion(region_code="330100", version=1, data={"notice_days": 7}))
    r = to_notice(world)
    assert approval.current_notice(actor=world.hz.operator, result_id=r.id, today=DAY).end_date == DAY + timedelta(days=7)


# --- objections: pause / resume arithmetic -------------------------------------------------------------

def test_objection_pauses_and_dismissal_resumes_for_the_remaining_days(world) -> None:
    r = to_notice(world)  # 15 days from 1 March: listing on 16 March
    obj = approval.file_objection(actor=world.hz.operator, result_id=r.id, objector_name="王五",
                                  objector_contact="13800000000", reason="权属存疑", today=DAY + timedelta(days=4))
    view = approval.current_notice(actor=world.hz.operator, result_id=r.id, today=DAY + timedelta(days=9))
    assert reload(r.id).status == "paused" and view.state == "paused" and view.days_left == 11
    assert approval.advance_notices(DAY + timedelta(days=30)) == 0  # paused notices never list
    approval.resolve_objection(actor=world.hz.operator, objection_id=obj.id, upheld=False,
                               resolution="权属清晰", today=DAY + timedelta(days=10))
    view = approval.current_notice(actor=world.hz.operator, result_id=r.id, today=DAY + timedelta(days=10))
    assert reload(r.id).status == "notice" and view.end_date == DAY + timedelta(days=21) and view.days_left == 11
    assert approval.advance_notices(DAY + timedelta(days=20)) == 0
    assert approval.advance_notices(DAY + timedelta(days=21)) == 1
    with Session(get_engine()) as s:
        o = s.get(Objection, obj.id)
    assert o.status == "dismissed" and o.resolved_by == world.hz.operator.user_id and o.resolution == "权属清晰"
    steps = [s.action for s in approval.history(actor=world.hz.operator, result_id=r.id)]
    assert steps == ["submit", "approve", "notice", "object", "resume", "list"]


def test_two_objections_resume_only_after_both_are_dismissed(world) -> None:
    r = to_notice(world)
    a = approval.file_objection(actor=world.hz.operator, result_id=r.id, objector_name="甲", objector_contact="x",
                                reason="一", today=DAY + timedelta(days=2))
    b = approval.file_objection(actor=world.hz.operator, result_id=r.id, objector_name="乙", objector_contact="y",
                                reason="二", today=DAY + timedelta(days=3))
    approval.resolve_objection(actor=world.hz.operator, objection_id=a.id, upheld=False, resolution="驳回",
                               today=DAY + timedelta(days=5))
    assert reload(r.id).status == "paused"
    approval.resolve_objection(actor=world.hz.operator, objection_id=b.id, upheld=False, resolution="驳回",
                               today=DAY + timedelta(days=6))
    # paused on day 2 with 13 days left; resumed on day 6 → listing on day 19
    assert approval.current_notice(actor=world.hz.operator, result_id=r.id).end_date == DAY + timedelta(days=19)


def test_upheld_objection_withdraws_the_result(world) -> None:
    r = to_notice(world)
    obj = approval.file_objection(actor=world.hz.operator, result_id=r.id, objector_name="王五",
                                  objector_contact="13800000000", reason="侵权", today=DAY + timedelta(days=1))
    approval.resolve_objection(actor=world.hz.operator, objection_id=obj.id, upheld=True, resolution="异议成立")
    assert reload(r.id).status == "withdrawn"
    assert approval.advance_notices(DAY + timedelta(days=60)) == 0
    with pytest.raises(ValidationError) as err:
        approval.resolve_objection(actor=world.hz.operator, objection_id=obj.id, upheld=False, resolution="x")
    assert err.value.key == "pool.error.objection_closed"


def test_objection_refused_after_the_notice_or_without_grounds(world) -> None:
    r = to_notice(world)
    with pytest.raises(ValidationError) as err:
        approval.file_objection(actor=world.hz.operator, result_id=r.id, objector_name="王五", objector_contact="1",
                                reason="", today=DAY + timedelta(days=1))
    assert err.value.field == "pool_objection_reason"
    with pytest.raises(ValidationError) as err:
        approval.file_objection(actor=world.hz.operator, result_id=r.id, objector_name="王五", objector_contact="1",
                                reason="迟到", today=DAY + timedelta(days=15))
    assert err.value.key == "pool.error.notice_over"
    assert count(Objection) == 0 and reload(r.id).status == "notice"


def test_withdraw_a_listed_result_needs_a_reason(world) -> None:
    r = world.hz.result
    with pytest.raises(ValidationError):
        approval.withdraw_result(actor=world.hz.officer, result_id=r.id, reason="")
    assert reload(r.id).status == "listed"
    approval.withdraw_result(actor=world.hz.officer, result_id=r.id, reason="许可人决定暂停")
    assert reload(r.id).status == "withdrawn"


def test_search_hook_is_called_on_listing_and_withdrawal(world, monkeypatch) -> None:  # noqa: ANN001
    import sys
    import types

    calls = []
    fake = types.ModuleType("portal.search")
    fake.on_result_changed = lambda s, result: calls.append((result.id, result.status))
    monkeypatch.setitem(sys.modules, "portal.search", fake)
    r = to_notice(world)
    approval.advance_notices(DAY + timedelta(days=15))
    approval.withdraw_result(actor=world.hz.operator, result_id=r.id, reason="撤回")
    assert calls == [(r.id, "listed"), (r.id, "withdrawn")]


# --- browsing ------------------------------------------------------------------------------------

def test_pool_filters_and_chinese_search(world) -> None:
    hz = world.hz
    make_result(hz.licensor, title="一种高导热石墨烯复合散热膜", field="new_materials", keywords="石墨烯,散热")
    make_result(hz.licensor, status="draft", title="未上架的石墨烯成果")
    everyone = hz.enterprise_user
    page = browse.search_pool(actor=everyone, filters=browse.PoolFilter(text="石墨烯散热膜"))
    assert [r.title for r in page.rows] == ["一种高导热石墨烯复合散热膜"] and page.total == 1
    page = browse.search_pool(actor=everyone, filters=browse.PoolFilter(text="锂电池 正极"))
    assert page.total == 2  # both cities' listed results
    page = browse.search_pool(actor=everyone, filters=browse.PoolFilter(text="锂电池", city_code="330200"))
    assert [r.city_code for r in page.rows] == ["330200"]
    assert browse.search_pool(actor=everyone, filters=browse.PoolFilter(field="ai")).total == 0
    assert browse.search_pool(actor=everyone, filters=browse.PoolFilter(trl_min=6)).total == 0
    assert browse.search_pool(actor=everyone, filters=browse.PoolFilter(text="100%_")).total == 0


def test_slots_left_counts_running_ordinary_trials(world) -> None:
    hz = world.hz
    r = make_result(hz.licensor, title="限两家试用的成果", max_trial_licensees=2)
    other = make_org("杭州另一企业", "enterprise")
    make_trial(r, hz.enterprise, hz.agency)
    detail = browse.result_detail(actor=hz.operator, result_id=r.id)
    assert (detail.running, detail.slots_left, len(detail.trials)) == (1, 1, 1)
    make_trial(r, other, hz.agency)
    make_trial(r, other, hz.agency, status="terminated")
    detail = browse.result_detail(actor=hz.enterprise_user, result_id=r.id)
    assert (detail.running, detail.slots_left, detail.trials) == (2, 0, [])  # not a party: no names
    avail = browse.search_pool(actor=hz.operator, filters=browse.PoolFilter(available_only=True))
    assert r.id not in {row.id for row in avail.rows} and avail.total == 2
    assert browse.result_detail(actor=hz.operator, result_id=hz.result.id).slots_left is None


# --- tenancy ----------------------------------------------------------------------------------------

def test_tenancy_of_unlisted_results(world) -> None:
    hz, nb = world.hz, world.nb
    draft = disclosure.save_result(actor=hz.officer, data=form())
    for reader in (nb.operator, nb.officer, hz.enterprise_user, hz.presenter, nb.manager):
        with pytest.raises(NotFound):
            browse.result_detail(actor=reader, result_id=draft.id)
    for writer in (nb.operator, nb.officer):
        with pytest.raises(NotFound):
            approval.submit_result(actor=writer, result_id=draft.id)
        with pytest.raises(NotFound):
            disclosure.save_result(actor=writer, data=form(number=draft.number), result_id=draft.id)
        with pytest.raises(NotFound):
            approval.withdraw_result(actor=writer, result_id=hz.result.id, reason="x")
    with pytest.raises(PermissionDenied):
        disclosure.save_result(actor=hz.manager, data=form())
    assert reload(draft.id).status == "draft" and reload(hz.result.id).status == "listed"
    # listed results are open to every signed-in role; lists stay within scope
    assert browse.result_detail(actor=nb.enterprise_user, result_id=hz.result.id).result.id == hz.result.id
    mine = disclosure.list_my_results(actor=nb.operator)
    assert mine.total == 1 and mine.rows[0].id == nb.result.id
    mine = disclosure.list_my_results(actor=hz.officer)
    assert {m.id for m in mine.rows} == {hz.result.id, draft.id}
    assert len(disclosure.list_my_results(actor=world.admin).rows) == 3


def test_objections_are_the_city_operators_business(world) -> None:
    r = to_notice(world)
    with pytest.raises(NotFound):
        approval.file_objection(actor=world.nb.operator, result_id=r.id, objector_name="a", objector_contact="b",
                                reason="c", today=DAY + timedelta(days=1))
    obj = approval.file_objection(actor=world.hz.operator, result_id=r.id, objector_name="a", objector_contact="b",
                                  reason="c", today=DAY + timedelta(days=1))
    with pytest.raises(NotFound):
        approval.resolve_objection(actor=world.nb.operator, objection_id=obj.id, upheld=True, resolution="x")
    desk = approval.desk(actor=world.nb.operator)
    assert desk.objections == [] and desk.in_notice == []
    assert [o.id for o in approval.desk(actor=world.hz.operator).objections] == [obj.id]
    assert reload(r.id).status == "paused"


def test_pool_count_is_exact_by_index_and_capped_otherwise(world, monkeypatch) -> None:  # noqa: ANN001
    make_result(world.hz.licensor, title="第三项上架成果")
    monkeypatch.setattr(browse, "COUNT_CAP", 1)
    exact = browse.search_pool(actor=world.hz.operator, filters=browse.PoolFilter(city_code="330100"))
    assert (exact.total, exact.capped) == (2, False)
    capped = browse.search_pool(actor=world.hz.operator, filters=browse.PoolFilter(trl_min=2))
    assert (capped.total, capped.capped, len(capped.rows)) == (1, True, 3)


def test_desk_shows_the_oldest_of_each_queue_and_counts_them_all(world) -> None:
    from datetime import datetime

    from portal.core.clock import TZ

    hz = world.hz
    waiting = [make_result(hz.licensor, status="submitted", title=f"待审{i}",
                           updated_at=datetime(2026, 1, 10 - i, tzinfo=TZ)) for i in range(3)]
    make_result(world.nb.licensor, status="submitted", title="宁波待审")
    desk = approval.desk(actor=hz.operator, limit=2)
    assert [r.title for r in desk.to_approve] == ["待审2", "待审1"]  # oldest first
    assert desk.totals == {"to_approve": 3, "to_notice": 0, "in_notice": 0, "objections": 0}
    assert approval.desk(actor=world.admin, limit=2).totals["to_approve"] == 4
    assert approval.desk(actor=hz.officer).totals["to_approve"] == 3
    assert [r.title for r in approval.desk(actor=world.nb.officer).to_approve] == ["宁波待审"]
    assert {r.result_id for r in approval.desk(actor=hz.officer).to_approve} == {w.id for w in waiting}
