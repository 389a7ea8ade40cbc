"""Pilot testing on the workflow core (issue 14), both databases: who may do what with platforms
and bookings (`portal.pilot.rules`), the booking form's pickers offering exactly what
`book_pilot` accepts (the Ningbo operator who booked a Hangzhou enterprise), the report through
the one attachments service, and the bookings list paged once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session

from db.engine import get_engine
from db.models import (
    Attachment,
    AuditEntry,
    Match,
    NumberCounter,
    PilotBooking,
    PilotResource,
    Result,
)
from db.models.enums import BookingStatus, DropReason, MatchStage
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.settings import get_settings
from portal.core.workflow import allowed_actions, may
from portal.pilot import bookings as bk
from portal.pilot import calendar as calv
from portal.pilot import platforms as pf
from portal.pilot.rules import BOOKING, LIFECYCLE, PLATFORM
from portal.ui.pilot_forms import actions_for
from tests.factories import make_org, make_result, save
from tests.test_pilot import book, count, day, make_platform


def _tables() -> tuple[int, ...]:
    """Row counts a refused booking must leave as they were."""
    return tuple(count(m) for m in (PilotBooking, AuditEntry, NumberCounter, Attachment))


# --- the Ningbo booking of a Hangzhou enterprise (the defect) -------------------------------------

def test_a_ningbo_operator_neither_finds_nor_books_a_hangzhou_enterprise(world) -> None:
    hz, nb = world.hz, world.nb
    platform, res = make_platform(nb)
    hangzhou = make_org("杭州某某精密制造有限公司", "enterprise", hz.code)
    picked = bk.enterprise_options(actor=nb.operator, platform_id=platform.id, query="杭州")
    assert picked == []  # the picker offers the platform's city only
    assert [o.id for o in bk.enterprise_options(actor=nb.operator, platform_id=platform.id, query="恒拓")] \
        == [nb.enterprise.id]
    before = _tables()
    with pytest.raises(ValidationError) as err:
        book(nb, res, 1, 2, enterprise=hangzhou)
    assert (err.value.key, err.value.field) == ("error.organization_out_of_reach", "pilot_enterprise")
    assert _tables() == before  # nothing written, no number taken
    booking = book(nb, res, 1, 2)  # the city's own enterprise is booked
    assert (booking.enterprise_org_id, booking.city_code) == (nb.enterprise.id, nb.code)


def test_the_province_books_enterprises_of_the_platforms_city_only(world) -> None:
    hz, nb = world.hz, world.nb
    platform, res = make_platform(nb)
    offered = {o.id for o in bk.enterprise_options(actor=world.admin, platform_id=platform.id)}
    assert nb.enterprise.id in offered and hz.enterprise.id not in offered
    with pytest.raises(ValidationError) as err:
        book(nb, res, 1, 2, actor=world.admin, enterprise=hz.enterprise)
    assert (err.value.key, err.value.field) == ("error.organization_out_of_reach", "pilot_enterprise")
    assert count(PilotBooking) == 0
    assert book(nb, res, 1, 2, actor=world.admin).enterprise_org_id == nb.enterprise.id


def test_only_enterprises_are_booked(world) -> None:
    hz = world.hz
    platform, res = make_platform(hz)
    assert hz.licensor.id not in {o.id for o in bk.enterprise_options(actor=hz.operator, platform_id=platform.id)}
    with pytest.raises(ValidationError) as err:
        book(hz, res, 1, 2, enterprise=hz.licensor)
    assert (err.value.key, err.value.field) == ("error.no_such_organization", "pilot_enterprise")


# --- results and matches: the picker offers what book_pilot accepts, and nothing else -------------

def _accepted(city, res, result: Result, actor) -> bool:  # noqa: ANN001
    try:
        bk.book_pilot(actor=actor, resource_id=res.id, enterprise_org_id=city.enterprise.id, result_id=result.id,
                      start_date=day(1), end_date=day(1))
    except ValidationError as exc:
        assert exc.field == "pilot_result", exc
        return False
    return True


def test_result_picker_and_book_pilot_agree(world) -> None:
    hz, nb = world.hz, world.nb
    _, res = make_platform(hz, capacity=100)
    results = {
        "hz listed": hz.result, "nb listed": nb.result,
        "hz approved": make_result(hz.licensor, status="approved", title="hz待公示成果"),
        "hz notice": make_result(hz.licensor, status="notice", title="hz公示中成果"),
        "nb approved": make_result(nb.licensor, status="approved", title="nb待公示成果"),
        "nb paused": make_result(nb.licensor, status="paused", title="nb暂停成果"),
        "hz draft": make_result(hz.licensor, status="draft", title="hz草稿成果"),
        "nb withdrawn": make_result(nb.licensor, status="withdrawn", title="nb撤回成果"),
    }
    offered = {o.id for q in ("hz", "nb") for o in bk.result_options(actor=hz.operator, query=q, limit=200)}
    accepted = {name for name, r in results.items() if _accepted(hz, res, r, hz.operator)}
    assert accepted == {"hz listed", "nb listed", "hz approved", "hz notice"}
    assert {name for name, r in results.items() if r.id in offered} == accepted
    with pytest.raises(ValidationError) as err:
        _bad = results["nb approved"]
        bk.book_pilot(actor=hz.operator, resource_id=res.id, enterprise_org_id=hz.enterprise.id,
                      result_id=_bad.id, start_date=day(1), end_date=day(1))
    assert err.value.key == "pilot.error.result_out_of_reach"
    # the province reaches every city's unlisted results
    province = {name for name, r in results.items() if _accepted(hz, res, r, world.admin)}
    assert province == {"hz listed", "nb listed", "hz approved", "hz notice", "nb approved", "nb paused"}
    offered = {o.id for o in bk.result_options(actor=world.admin, limit=200)}
    assert {name for name, r in results.items() if r.id in offered} == province


def _match(city, enterprise, stage: str = MatchStage.CONTACTED) -> Match:  # noqa: ANN001
    match = Match(result_id=city.result.id, enterprise_org_id=enterprise.id, agency_id=city.agency.id,
                  city_code=city.code, channel="visit", contact_date=today(), stage=stage,
                  drop_reason=DropReason.FIT if stage == MatchStage.DROPPED else None)
    save(match)
    return match


def test_match_picker_and_book_pilot_agree(world) -> None:
    hz = world.hz
    platform, res = make_platform(hz, capacity=10)
    open_one, at_trial = _match(hz, hz.enterprise), _match(hz, hz.enterprise, MatchStage.TRIAL)
    dropped, converted = _match(hz, hz.enterprise, MatchStage.DROPPED), _match(hz, hz.enterprise, MatchStage.CONVERTED)
    offered = {o.id for o in bk.match_options(actor=hz.operator, platform_id=platform.id,
                                              enterprise_org_id=hz.enterprise.id, result_id=hz.result.id)}
    assert offered == {open_one.id, at_trial.id}
    for closed in (dropped, converted):
        with pytest.raises(ValidationError) as err:
            book(hz, res, 1, 1, match_id=closed.id)
        assert (err.value.key, err.value.field) == ("pilot.error.match_closed", "pilot_match")
    assert book(hz, res, 1, 1, match_id=at_trial.id).match_id == at_trial.id
    assert book(hz, res, 1, 1, match_id=open_one.id).match_id == open_one.id
    with Session(get_engine()) as s:  # contacted → pilot is a step forward; trial → pilot is not
        assert (s.get(Match, open_one.id).stage, s.get(Match, at_trial.id).stage) == ("pilot", "trial")


def test_a_match_of_another_city_is_neither_offered_nor_accepted(world) -> None:
    hz, nb = world.hz, world.nb
    platform, res = make_platform(hz)
    foreign = _match(nb, hz.enterprise)  # a Ningbo match about a Hangzhou enterprise and result
    foreign_result = Match(result_id=hz.result.id, enterprise_org_id=hz.enterprise.id, agency_id=nb.agency.id,
                           city_code=nb.code, channel="visit", contact_date=today())
    save(foreign_result)
    assert bk.match_options(actor=world.admin, platform_id=platform.id, enterprise_org_id=hz.enterprise.id,
                            result_id=hz.result.id) == []
    with pytest.raises(ValidationError) as err:
        book(hz, res, 1, 1, actor=world.admin, match_id=foreign_result.id)
    assert (err.value.key, err.value.field) == ("pilot.error.bad_match", "pilot_match")
    assert foreign.city_code == nb.code and count(PilotBooking) == 0


# --- the report through the one attachments service -----------------------------------------------

@pytest.fixture()
def one_mb(monkeypatch) -> Iterator[None]:  # noqa: ANN001
    monkeypatch.setenv("PORTAL_MAX_ATTACHMENT_MB", "1")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("PORTAL_MAX_ATTACHMENT_MB")
    get_settings.cache_clear()


def _running(hz, res):  # noqa: ANN001, ANN202
    b = book(hz, res, 0, 3)
    bk.confirm_booking(actor=hz.operator, booking_id=b.id)
    return bk.start_booking(actor=hz.operator, booking_id=b.id)


def test_report_limit_and_refusals_are_the_shared_ones(world, one_mb) -> None:
    hz = world.hz
    _, res = make_platform(hz)
    b = _running(hz, res)
    for data, key in ((b"x" * (1024 * 1024 + 1), "error.file_too_large"), (b"", "error.file_empty")):
        with pytest.raises(ValidationError) as err:
            bk.finish_booking(actor=hz.operator, booking_id=b.id, outcome="达标", report=("r.pdf", "application/pdf", data))
        assert (err.value.key, err.value.field) == (key, "pilot_report")
        if key == "error.file_too_large":
            assert err.value.params["mb"] == 1  # the one limit, from settings
    assert bk.get_booking(actor=hz.operator, booking_id=b.id).status == BookingStatus.IN_PROGRESS
    assert count(Attachment) == 0
    done = bk.finish_booking(actor=hz.operator, booking_id=b.id, outcome="达标",
                             report=("r.pdf", "application/pdf", b"x" * (1024 * 1024)))
    report = bk.get_report(actor=hz.operator, booking_id=done.id)
    assert (report.filename, report.content_type, len(report.data)) == ("r.pdf", "application/pdf", 1024 * 1024)
    assert bk.get_report(actor=hz.enterprise_user, booking_id=done.id).filename == "r.pdf"  # its own booking
    for who in (world.nb.operator, world.nb.enterprise_user):
        with pytest.raises(NotFound):
            bk.get_report(actor=who, booking_id=done.id)
    with pytest.raises(NotFound):
        bk.get_report(actor=hz.presenter, booking_id=done.id)


# --- the bookings list, paged once ---------------------------------------------------------------

def test_bookings_list_pages_and_clamps(world) -> None:
    hz = world.hz
    _, res = make_platform(hz, capacity=10)
    made = [book(hz, res, i, i) for i in range(5)]
    first = bk.list_bookings(actor=hz.operator, page=1, page_size=2)
    assert (first.total, first.pages, first.number, [r.id for r in first.rows]) == \
        (5, 3, 1, [made[4].id, made[3].id])
    last = bk.list_bookings(actor=hz.operator, page=99, page_size=2)  # past the end: the last page
    assert (last.number, [r.id for r in last.rows]) == (3, [made[0].id])
    assert bk.list_bookings(actor=world.nb.operator).total == 0
    with pytest.raises(PermissionDenied):  # an institution follows its results' pilots, not the list
        bk.list_bookings(actor=hz.officer)


# --- who may do what: the table, allowed and refused ---------------------------------------------

def test_each_lifecycle_step_is_offered_to_the_citys_staff_only(world) -> None:
    hz, nb = world.hz, world.nb
    _, res = make_platform(hz)
    b = book(hz, res, 0, 1)
    expected = {
        BookingStatus.REQUESTED: ["confirm", "cancel", "reschedule"],
        BookingStatus.CONFIRMED: ["start", "cancel", "reschedule"],
        BookingStatus.IN_PROGRESS: ["finish", "cancel"],
        BookingStatus.DONE: ["raise_trl"],
    }
    moves = {BookingStatus.REQUESTED: bk.confirm_booking, BookingStatus.CONFIRMED: bk.start_booking}
    for status, actions in expected.items():
        row = bk.get_booking(actor=hz.operator, booking_id=b.id)
        assert row.status == status
        for staff in (hz.operator, hz.plain_operator, world.admin):
            assert actions_for(staff, row) == actions
        for other in (hz.manager, world.province_manager, hz.enterprise_user, nb.operator, hz.officer):
            assert actions_for(other, row) == [] and not set(allowed_actions(other, row)) & set(LIFECYCLE)
        if status in moves:
            moves[status](actor=hz.operator, booking_id=b.id)
        elif status == BookingStatus.IN_PROGRESS:
            bk.finish_booking(actor=hz.operator, booking_id=b.id, outcome="达标")
    for refused in (hz.manager, hz.enterprise_user):
        with pytest.raises(PermissionDenied):
            bk.raise_trl_after_pilot(actor=refused, booking_id=b.id, new_trl=7, reason="x")
    with pytest.raises(NotFound):
        bk.raise_trl_after_pilot(actor=nb.operator, booking_id=b.id, new_trl=7, reason="x")


def test_cancel_and_reschedule_refused_from_the_wrong_status(world) -> None:
    hz = world.hz
    _, res = make_platform(hz)
    b = _running(hz, res)
    with pytest.raises(ValidationError) as err:
        bk.reschedule_booking(actor=hz.operator, booking_id=b.id, start_date=day(5), end_date=day(6))
    assert (err.value.key, err.value.field) == ("pilot.error.cannot_reschedule", "pilot_status")
    with pytest.raises(ValidationError) as err:
        bk.raise_trl_after_pilot(actor=hz.operator, booking_id=b.id, new_trl=7, reason="x")
    assert (err.value.key, err.value.field) == ("pilot.error.not_done", "pilot_status")
    assert bk.cancel_booking(actor=world.admin, booking_id=b.id, reason="设备故障").status == BookingStatus.CANCELLED


def test_presenters_get_nothing_from_pilot_services(world) -> None:
    hz = world.hz
    platform, res = make_platform(hz)
    b = book(hz, res, 1, 2)
    p = hz.presenter
    refusals = [
        lambda: pf.list_platforms(actor=p), lambda: pf.browse_platforms(actor=p),
        lambda: pf.get_platform(actor=p, platform_id=platform.id),
        lambda: calv.platform_calendar(actor=p, platform_id=platform.id, start=day(0), end=day(3)),
        lambda: calv.utilization(actor=p, last_month=day(0)),
        lambda: bk.list_bookings(actor=p), lambda: bk.get_booking(actor=p, booking_id=b.id),
        lambda: bk.result_pilots(actor=p, result_id=hz.result.id),
        lambda: bk.bookable_platforms(actor=p), lambda: bk.result_options(actor=p),
        lambda: bk.enterprise_options(actor=p, platform_id=platform.id),
        lambda: bk.confirm_booking(actor=p, booking_id=b.id),
        lambda: book(hz, res, 3, 4, actor=p),
        lambda: pf.add_resource(actor=p, platform_id=platform.id, name="x", capacity=1, price_per_day="1"),
    ]
    for call in refusals:
        with pytest.raises((NotFound, PermissionDenied)):
            call()
    assert not may(p, "read", "pilot_platform") and not may(p, "read", "pilot_booking")


def test_platforms_are_managed_by_their_citys_staff(world) -> None:
    hz, nb = world.hz, world.nb
    platform, res = make_platform(hz)
    row = pf.get_platform(actor=nb.enterprise_user, platform_id=platform.id)
    assert may(hz.operator, "manage", row) and may(world.admin, "manage", row)
    for who in (nb.operator, hz.manager, hz.officer, hz.enterprise_user):
        assert not may(who, "manage", row)
        with pytest.raises(PermissionDenied):
            pf.update_resource(actor=who, resource_id=res.id, name="改名", capacity=1, price_per_day="1")
    with pytest.raises(PermissionDenied):
        pf.host_options(actor=nb.operator, city_code=hz.code)
    hosts = pf.host_options(actor=hz.operator)
    insurer = make_org("某财产保险杭州分公司", "insurer", hz.code)
    assert hz.licensor.id in {h.id for h in hosts} and nb.licensor.id not in {h.id for h in hosts}
    assert insurer.id not in {h.id for h in pf.host_options(actor=hz.operator, query="保险")}
    with pytest.raises(ValidationError) as err:
        pf.create_platform(actor=world.admin, name="x", host_org_id=nb.licensor.id, city_code=hz.code)
    assert (err.value.key, err.value.field) == ("error.organization_out_of_reach", "pilot_host")
    made = pf.create_platform(actor=world.admin, name="宁波平台", host_org_id=nb.licensor.id, city_code=nb.code)
    pf.add_resource(actor=nb.operator, platform_id=made.id, name="反应釜", capacity=2, price_per_day="10")
    assert count(PilotResource) == 2
    page = pf.browse_platforms(actor=hz.officer, page=1, page_size=1)
    assert (page.total, page.pages, len(page.rows)) == (2, 2, 1)


def test_utilization_and_calendar_bookings_by_reach(world) -> None:
    hz, nb = world.hz, world.nb
    platform, res = make_platform(hz)
    book(hz, res, 1, 2)
    assert may(hz.manager, "utilization", "pilot_platform") and not may(hz.officer, "utilization", "pilot_platform")
    for who in (hz.officer, hz.enterprise_user):
        with pytest.raises(PermissionDenied):
            calv.utilization(actor=who, last_month=day(0))
    assert {r.platform_id for r in calv.utilization(actor=hz.manager, last_month=day(2), months=1)} == {platform.id}
    assert calv.utilization(actor=hz.manager, last_month=day(2), months=1, city_code=nb.code) == []
    assert calv.utilization(actor=world.admin, last_month=day(2), months=1, city_code=nb.code) == []
    assert len(calv.utilization(actor=world.province_manager, last_month=day(2), months=1)) == 1
    seen = {who: len(calv.platform_calendar(actor=who, platform_id=platform.id, start=day(0), end=day(3)).bookings)
            for who in (hz.operator, hz.manager, world.admin, nb.operator, hz.enterprise_user)}
    assert seen == {hz.operator: 1, hz.manager: 1, world.admin: 1, nb.operator: 0, hz.enterprise_user: 0}


def test_a_results_pilot_history_by_reach(world) -> None:
    hz, nb = world.hz, world.nb
    _, res = make_platform(nb)
    # a listed Hangzhou result piloted on a Ningbo platform for a Ningbo enterprise
    b = bk.book_pilot(actor=nb.operator, resource_id=res.id, enterprise_org_id=nb.enterprise.id,
                      result_id=hz.result.id, start_date=day(0), end_date=day(1))
    bk.confirm_booking(actor=nb.operator, booking_id=b.id)
    bk.start_booking(actor=nb.operator, booking_id=b.id)
    bk.finish_booking(actor=nb.operator, booking_id=b.id, outcome="达标")
    seen = {who: [r.id for r in bk.result_pilots(actor=who, result_id=hz.result.id)]
            for who in (hz.officer, nb.officer, hz.operator, nb.manager, nb.enterprise_user, hz.enterprise_user)}
    assert seen == {hz.officer: [b.id], nb.officer: [], hz.operator: [], nb.manager: [b.id],
                    nb.enterprise_user: [b.id], hz.enterprise_user: []}
    with pytest.raises(PermissionDenied):
        bk.result_pilots(actor=hz.presenter, result_id=hz.result.id)
    assert BOOKING.entity == "pilot_booking" and PLATFORM.entity == "pilot_platform"
