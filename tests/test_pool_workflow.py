"""The pool's policy table (rules.RESULT / rules.OBJECTION), rule by rule allowed and refused,
on SQLite and PostgreSQL; presenters refused by every pool service; the desk's counts; the
pickers through the directory; the one tokenizer, attachments, spreadsheet and paging."""

from __future__ import annotations

import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, func, select

from db.engine import get_engine, transaction
from db.models import Attachment, AuditEntry, Objection, Result
from portal.core import attachments
from portal.core.attachments import AttachmentRow
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.spreadsheet import ImportFailed
from portal.core.workflow import allowed_actions, may
from portal.pool import approval, browse, disclosure, excel, three_year
from portal.pool.rules import RESULT
from portal.search import text
from tests.factories import make_result
from tests.test_pool import DAY, form, reload, to_notice
from tests.test_pool_rules import row, workbook


def count(model, *where) -> int:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def draft(world, **over) -> Result:  # noqa: ANN001
    return disclosure.save_result(actor=world.hz.officer, data=form(**over))


def submitted(world) -> Result:  # noqa: ANN001
    r = draft(world)
    approval.submit_result(actor=world.hz.officer, result_id=r.id)
    return reload(r.id)


def approved(world) -> Result:  # noqa: ANN001
    r = submitted(world)
    approval.approve_result(actor=world.hz.officer, result_id=r.id)
    return reload(r.id)


def objected(world) -> Objection:  # noqa: ANN001
    r = to_notice(world)
    return approval.file_objection(actor=world.hz.operator, result_id=r.id, objector_name="王五",
                                   objector_contact="138", reason="权属存疑", today=DAY + timedelta(days=2))


# --- reading -------------------------------------------------------------------------------------

def test_a_listed_result_is_read_by_every_role_but_presenters(world) -> None:
    listed = world.hz.result
    for reader in (world.nb.enterprise_user, world.nb.officer, world.nb.operator, world.nb.manager, world.admin,
                   world.province_manager, world.hz.enterprise_user):
        assert browse.result_detail(actor=reader, result_id=listed.id).result.id == listed.id
    for presenter in (world.hz.presenter, world.nb.presenter):
        with pytest.raises(NotFound):
            browse.result_detail(actor=presenter, result_id=listed.id)
        with pytest.raises(PermissionDenied):
            browse.search_pool(actor=presenter)


def test_an_unlisted_result_is_read_by_those_who_oversee_it(world) -> None:
    r = draft(world)
    for overseer in (world.hz.operator, world.hz.plain_operator, world.hz.manager, world.hz.officer, world.admin,
                     world.province_manager):
        detail = browse.result_detail(actor=overseer, result_id=r.id)
        assert detail.in_scope and detail.result.id == r.id
    for outsider in (world.nb.operator, world.nb.manager, world.nb.officer, world.hz.enterprise_user,
                     world.hz.presenter):
        with pytest.raises(NotFound):
            disclosure.get_result(actor=outsider, result_id=r.id)
    # a listed result read by a non-overseer shows no trials, history is still its own
    assert not browse.result_detail(actor=world.nb.operator, result_id=world.hz.result.id).in_scope


PRESENTER_CALLS = [
    lambda a, w: browse.search_pool(actor=a),
    lambda a, w: browse.pool_owners(actor=a, city_code="330100"),
    lambda a, w: browse.iter_pool(actor=a),
    lambda a, w: browse.listed_count(actor=a),
    lambda a, w: browse.result_detail(actor=a, result_id=w.hz.result.id),
    lambda a, w: disclosure.get_result(actor=a, result_id=w.hz.result.id),
    lambda a, w: disclosure.list_my_results(actor=a),
    lambda a, w: disclosure.count_my_results(actor=a),
    lambda a, w: disclosure.licensor_options(actor=a),
    lambda a, w: disclosure.save_result(actor=a, data=form(result_owner=w.hz.licensor.id)),
    lambda a, w: disclosure.add_attachment(actor=a, result_id=w.hz.result.id, filename="a.pdf", data=b"%PDF"),
    lambda a, w: disclosure.list_attachments(actor=a, result_id=w.hz.result.id),
    lambda a, w: disclosure.read_attachment(actor=a, result_id=w.hz.result.id, attachment_id=w.hz.result.id),
    lambda a, w: approval.desk(actor=a),
    lambda a, w: approval.history(actor=a, result_id=w.hz.result.id),
    lambda a, w: approval.current_notice(actor=a, result_id=w.hz.result.id),
    lambda a, w: approval.objections_of(actor=a, result_id=w.hz.result.id),
    lambda a, w: approval.withdraw_result(actor=a, result_id=w.hz.result.id, reason="x"),
    lambda a, w: approval.advance_notices(DAY, actor=a),
    lambda a, w: three_year.flagged_results(actor=a),
    lambda a, w: three_year.iter_flagged(actor=a),
    lambda a, w: three_year.flagged_by_institution(actor=a),
    lambda a, w: three_year.should_be_in_pool_for(actor=a, result_id=w.hz.result.id),
    lambda a, w: excel.export_workbook(actor=a),
    lambda a, w: excel.export_market_csv(actor=a),
    lambda a, w: excel.import_cities(actor=a),
    lambda a, w: excel.import_results(actor=a, data=workbook([row(w.hz.licensor.credit_code)])),
]


@pytest.mark.parametrize("call", range(len(PRESENTER_CALLS)))
def test_presenters_are_refused_by_every_pool_service(world, call: int) -> None:
    before = (count(Result), count(AuditEntry))
    with pytest.raises((NotFound, PermissionDenied)):
        PRESENTER_CALLS[call](world.hz.presenter, world)
    assert (count(Result), count(AuditEntry)) == before


# --- disclosing -------------------------------------------------------------------------------------

def test_editing_is_for_the_disclosers_while_the_result_is_being_disclosed(world) -> None:
    r = draft(world)
    disclosure.save_result(actor=world.hz.operator, data=form(number=r.number, result_trl=7), result_id=r.id)
    assert reload(r.id).trl == 7
    with pytest.raises(PermissionDenied):
        disclosure.save_result(actor=world.hz.manager, data=form(number=r.number), result_id=r.id)
    with pytest.raises(NotFound):
        disclosure.save_result(actor=world.nb.officer, data=form(number=r.number), result_id=r.id)
    listed = world.hz.result
    with pytest.raises(ValidationError) as err:
        disclosure.save_result(actor=world.hz.officer, data=form(number=listed.number), result_id=listed.id)
    assert err.value.key == "pool.error.not_editable"
    with pytest.raises(NotFound):  # another city's listed result is not theirs to change either
        disclosure.save_result(actor=world.nb.operator, data=form(number=listed.number), result_id=listed.id)


def test_attachments_go_through_the_one_service_with_its_limit(world, monkeypatch) -> None:  # noqa: ANN001
    r = draft(world)
    row_ = disclosure.add_attachment(actor=world.hz.officer, result_id=r.id, filename="说明书.docx", data=b"PK..")
    assert isinstance(row_, AttachmentRow) and row_.content_type.endswith("wordprocessingml.document")
    assert disclosure.list_attachments(actor=world.hz.manager, result_id=r.id) == [row_]
    monkeypatch.setattr(attachments, "get_settings", lambda: SimpleNamespace(max_attachment_mb=1))
    with pytest.raises(ValidationError) as err:
        disclosure.add_attachment(actor=world.hz.officer, result_id=r.id, filename="大.pdf", data=b"x" * (2**20 + 1))
    assert (err.value.key, err.value.field) == ("error.file_too_large", "result_attachment")
    with pytest.raises(ValidationError) as err:  # files come with a result being disclosed, not a listed one
        disclosure.add_attachment(actor=world.hz.officer, result_id=world.hz.result.id, filename="a.pdf", data=b"%")
    assert err.value.key == "pool.error.not_editable"
    with pytest.raises(NotFound):
        disclosure.read_attachment(actor=world.hz.officer, result_id=world.hz.result.id, attachment_id=row_.id)
    assert count(Attachment) == 1


def test_the_owner_picker_and_the_service_agree(world) -> None:
    hz, nb = world.hz, world.nb
    assert [c.id for c in disclosure.licensor_options(actor=hz.operator)] == [hz.licensor.id]
    assert [c.id for c in disclosure.licensor_options(actor=nb.officer)] == [nb.licensor.id]
    assert {c.id for c in disclosure.licensor_options(actor=world.admin)} == {hz.licensor.id, nb.licensor.id}
    assert disclosure.licensor_options(actor=world.admin, query="nb大学")[0].id == nb.licensor.id
    with pytest.raises(PermissionDenied):
        disclosure.licensor_options(actor=hz.manager)
    with pytest.raises(ValidationError) as err:  # an enterprise is not a licensor
        disclosure.save_result(actor=hz.operator, data=form(result_owner=hz.enterprise.id))
    assert (err.value.key, err.value.field) == ("pool.error.owner_not_licensor", "result_owner")
    assert count(Result) == 2


# --- the approval flow --------------------------------------------------------------------------------

def test_submitting_is_the_disclosers_from_draft_returned_or_withdrawn(world) -> None:
    r = draft(world)
    with pytest.raises(PermissionDenied):
        approval.submit_result(actor=world.hz.manager, result_id=r.id)
    with pytest.raises(NotFound):
        approval.submit_result(actor=world.nb.operator, result_id=r.id)
    approval.submit_result(actor=world.hz.plain_operator, result_id=r.id)
    approval.return_result(actor=world.admin, result_id=r.id, reason="补充材料")
    approval.submit_result(actor=world.hz.officer, result_id=r.id)
    with pytest.raises(ValidationError) as err:
        approval.submit_result(actor=world.hz.officer, result_id=r.id)
    assert err.value.key == "pool.error.bad_transition"


def test_approval_is_the_institutions_or_the_provinces(world) -> None:
    r = submitted(world)
    for outsider, refusal in ((world.hz.operator, PermissionDenied), (world.hz.manager, PermissionDenied),
                              (world.nb.officer, NotFound), (world.hz.enterprise_user, NotFound)):
        with pytest.raises(refusal):
            approval.approve_result(actor=outsider, result_id=r.id)
        with pytest.raises(refusal):
            approval.return_result(actor=outsider, result_id=r.id, reason="x")
    approval.approve_result(actor=world.admin, result_id=r.id)
    assert reload(r.id).status == "approved"
    with pytest.raises(ValidationError):
        approval.approve_result(actor=world.hz.officer, result_id=r.id)


def test_notice_is_started_by_the_citys_staff_from_approved(world) -> None:
    with pytest.raises(ValidationError):
        approval.start_notice(actor=world.hz.operator, result_id=submitted(world).id, today=DAY)
    r = approved(world)
    with pytest.raises(PermissionDenied):
        approval.start_notice(actor=world.hz.officer, result_id=r.id, today=DAY)
    with pytest.raises(NotFound):
        approval.start_notice(actor=world.nb.operator, result_id=r.id, today=DAY)
    approval.start_notice(actor=world.hz.plain_operator, result_id=r.id, today=DAY)
    assert reload(r.id).status == "notice"
    assert count(AuditEntry, AuditEntry.action == "result.notice") == 1


def test_objections_are_filed_and_resolved_by_the_citys_staff(world) -> None:
    with pytest.raises(ValidationError) as err:
        approval.file_objection(actor=world.hz.operator, result_id=approved(world).id, objector_name="a",
                                objector_contact="b", reason="c", today=DAY)
    assert err.value.key == "pool.error.bad_transition"
    r = to_notice(world)
    with pytest.raises(PermissionDenied):
        approval.file_objection(actor=world.hz.officer, result_id=r.id, objector_name="a", objector_contact="b",
                                reason="c", today=DAY + timedelta(days=1))
    obj = approval.file_objection(actor=world.admin, result_id=r.id, objector_name="a", objector_contact="b",
                                  reason="c", today=DAY + timedelta(days=1))
    for outsider, refusal in ((world.hz.manager, PermissionDenied), (world.hz.officer, PermissionDenied),
                              (world.nb.operator, NotFound), (world.hz.presenter, NotFound)):
        with pytest.raises(refusal):
            approval.resolve_objection(actor=outsider, objection_id=obj.id, upheld=False, resolution="x")
    approval.resolve_objection(actor=world.hz.plain_operator, objection_id=obj.id, upheld=False, resolution="驳回",
                               today=DAY + timedelta(days=3))
    assert reload(r.id).status == "notice"


def test_withdrawal_is_the_disclosers_from_submitted_to_listed(world) -> None:
    with pytest.raises(ValidationError):
        approval.withdraw_result(actor=world.hz.officer, result_id=draft(world).id, reason="x")
    listed = world.hz.result
    with pytest.raises(PermissionDenied):
        approval.withdraw_result(actor=world.hz.manager, result_id=listed.id, reason="x")
    with pytest.raises(NotFound):
        approval.withdraw_result(actor=world.hz.enterprise_user, result_id=listed.id, reason="x")
    approval.withdraw_result(actor=world.admin, result_id=listed.id, reason="许可人决定暂停")
    assert reload(listed.id).status == "withdrawn"


def test_listing_is_the_daily_jobs(world) -> None:
    r = to_notice(world)
    for actor in (world.hz.operator, world.hz.officer, world.hz.presenter):
        with pytest.raises(PermissionDenied):
            approval.advance_notices(DAY + timedelta(days=15), actor=actor)
    assert reload(r.id).status == "notice"
    assert approval.advance_notices(DAY + timedelta(days=15)) == 1


def test_a_composite_action_runs_the_services_in_one_transaction(world) -> None:
    before = (count(Result), count(AuditEntry))
    with pytest.raises(RuntimeError), transaction() as s:
        r = disclosure.save_result.within(s, actor=world.hz.officer, data=form())
        approval.submit_result.within(s, actor=world.hz.officer, result_id=r.id)
        raise RuntimeError("the caller fails afterwards")
    assert (count(Result), count(AuditEntry)) == before


# --- what pages ask ------------------------------------------------------------------------------------

def test_desk_rows_carry_the_steps_each_user_may_take(world) -> None:
    r = submitted(world)
    row_officer = next(q for q in approval.desk(actor=world.hz.officer).to_approve if q.result_id == r.id)
    assert {"approve", "return"} <= set(allowed_actions(world.hz.officer, row_officer))
    row_operator = next(q for q in approval.desk(actor=world.hz.operator).to_approve if q.result_id == r.id)
    assert not {"approve", "return"} & set(allowed_actions(world.hz.operator, row_operator))
    assert "withdraw" in allowed_actions(world.hz.operator, row_operator)
    approval.approve_result(actor=world.hz.officer, result_id=r.id)
    waiting = approval.desk(actor=world.hz.manager).to_notice
    assert waiting and "start_notice" not in allowed_actions(world.hz.manager, waiting[0])
    assert "start_notice" in allowed_actions(world.hz.operator, approval.desk(actor=world.hz.operator).to_notice[0])
    assert may(world.hz.operator, "start_notice", "result") and not may(world.hz.officer, "start_notice", "result")
    mine = disclosure.list_my_results(actor=world.hz.officer, status="approved").rows
    steps = set(allowed_actions(world.hz.officer, mine[0]))
    assert "withdraw" in steps and not {"edit", "attach", "submit", "approve", "start_notice"} & steps


def test_desk_counts_paused_notices_and_only_open_objections(world) -> None:
    obj = objected(world)  # paused
    to_notice(world)  # running
    totals = approval.desk(actor=world.hz.operator).totals
    assert (totals["in_notice"], totals["objections"]) == (2, 1)
    approval.resolve_objection(actor=world.hz.operator, objection_id=obj.id, upheld=False, resolution="驳回",
                               today=DAY + timedelta(days=4))
    totals = approval.desk(actor=world.hz.officer).totals
    assert (totals["in_notice"], totals["objections"]) == (2, 0)
    assert approval.desk(actor=world.nb.operator).totals == {"to_approve": 0, "to_notice": 0, "in_notice": 0,
                                                             "objections": 0}
    for nobody in (world.hz.enterprise_user, world.hz.presenter):
        with pytest.raises(PermissionDenied):
            approval.desk(actor=nobody)
    rows = approval.objections_of(actor=world.hz.officer, result_id=obj.result_id)
    assert [(o.status, o.pending) for o in rows] == [("dismissed", False)]


def test_home_counts_come_from_the_lists(world) -> None:
    draft(world)
    assert disclosure.count_my_results(actor=world.hz.officer) == disclosure.list_my_results(actor=world.hz.officer).total == 2
    assert disclosure.count_my_results(actor=world.hz.operator, status="listed") == 1
    assert browse.listed_count(actor=world.hz.enterprise_user) == browse.search_pool(actor=world.hz.enterprise_user).total == 2
    assert browse.listed_count(actor=world.admin, filters=browse.PoolFilter(city_code="330200")) == 1


# --- shared pieces ---------------------------------------------------------------------------------------

def test_the_pool_search_uses_the_index_tokenizer(world, monkeypatch) -> None:  # noqa: ANN001
    make_result(world.hz.licensor, title="一种高导热石墨烯复合散热膜", keywords="石墨烯,散热")
    query = "高导热的石墨烯"
    assert browse.query_words(query) == list(dict.fromkeys(text.tokens(query)))
    assert "的" not in browse.query_words(query)  # jieba's default words kept it and found nothing
    monkeypatch.setattr(browse, "_ranked", lambda _text: None)  # the LIKE path, as before the index is built
    assert [r.title for r in browse.search_pool(actor=world.hz.enterprise_user,
                                                filters=browse.PoolFilter(text=query)).rows] == ["一种高导热石墨烯复合散热膜"]
    assert browse.search_pool(actor=world.hz.enterprise_user, filters=browse.PoolFilter(text="100%_")).total == 0


def test_an_export_with_formula_like_text_imports_back_unchanged(world) -> None:
    make_result(world.hz.licensor, title="=HYPERLINK(\"x\")风险成果", abstract="-40℃ 低温启动", keywords="+号")
    data = excel.export_workbook(actor=world.hz.operator, filters=browse.PoolFilter(city_code="330100"))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert any(str(c.value).startswith("'=") for c in sheet["C"])  # shown as text, never run
    report = excel.import_results(actor=world.hz.operator, data=data)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


def test_an_import_row_error_names_row_and_column_in_the_users_language(world) -> None:
    with pytest.raises(ImportFailed) as err:
        excel.import_results(actor=world.hz.officer, data=workbook([row(world.nb.licensor.credit_code)]))
    assert [(e.row, e.column, e.reason) for e in err.value.errors] == [(2, "权利人统一社会信用代码",
                                                                      "该单位不在您的管辖范围内。")]
    assert excel.import_results(actor=world.hz.officer, data=workbook([row(world.hz.licensor.credit_code)])).created == 1
    assert excel.import_cities(actor=world.hz.operator) == ["330100"] and len(excel.import_cities(actor=world.admin)) == 11
    with pytest.raises(PermissionDenied):
        excel.import_cities(actor=world.hz.manager)


def test_lists_clamp_a_page_past_the_end(world) -> None:
    for i in range(3):
        make_result(world.hz.licensor, title=f"翻页成果{i}", status="draft")
    page = disclosure.list_my_results(actor=world.hz.operator, page=9, page_size=2)
    assert (page.number, page.pages, page.total, len(page.rows)) == (2, 2, 4, 2)
    pool = browse.search_pool(actor=world.hz.enterprise_user, page=5, page_size=1)
    assert (pool.number, pool.total, len(pool.rows)) == (2, 2, 1)
    flagged = three_year.flagged_results(actor=world.hz.operator, today=date(2026, 5, 11), page=3)
    assert (flagged.number, flagged.total) == (1, 0)


def test_the_table_names_its_steps() -> None:
    assert set(RESULT.actions) >= {"read", "oversee", "create", "edit", "attach", "import", "submit", "approve",
                                   "return", "start_notice", "file_objection", "resume", "withdraw", "list"}
