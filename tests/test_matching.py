"""Match records: recording, stage transitions allowed and refused, follow-ups, pipeline, scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from db.engine import read_session
from db.models import AuditEntry, Demand, Intent, Match, PointsEvent
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.hub import demands
from portal.hub import matches as matching


def _match(world, city=None, **kw):
    c = city or world.hz
    args = dict(actor=c.operator, result_id=c.result.id, enterprise_org_id=c.enterprise.id, channel="visit",
                contact_date=today(), people="王工、李经理", notes="首次上门")
    args.update(kw)
    return matching.record_match(**args)


def _count(model) -> int:
    with read_session() as s:
        return len(s.exec(select(model)).all())


def test_record_match_sets_city_agency_audit_and_marks_the_demand(world) -> None:
    d = demands.create_demand(actor=world.hz.enterprise_user,
                              data={"title": "电池鼓包", "field": "new_energy", "cooperation": "trial"})
    m = _match(world, demand_id=d.id, next_follow_up=today() + timedelta(days=7))
    assert (m.stage, m.city_code, m.agency_id) == ("contacted", "330100", world.hz.agency.id)
    with read_session() as s:
        assert s.get(Demand, d.id).status == "matched"
        actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.entity_id == str(m.id))).all()]
    assert actions == ["match.record"]
    with read_session() as s:  # the agency earns its points (issue 8's ledger, city weight)
        events = s.exec(select(PointsEvent).where(PointsEvent.kind == "match_recorded")).all()
    assert [(e.agency_id, e.points) for e in events] == [(world.hz.agency.id, 1)]


@pytest.mark.parametrize(("kw", "field"), [
    ({"channel": "fax"}, "match_channel"),
    ({"contact_date": today() + timedelta(days=1)}, "match_contact_date"),
    ({"next_follow_up": today() - timedelta(days=3)}, "match_next_follow_up"),
])
def test_bad_input_is_refused_and_nothing_is_written(world, kw, field) -> None:
    with pytest.raises(ValidationError) as err:
        _match(world, **kw)
    assert err.value.field == field
    assert _count(Match) == 0


def test_only_operators_and_province_record(world) -> None:
    for actor in (world.hz.enterprise_user, world.hz.manager, world.hz.officer):
        with pytest.raises(PermissionDenied):
            _match(world, actor=actor)
    with pytest.raises(ValidationError) as err:
        _match(world, actor=world.admin)  # the province names the agency
    assert err.value.field == "agency"
    assert _match(world, actor=world.admin, agency_id=world.nb.agency.id).city_code == "330200"


def test_intent_becomes_one_match(world) -> None:
    from tests.factories import save

    intent = Intent(result_id=world.hz.result.id, city_code="330100", company_name="hz恒拓科技有限公司",
                    credit_code=world.hz.enterprise.credit_code, contact_person="张三", phone="13800000000")
    save(intent)
    m = _match(world, intent_id=intent.id, channel="roadshow")
    assert m.intent_id == intent.id
    with pytest.raises(ValidationError) as err:
        _match(world, intent_id=intent.id)
    assert err.value.key == "matching.error.intent_already_matched"
    assert _count(Match) == 1


def test_transitions_forward_allowed_backward_and_after_final_refused(world) -> None:
    m = _match(world)
    m = matching.move_stage(actor=world.hz.operator, match_id=m.id, stage="interested")
    m = matching.move_stage(actor=world.hz.operator, match_id=m.id, stage="trial")  # pilot may be skipped
    with pytest.raises(ValidationError) as err:
        matching.move_stage(actor=world.hz.operator, match_id=m.id, stage="contacted")
    assert (err.value.key, err.value.field) == ("matching.error.bad_transition", "match_stage")
    m = matching.move_stage(actor=world.hz.operator, match_id=m.id, stage="converted")
    with pytest.raises(ValidationError):
        matching.move_stage(actor=world.hz.operator, match_id=m.id, stage="dropped", drop_reason="price")
    assert matching.get_match(actor=world.hz.operator, match_id=m.id).stage == "converted"


def test_dropping_needs_a_reason_from_the_list(world) -> None:
    m = _match(world)
    for reason in (None, "bored"):
        with pytest.raises(ValidationError) as err:
            matching.move_stage(actor=world.hz.operator, match_id=m.id, stage="dropped", drop_reason=reason)
        assert err.value.field == "match_drop_reason"
    assert matching.get_match(actor=world.hz.operator, match_id=m.id).stage == "contacted"
    m = matching.move_stage(actor=world.hz.operator, match_id=m.id, stage="dropped", drop_reason="timing",
                            note="企业明年再议")
    assert (m.stage, m.drop_reason, m.next_follow_up) == ("dropped", "timing", None)
    assert "企业明年再议" in m.notes


def test_follow_up_log_and_overdue_pipeline(world) -> None:
    late = _match(world, contact_date=today() - timedelta(days=20), next_follow_up=today() - timedelta(days=2))
    _match(world, next_follow_up=today() + timedelta(days=5))
    board = {c.stage: c for c in matching.pipeline(actor=world.hz.operator)}
    assert (board["contacted"].total, board["contacted"].overdue) == (2, 1)
    rows = matching.list_matches(actor=world.hz.operator, overdue_only=True).rows
    assert [r.id for r in rows] == [late.id] and rows[0].overdue
    matching.log_follow_up(actor=world.hz.operator, match_id=late.id, note="电话回访，企业要样品",
                           next_follow_up=today() + timedelta(days=3))
    assert matching.pipeline(actor=world.hz.operator)[0].overdue == 0
    with pytest.raises(ValidationError) as err:
        matching.log_follow_up(actor=world.hz.operator, match_id=late.id, note="x",
                               next_follow_up=today() - timedelta(days=1))
    assert err.value.field == "match_next_follow_up"


def test_tenancy_hangzhou_cannot_read_or_change_ningbo(world) -> None:
    nb = _match(world, city=world.nb)
    with pytest.raises(NotFound):
        matching.get_match(actor=world.hz.operator, match_id=nb.id)
    with pytest.raises(NotFound):
        matching.move_stage(actor=world.hz.operator, match_id=nb.id, stage="interested")
    with pytest.raises(NotFound):
        matching.log_follow_up(actor=world.hz.operator, match_id=nb.id, note="x", next_follow_up=None)
    nb_demand = demands.create_demand(actor=world.nb.enterprise_user,
                                      data={"title": "x需求", "field": "ai", "cooperation": "trial"})
    with pytest.raises(NotFound):
        _match(world, demand_id=nb_demand.id)
    assert matching.list_matches(actor=world.hz.operator).rows == []
    assert [r.id for r in matching.list_matches(actor=world.admin).rows] == [nb.id]
    assert sum(c.total for c in matching.pipeline(actor=world.hz.operator)) == 0
    # the enterprise sees the matches that involve it
    assert [r.id for r in matching.list_matches(actor=world.nb.enterprise_user).rows] == [nb.id]
    assert matching.get_match(actor=world.nb.operator, match_id=nb.id).stage == "contacted"


def test_agency_choices_put_the_results_city_first_for_the_province(world) -> None:
    from tests.factories import make_agency

    extra = make_agency("nb第二服务站", "330200")
    wenzhou = make_agency("wz技术转移中心", "330300")
    names = [a.name for a in matching.agency_choices(actor=world.admin, result_id=world.nb.result.id)]
    assert set(names[:2]) == {"nb技术转移中心", "nb第二服务站"}  # within a city by name (collation may differ)
    assert set(names[2:]) == {"hz技术转移中心", "wz技术转移中心"} and len(names) == 4
    by_city = matching.agency_choices(actor=world.admin, city_code="330300")
    assert by_city[0].id == wenzhou.id
    # an operator only ever records for its own agency; readers get nothing to pick
    assert [a.id for a in matching.agency_choices(actor=world.hz.operator, result_id=world.nb.result.id)] \
        == [world.hz.agency.id]
    assert matching.agency_choices(actor=world.hz.manager) == []
    m = _match(world, actor=world.admin, agency_id=extra.id)
    assert (m.agency_id, m.city_code) == (extra.id, "330200")
