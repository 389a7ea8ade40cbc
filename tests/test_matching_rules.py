"""The demand workflow (portal.hub.rules.DEMAND) allowed and refused, pickers that agree with the
services they feed, presenters and officers refused by every hub and recommendation service,
the all-or-nothing import through the one spreadsheet pipeline, and lists paged once."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import event
from sqlmodel import select

from db.engine import get_engine, read_session
from db.models import AuditEntry, Demand, Match
from portal.core import directory
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.spreadsheet import ImportFailed, error_workbook
from portal.core.workflow import allowed_actions, may
from portal.hub import demand_sheets, demands
from portal.hub import matches as matching
from portal.search import recommend
from tests.factories import make_org

GOOD = {"title": "电池用了半年就鼓起来了", "description": "续航掉得厉害", "field": "new_materials",
        "cooperation": "trial"}


def _count(model) -> int:
    with read_session() as s:
        return len(s.exec(select(model)).all())


def _demand(actor, **kw):
    return demands.create_demand(actor=actor, data={**GOOD, **kw.pop("data", {})}, **kw)


# --- who posts, edits, closes and reads -----------------------------------------------------------

def test_who_posts_a_demand_and_for_whom(world) -> None:
    own = _demand(world.hz.enterprise_user)
    assert own.enterprise_org_id == world.hz.enterprise.id  # an enterprise posts for itself
    with pytest.raises(ValidationError) as err:  # …and for no other enterprise
        _demand(world.hz.enterprise_user, enterprise_org_id=world.nb.enterprise.id)
    assert (err.value.key, err.value.field) == ("error.organization_out_of_reach", "match_enterprise")
    assert _demand(world.hz.plain_operator, enterprise_org_id=world.hz.enterprise.id).city_code == "330100"
    assert _demand(world.admin, enterprise_org_id=world.nb.enterprise.id).city_code == "330200"
    with pytest.raises(ValidationError) as err:  # staff name the enterprise
        _demand(world.hz.operator)
    assert err.value.field == "match_enterprise"
    with pytest.raises(ValidationError) as err:  # a licensor is no enterprise
        _demand(world.hz.operator, enterprise_org_id=world.hz.licensor.id)
    assert err.value.field == "match_enterprise"
    for actor in (world.hz.manager, world.hz.officer, world.hz.presenter, world.province_manager):
        with pytest.raises(PermissionDenied):
            _demand(actor, enterprise_org_id=world.hz.enterprise.id)
    assert _count(Demand) == 3


def test_who_reads_a_demand(world) -> None:
    hz, nb = _demand(world.hz.enterprise_user), _demand(world.nb.enterprise_user)
    other = make_org("hz另一家企业", "enterprise", "330100")
    theirs = _demand(world.hz.operator, enterprise_org_id=other.id)
    readers = {world.admin: {hz.id, nb.id, theirs.id}, world.province_manager: {hz.id, nb.id, theirs.id},
               world.hz.operator: {hz.id, theirs.id}, world.hz.manager: {hz.id, theirs.id},
               world.hz.enterprise_user: {hz.id}, world.nb.manager: {nb.id}}
    for actor, ids in readers.items():
        assert {r.id for r in demands.list_demands(actor=actor).rows} == ids, actor.username
    for actor in (world.hz.manager, world.hz.enterprise_user):
        with pytest.raises(NotFound):
            demands.get_demand(actor=actor, demand_id=nb.id)
    with pytest.raises(NotFound):  # an enterprise does not read another enterprise's demand of its city
        demands.get_demand(actor=world.hz.enterprise_user, demand_id=theirs.id)
    assert demands.get_demand(actor=world.hz.manager, demand_id=hz.id).title == GOOD["title"]
    for actor in (world.hz.presenter, world.hz.officer):  # no business with demands
        with pytest.raises(PermissionDenied):
            demands.list_demands(actor=actor)
        with pytest.raises(PermissionDenied):
            demands.get_demand(actor=actor, demand_id=hz.id)


def test_edits_and_status_moves_follow_the_table(world) -> None:
    d = _demand(world.hz.enterprise_user)
    changed = demands.update_demand(actor=world.hz.enterprise_user, demand_id=d.id,
                                    data={**GOOD, "title": "电池鼓包"})
    assert changed.title == "电池鼓包" and "电池" in changed.terms
    with pytest.raises(PermissionDenied):
        demands.update_demand(actor=world.hz.manager, demand_id=d.id, data=GOOD)
    with pytest.raises(NotFound):
        demands.update_demand(actor=world.nb.operator, demand_id=d.id, data=GOOD)
    with pytest.raises(NotFound):
        demands.update_demand(actor=world.nb.enterprise_user, demand_id=d.id, data=GOOD)
    with pytest.raises(PermissionDenied):
        demands.set_demand_status(actor=world.hz.manager, demand_id=d.id, status="closed")
    with pytest.raises(ValidationError) as err:  # only a closed demand is reopened
        demands.set_demand_status(actor=world.hz.operator, demand_id=d.id, status="open")
    assert (err.value.key, err.value.field) == ("demands.error.bad_status", "demand_status")
    assert demands.set_demand_status(actor=world.hz.enterprise_user, demand_id=d.id, status="closed").status \
        == "closed"
    with pytest.raises(ValidationError):  # closed already
        demands.set_demand_status(actor=world.hz.operator, demand_id=d.id, status="closed")
    with pytest.raises(ValidationError):  # a closed demand is not matched by hand
        demands.set_demand_status(actor=world.hz.operator, demand_id=d.id, status="matched")
    reopened = demands.set_demand_status(actor=world.hz.operator, demand_id=d.id, status="open", reason="企业追加")
    assert reopened.status == "open"
    with read_session() as s:
        trail = [tuple(e) for e in s.exec(select(AuditEntry.action, AuditEntry.reason)
                                          .where(AuditEntry.entity_id == str(d.id))).all()]
    assert Counter(trail) == Counter([("demand.create", None), ("demand.update", None), ("demand.status", None),
                                      ("demand.status", "企业追加")])


def test_recording_a_match_marks_an_open_demand_matched_and_leaves_a_closed_one(world) -> None:
    def record(demand):
        return matching.record_match(actor=world.hz.operator, result_id=world.hz.result.id, demand_id=demand.id,
                                     enterprise_org_id=world.hz.enterprise.id, channel="visit", contact_date=today())

    d = _demand(world.hz.enterprise_user)
    record(d)
    assert demands.get_demand(actor=world.hz.operator, demand_id=d.id).status == "matched"
    with read_session() as s:
        assert sorted(s.exec(select(AuditEntry.action).where(AuditEntry.entity_id == str(d.id))).all()) \
            == ["demand.create", "demand.matched"]
    shut = _demand(world.hz.enterprise_user)
    demands.set_demand_status(actor=world.hz.operator, demand_id=shut.id, status="closed")
    record(shut)
    assert demands.get_demand(actor=world.hz.operator, demand_id=shut.id).status == "closed"


def test_pages_learn_the_buttons_from_the_table(world) -> None:
    d = _demand(world.hz.enterprise_user)
    row = demands.get_demand(actor=world.hz.operator, demand_id=d.id)
    assert allowed_actions(world.hz.operator, row) == ["create", "update", "match", "close"]
    assert allowed_actions(world.hz.enterprise_user, row) == ["create", "update", "close"]
    assert allowed_actions(world.hz.manager, row) == []
    assert allowed_actions(world.nb.operator, row) == []
    demands.set_demand_status(actor=world.hz.operator, demand_id=d.id, status="closed")
    closed = demands.get_demand(actor=world.hz.operator, demand_id=d.id)
    assert allowed_actions(world.hz.operator, closed) == ["create", "update", "reopen"]
    assert [may(a, "create", "demand") for a in (world.hz.operator, world.hz.enterprise_user, world.admin,
                                                 world.hz.manager, world.hz.officer, world.hz.presenter)] \
        == [True, True, True, False, False, False]
    assert [demands.picks_enterprise(actor=a) for a in (world.hz.operator, world.admin, world.hz.enterprise_user,
                                                         world.hz.manager)] == [True, True, False, False]


# --- pickers and the services they feed agree -------------------------------------------------------

def test_demand_picker_and_create_demand_agree(world) -> None:
    hz2 = make_org("杭州第二企业", "enterprise", "330100")
    offered = {c.id for c in demands.enterprise_options(actor=world.nb.operator, query="")}
    assert offered == {world.nb.enterprise.id}  # Ningbo's picker offers no Hangzhou enterprise
    assert demands.enterprise_options(actor=world.nb.operator, query="杭州") == []
    for org_id in offered:  # what the picker offers, the service takes
        assert _demand(world.nb.operator, enterprise_org_id=org_id).city_code == "330200"
    for org_id in (world.hz.enterprise.id, hz2.id):  # what it does not, the service refuses naming the field
        with pytest.raises(ValidationError) as err:
            _demand(world.nb.operator, enterprise_org_id=org_id)
        assert (err.value.key, err.value.field) == ("error.organization_out_of_reach", "match_enterprise")
    assert {c.id for c in demands.enterprise_options(actor=world.admin, query="")} \
        == {world.hz.enterprise.id, world.nb.enterprise.id, hz2.id}
    assert _count(Demand) == 1


def test_match_picker_and_record_match_agree(world) -> None:
    offered = directory.enterprises(actor=world.nb.operator, query="")  # the matches page's picker
    assert [c.id for c in offered] == [world.nb.enterprise.id]
    with pytest.raises(ValidationError) as err:
        matching.record_match(actor=world.nb.operator, result_id=world.hz.result.id,
                              enterprise_org_id=world.hz.enterprise.id, channel="visit", contact_date=today())
    assert (err.value.key, err.value.field) == ("error.organization_out_of_reach", "match_enterprise")
    assert _count(Match) == 0
    m = matching.record_match(actor=world.nb.operator, result_id=world.hz.result.id,
                              enterprise_org_id=offered[0].id, channel="visit", contact_date=today())
    assert m.city_code == "330200"


# --- presenters (and institution officers) have no business in the hub ----------------------------

def test_presenters_and_officers_are_refused_by_every_hub_service(world) -> None:
    d = _demand(world.hz.enterprise_user)
    m = matching.record_match(actor=world.hz.operator, result_id=world.hz.result.id, demand_id=d.id,
                              enterprise_org_id=world.hz.enterprise.id, channel="visit", contact_date=today())
    calls = {
        "list_demands": lambda a: demands.list_demands(actor=a),
        "get_demand": lambda a: demands.get_demand(actor=a, demand_id=d.id),
        "create_demand": lambda a: _demand(a, enterprise_org_id=world.hz.enterprise.id),
        "update_demand": lambda a: demands.update_demand(actor=a, demand_id=d.id, data=GOOD),
        "set_demand_status": lambda a: demands.set_demand_status(actor=a, demand_id=d.id, status="closed"),
        "enterprise_options": lambda a: demands.enterprise_options(actor=a),
        "picks_enterprise": lambda a: demands.picks_enterprise(actor=a),
        "import_demands": lambda a: demand_sheets.import_demands(actor=a, data=b"x"),
        "export_demands": lambda a: demand_sheets.export_demands(actor=a),
        "recommend_for_demand": lambda a: recommend.recommend_for_demand(actor=a, demand_id=d.id),
        "recommend_for_result": lambda a: recommend.recommend_for_result(actor=a, result_id=world.hz.result.id),
        "find_listed_results": lambda a: recommend.find_listed_results(actor=a, query="锂电池"),
        "list_matches": lambda a: matching.list_matches(actor=a),
        "get_match": lambda a: matching.get_match(actor=a, match_id=m.id),
        "pipeline": lambda a: matching.pipeline(actor=a),
        "agency_choices": lambda a: matching.agency_choices(actor=a, result_id=world.hz.result.id),
        "record_match": lambda a: matching.record_match(actor=a, result_id=world.hz.result.id,
                                                        enterprise_org_id=world.hz.enterprise.id,
                                                        channel="visit", contact_date=today()),
        "move_stage": lambda a: matching.move_stage(actor=a, match_id=m.id, stage="interested"),
        "log_follow_up": lambda a: matching.log_follow_up(actor=a, match_id=m.id, note="x",
                                                          next_follow_up=today() + timedelta(days=1)),
    }
    for actor in (world.hz.presenter, world.nb.presenter, world.hz.officer):
        for name, call in calls.items():
            with pytest.raises((NotFound, PermissionDenied)):
                call(actor)
                pytest.fail(f"{actor.username} may call {name}")
    with read_session() as s:
        assert (s.get(Demand, d.id).status, s.get(Match, m.id).stage) == ("matched", "contacted")
    assert (_count(Demand), _count(Match)) == (1, 1)


def test_managers_read_recommendations_of_their_city_only(world) -> None:
    hz, nb = _demand(world.hz.enterprise_user), _demand(world.nb.enterprise_user)
    assert recommend.recommend_for_demand(actor=world.hz.manager, demand_id=hz.id)
    with pytest.raises(NotFound):
        recommend.recommend_for_demand(actor=world.hz.manager, demand_id=nb.id)
    fits = recommend.recommend_for_result(actor=world.hz.manager, result_id=world.nb.result.id)
    assert [f.demand_id for f in fits] == [hz.id]
    assert {c.id for c in recommend.find_listed_results(actor=world.hz.manager, query="锂电池")} \
        == {world.hz.result.id, world.nb.result.id}  # listed results are the whole province's
    assert matching.agency_choices(actor=world.hz.manager) == []  # a reader records for no agency


# --- the import: all or nothing, every problem in the user's language ------------------------------

HEADER_EN = ["Unified social credit code", "Demand title", "Description", "Technology field", "County",
             "Budget from (yuan)", "Budget up to (yuan)", "Wanted by", "Preferred cooperation"]


def _book(header: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_bad_file_is_refused_whole_with_every_problem_in_english(world) -> None:
    code = world.hz.enterprise.credit_code
    rows = [
        [code, "Glue does not set in winter", "", "Green chemicals", "", 1000, 2000, "2027-01-31", "Trial"],
        [code, "", "", "astrology", "", 5000, 100, None, "barter"],  # four problems on one row
        ["91330106MA27XXXXXX", "x", "", "AI", "", None, None, None, "Trial"],  # a malformed credit code
        [world.nb.enterprise.credit_code, "Ningbo's", "", "AI", "", None, None, None, "Trial"],
    ]
    with pytest.raises(ImportFailed) as err:
        demand_sheets.import_demands(actor=world.hz.operator, data=_book(HEADER_EN, rows), lang="en")
    problems = [(e.row, e.column) for e in err.value.errors]
    assert problems == [(3, "Budget up to (yuan)"), (3, "Demand title"), (3, "Preferred cooperation"),
                        (3, "Technology field"), (4, "Unified social credit code"),
                        (5, "Unified social credit code")]
    assert "nothing was imported" in err.value.message("en")
    assert all(e.reason.isascii() for e in err.value.errors)  # the reasons are in English too
    assert _count(Demand) == 0
    sheet = load_workbook(io.BytesIO(error_workbook(err.value.errors, "en"))).worksheets[0]
    assert list(sheet.iter_rows(values_only=True))[1][:2] == (3, "Budget up to (yuan)")


def test_an_enterprise_imports_only_its_own_demands(world) -> None:
    header = [c.header("zh") for c in demand_sheets.COLUMNS]
    mine = [world.hz.enterprise.credit_code, "冬天胶水不干", "", "化工", "", None, None, None, "试用"]
    theirs = [world.nb.enterprise.credit_code, "宁波的需求", "", "化工", "", None, None, None, "试用"]
    with pytest.raises(ImportFailed) as err:
        demand_sheets.import_demands(actor=world.hz.enterprise_user, data=_book(header, [mine, theirs]))
    assert [(e.row, e.column) for e in err.value.errors] == [(3, "统一社会信用代码")]
    assert demand_sheets.import_demands(actor=world.hz.enterprise_user, data=_book(header, [mine])) == 1
    with read_session() as s:
        assert s.exec(select(AuditEntry.action).where(AuditEntry.entity == "demand")).all() == ["demand.import"]
    with pytest.raises(PermissionDenied):
        demand_sheets.import_demands(actor=world.hz.manager, data=_book(header, [mine]))


def test_missing_columns_name_each_one(world) -> None:
    with pytest.raises(ImportFailed) as err:
        demand_sheets.import_demands(actor=world.hz.operator, data=_book(["需求标题"], [["x"]]))
    assert [(e.row, e.column) for e in err.value.errors] == [(1, "技术领域"), (1, "统一社会信用代码")]


def test_the_english_export_imports_back_whole(world) -> None:
    _demand(world.hz.enterprise_user, data={"county": "西湖区", "budget_min": "1000", "budget_max": "2000.50",
                                            "wanted_by": "2027-05-01", "cooperation": ["trial", "transfer"]})
    data = demand_sheets.export_demands(actor=world.hz.operator, lang="en")
    assert demand_sheets.import_demands(actor=world.hz.operator, data=data, lang="en") == 1
    rows = demands.list_demands(actor=world.hz.operator).rows
    first, second = ((r.county_code, r.budget_min, r.budget_max, r.wanted_by, r.cooperation, r.field)
                     for r in rows)
    assert first == second
    template = load_workbook(io.BytesIO(demand_sheets.import_template(lang="en"))).worksheets[0]
    assert [c.value for c in template[1]] == HEADER_EN


# --- lists paged once ------------------------------------------------------------------------------

def _counting(statements: list[str]):
    def note(conn, cursor, statement, *args):  # noqa: ANN001, ANN202
        statements.append(statement.lower())
    return note


def test_lists_count_once_and_clamp_the_page(world) -> None:
    for i in range(5):
        _demand(world.hz.enterprise_user, data={"title": f"需求{i}"})
        matching.record_match(actor=world.hz.operator, result_id=world.hz.result.id,
                              enterprise_org_id=world.hz.enterprise.id, channel="visit",
                              contact_date=today() - timedelta(days=i))
    seen: list[str] = []
    listener = _counting(seen)
    event.listen(get_engine(), "before_cursor_execute", listener)
    try:
        page = demands.list_demands(actor=world.hz.operator, page=9, page_size=2)
        matches = matching.list_matches(actor=world.hz.operator, page=9, page_size=2)
    finally:
        event.remove(get_engine(), "before_cursor_execute", listener)
    assert (page.total, page.number, page.pages, len(page.rows)) == (5, 3, 3, 1)
    assert (matches.total, matches.number, len(matches.rows)) == (5, 3, 1)
    assert sum("count(" in q for q in seen) == 2  # one count per list
    assert demands.list_demands(actor=world.hz.operator, page=0, page_size=2).number == 1
    everything = [r.id for n in (1, 2, 3) for r in matching.list_matches(actor=world.hz.operator, page=n,
                                                                          page_size=2).rows]
    assert len(set(everything)) == 5  # the pages cover the list once
