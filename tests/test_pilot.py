"""Pilot testing: platforms, capacity arithmetic at the edges, the booking lifecycle, the
outcome feeding back into the result, and scope (both databases)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import (
    ApprovalStep,
    Attachment,
    AuditEntry,
    PilotBooking,
    PilotPlatform,
    PilotResource,
    Result,
)
from db.models.enums import BookingStatus
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.pilot import bookings as bk
from portal.pilot import calendar as calv
from portal.pilot import capacity as cap
from portal.pilot import platforms as pf
from tests.factories import make_org, make_result, save


def day(n: int) -> date:
    return today() + timedelta(days=n)


def make_platform(city, *, capacity: int = 1, name: str = "高端装备中试基地"):  # noqa: ANN001, ANN201
    platform = PilotPlatform(name=name, host_org_id=city.licensor.id, city_code=city.code,
                             capabilities="小批量试制、性能检测", tags="试制,检测")
    save(platform)
    resource = PilotResource(platform_id=platform.id, name="五轴加工中心", capacity=capacity,
                             price_per_day=Decimal("1200.00"))
    save(resource)
    return platform, resource


def book(city, resource, start: int, end: int, **kw):  # noqa: ANN001, ANN201
    return bk.book_pilot(actor=kw.pop("actor", city.operator), resource_id=resource.id,
                         enterprise_org_id=kw.pop("enterprise", city.enterprise).id,
                         result_id=city.result.id, start_date=day(start), end_date=day(end), **kw)


def count(model, *where) -> int:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


# --- capacity arithmetic (pure) ------------------------------------------------------------------

def test_usage_counts_inclusive_ranges() -> None:
    d0 = date(2026, 12, 1)
    spans = [cap.Span(None, d0, d0 + timedelta(days=2)), cap.Span(None, d0 + timedelta(days=2), d0 + timedelta(days=4))]
    used = cap.usage(spans, d0, d0 + timedelta(days=5))
    assert [used[d0 + timedelta(days=i)] for i in range(6)] == [1, 1, 2, 1, 1, 0]
    assert cap.full_days(spans, 2, d0, d0 + timedelta(days=5)) == [d0 + timedelta(days=2)]
    assert cap.day_ranges([d0, d0 + timedelta(days=1), d0 + timedelta(days=3)]) == [
        (d0, d0 + timedelta(days=1)), (d0 + timedelta(days=3), d0 + timedelta(days=3))]


# --- capacity at the edges, through the service ---------------------------------------------------

def test_back_to_back_ranges_fit_but_a_shared_day_does_not(world) -> None:
    hz = world.hz
    _, res = make_platform(hz, capacity=1)
    first = book(hz, res, 10, 14)
    book(hz, res, 15, 20)  # starts the day after the first ends: no shared day
    book(hz, res, 5, 9)  # ends the day before the first starts
    with pytest.raises(ValidationError) as err:
        book(hz, res, 14, 14)  # the first's last day
    assert err.value.key == "pilot.error.over_capacity" and err.value.field == "pilot_dates"
    assert err.value.params["clash_ids"] == [first.id]
    assert err.value.params["full_days"] == [day(14)]
    assert first.reference.startswith("ZSYY-3301-") and first.reference in err.value.message("en")
    assert count(PilotBooking) == 3


def test_capacity_above_one_allows_parallel_bookings_up_to_capacity(world) -> None:
    hz = world.hz
    _, res = make_platform(hz, capacity=2)
    a = book(hz, res, 10, 12)
    b = book(hz, res, 12, 16)
    book(hz, res, 13, 20)  # day 12 is full, day 13+ has one slot left
    with pytest.raises(ValidationError) as err:
        book(hz, res, 8, 12)
    assert err.value.params["full_days"] == [day(12)]
    assert set(err.value.params["clash_ids"]) == {a.id, b.id}
    with pytest.raises(ValidationError) as err:
        book(hz, res, 14, 14)
    assert err.value.params["full_days"] == [day(14)]
    book(hz, res, 11, 11)  # day 11 still had a free slot
    assert count(PilotBooking) == 4


def test_cancelled_booking_frees_its_days(world) -> None:
    hz = world.hz
    _, res = make_platform(hz)
    first = book(hz, res, 3, 6)
    with pytest.raises(ValidationError):
        book(hz, res, 6, 8)
    bk.cancel_booking(actor=hz.operator, booking_id=first.id, reason="企业调整排产计划")
    book(hz, res, 6, 8)
    assert count(PilotBooking, PilotBooking.status == BookingStatus.REQUESTED) == 1


def test_early_finish_frees_the_remaining_days(world) -> None:
    hz = world.hz
    _, res = make_platform(hz)
    first = book(hz, res, 0, 9)
    bk.confirm_booking(actor=hz.operator, booking_id=first.id)
    bk.start_booking(actor=hz.operator, booking_id=first.id)
    bk.finish_booking(actor=hz.operator, booking_id=first.id, outcome="提前达标")
    book(hz, res, 1, 9)  # today was the last day used
    with pytest.raises(ValidationError):
        book(hz, res, 0, 0)


def test_bad_dates_are_refused_naming_the_field(world) -> None:
    hz = world.hz
    _, res = make_platform(hz)
    cases = [((5, 4), "pilot_end_date", "pilot.error.end_before_start"),
             ((-1, 3), "pilot_start_date", "pilot.error.start_in_past"),
             ((1, 1 + bk.MAX_DAYS), "pilot_end_date", "pilot.error.too_long")]
    for (start, end), field, key in cases:
        with pytest.raises(ValidationError) as err:
            book(hz, res, start, end)
        assert (err.value.field, err.value.key) == (field, key)
    with pytest.raises(ValidationError) as err:
        book(hz, res, 1, 2, enterprise=hz.licensor)
    assert err.value.field == "pilot_enterprise"
    assert count(PilotBooking) == 0


def test_match_must_be_about_the_same_enterprise_and_result(world) -> None:
    from db.models import Match

    hz = world.hz
    platform, res = make_platform(hz)
    other = make_org("杭州另一家企业有限公司", "enterprise", hz.code)
    match = Match(result_id=hz.result.id, enterprise_org_id=other.id, agency_id=hz.agency.id, city_code=hz.code,
                  channel="visit", contact_date=today())
    save(match)
    with pytest.raises(ValidationError) as err:
        book(hz, res, 1, 2, match_id=match.id)
    assert err.value.key == "pilot.error.match_other_parties"
    assert [o.id for o in bk.match_options(actor=hz.operator, platform_id=platform.id, enterprise_org_id=other.id,
                                           result_id=hz.result.id)] == [match.id]
    nb_platform, _ = make_platform(world.nb)
    assert bk.match_options(actor=world.nb.operator, platform_id=nb_platform.id, enterprise_org_id=other.id,
                            result_id=hz.result.id) == []
    with pytest.raises(PermissionDenied):  # a Hangzhou platform is not the Ningbo operator's to book
        bk.match_options(actor=world.nb.operator, platform_id=platform.id, enterprise_org_id=other.id,
                         result_id=hz.result.id)
    booking = book(hz, res, 1, 2, match_id=match.id, enterprise=other)
    assert booking.match_id == match.id
    with Session(get_engine()) as s:
        assert s.get(Match, match.id).stage == "pilot"  # contacted → pilot: a step forward


def test_reschedule_checks_capacity_without_counting_itself(world) -> None:
    hz = world.hz
    _, res = make_platform(hz)
    a = book(hz, res, 10, 12)
    b = book(hz, res, 20, 22)
    bk.reschedule_booking(actor=hz.operator, booking_id=a.id, start_date=day(11), end_date=day(13))
    with pytest.raises(ValidationError) as err:
        bk.reschedule_booking(actor=hz.operator, booking_id=a.id, start_date=day(18), end_date=day(21))
    assert err.value.params["clash_ids"] == [b.id]
    with Session(get_engine()) as s:
        again = s.get(PilotBooking, a.id)
        assert (again.start_date, again.end_date) == (day(11), day(13))


def test_lowering_capacity_below_held_slots_is_refused(world) -> None:
    hz = world.hz
    _, res = make_platform(hz, capacity=2)
    book(hz, res, 3, 5)
    book(hz, res, 4, 6)
    with pytest.raises(ValidationError) as err:
        pf.update_resource(actor=hz.operator, resource_id=res.id, name=res.name, capacity=1, price_per_day="1200")
    assert err.value.field == "pilot_capacity" and err.value.params["days"] == 2
    pf.update_resource(actor=hz.operator, resource_id=res.id, name=res.name, capacity=3, price_per_day="1500.50")
    with Session(get_engine()) as s:
        again = s.get(PilotResource, res.id)
        assert (again.capacity, again.price_per_day) == (3, Decimal("1500.50"))


# --- lifecycle -----------------------------------------------------------------------------------

def test_lifecycle_allowed_and_refused_moves(world) -> None:
    hz = world.hz
    _, res = make_platform(hz)
    b = book(hz, res, 0, 2)
    with pytest.raises(ValidationError) as err:
        bk.start_booking(actor=hz.operator, booking_id=b.id)  # requested → in progress skips confirm
    assert err.value.key == "pilot.error.bad_transition"
    with pytest.raises(ValidationError):
        bk.finish_booking(actor=hz.operator, booking_id=b.id, outcome="x")
    bk.confirm_booking(actor=hz.operator, booking_id=b.id)
    bk.start_booking(actor=hz.operator, booking_id=b.id)
    with pytest.raises(ValidationError) as err:
        bk.finish_booking(actor=hz.operator, booking_id=b.id, outcome="  ")
    assert err.value.field == "pilot_outcome"
    bk.finish_booking(actor=hz.operator, booking_id=b.id, outcome="指标达标")
    for move in (bk.confirm_booking, bk.start_booking):
        with pytest.raises(ValidationError):
            move(actor=hz.operator, booking_id=b.id)
    with pytest.raises(ValidationError):
        bk.cancel_booking(actor=hz.operator, booking_id=b.id, reason="太晚了")
    row = bk.get_booking(actor=hz.operator, booking_id=b.id)
    assert row.status == BookingStatus.DONE and row.outcome == "指标达标"
    with Session(get_engine()) as s:
        actions = s.exec(select(AuditEntry.action).where(AuditEntry.entity_id == str(b.id))).all()
    assert sorted(actions) == sorted(["pilot.book", "pilot.confirm", "pilot.start", "pilot.finish"])


def test_cannot_start_before_the_first_day_and_cancel_needs_a_reason(world) -> None:
    hz = world.hz
    _, res = make_platform(hz)
    b = book(hz, res, 3, 4)
    bk.confirm_booking(actor=hz.operator, booking_id=b.id)
    with pytest.raises(ValidationError) as err:
        bk.start_booking(actor=hz.operator, booking_id=b.id)
    assert err.value.key == "pilot.error.start_too_early"
    with pytest.raises(ValidationError) as err:
        bk.cancel_booking(actor=hz.operator, booking_id=b.id, reason="")
    assert err.value.field == "pilot_cancel_reason"
    assert bk.get_booking(actor=hz.operator, booking_id=b.id).status == BookingStatus.CONFIRMED
    bk.cancel_booking(actor=hz.operator, booking_id=b.id, reason="设备检修")
    row = bk.get_booking(actor=hz.operator, booking_id=b.id)
    assert (row.status, row.cancel_reason) == (BookingStatus.CANCELLED, "设备检修")


# --- outcome feeds back --------------------------------------------------------------------------

def _done(hz, res, **kw):  # noqa: ANN001, ANN202
    b = book(hz, res, 0, 3)
    bk.confirm_booking(actor=hz.operator, booking_id=b.id)
    bk.start_booking(actor=hz.operator, booking_id=b.id)
    return bk.finish_booking(actor=hz.operator, booking_id=b.id, outcome="样品导热系数提升 30%", **kw)


def test_finish_records_on_the_result_with_report_and_trl(world) -> None:
    hz = world.hz
    platform, res = make_platform(hz)
    done = _done(hz, res, report=("报告.pdf", "application/pdf", b"%PDF-1.4 test"), new_trl=7,
                 trl_reason="中试线上连续运行 72 小时")
    with Session(get_engine()) as s:
        result = s.get(Result, hz.result.id)
        assert (result.last_pilot_on, result.trl) == (today(), 7)
        steps = {st.action: st for st in s.exec(select(ApprovalStep).where(ApprovalStep.result_id == result.id))}
        assert set(steps) == {"pilot_done", "trl_change"}
        assert platform.name in steps["pilot_done"].reason and "导热系数" in steps["pilot_done"].reason
        assert "TRL 5 → 7" in steps["trl_change"].reason and "72 小时" in steps["trl_change"].reason
        att = s.get(Attachment, done.report_attachment_id)
        assert (att.entity, att.entity_id, att.data) == ("pilot_booking", done.id, b"%PDF-1.4 test")
    assert bk.get_report(actor=hz.operator, booking_id=done.id).filename == "报告.pdf"
    history = bk.result_pilots(actor=hz.officer, result_id=hz.result.id)  # the result's owner sees it
    assert [(h.id, h.platform_name, h.finished_on) for h in history] == [(done.id, platform.name, today())]


def test_trl_raise_refused_when_not_higher_or_without_reason(world) -> None:
    hz = world.hz
    _, res = make_platform(hz)
    with pytest.raises(ValidationError) as err:
        _done(hz, res, new_trl=5, trl_reason="不变")
    assert err.value.key == "pilot.error.trl_not_higher"
    assert count(PilotBooking, PilotBooking.status == BookingStatus.DONE) == 0  # nothing changed
    done = _done_after_refusal(hz)
    with pytest.raises(ValidationError) as err:
        bk.raise_trl_after_pilot(actor=hz.operator, booking_id=done.id, new_trl=6, reason="")
    assert err.value.field == "pilot_trl_reason"
    bk.raise_trl_after_pilot(actor=hz.operator, booking_id=done.id, new_trl=6, reason="用户试用反馈良好")
    with Session(get_engine()) as s:
        assert s.get(Result, hz.result.id).trl == 6


def _done_after_refusal(hz):  # noqa: ANN001, ANN202
    b = next(iter(bk.list_bookings(actor=hz.operator, status=BookingStatus.IN_PROGRESS).rows))
    return bk.finish_booking(actor=hz.operator, booking_id=b.id, outcome="达标")


def test_finish_awards_pilot_points_to_the_agency(world) -> None:
    from db.models import PointsEvent

    hz = world.hz
    _, res = make_platform(hz)
    done = _done(hz, res)
    assert count(PointsEvent, PointsEvent.kind == "pilot_done", PointsEvent.entity_id == str(done.id)) == 1


# --- scope ---------------------------------------------------------------------------------------

def test_operators_manage_only_their_citys_platforms(world) -> None:
    hz, nb = world.hz, world.nb
    platform = pf.create_platform(actor=hz.operator, name="杭州新材料中试平台", host_org_id=hz.licensor.id,
                                  tags="新材料，检测、 试制", contact_phone="0571-88886666")
    assert platform.city_code == hz.code and platform.tags == "新材料,检测,试制"
    with pytest.raises(ValidationError) as err:
        pf.create_platform(actor=hz.operator, name="x", host_org_id=nb.licensor.id)
    assert err.value.field == "pilot_host"
    with pytest.raises(PermissionDenied):
        pf.update_platform(actor=nb.operator, platform_id=platform.id, name="改名", host_org_id=hz.licensor.id)
    with pytest.raises(PermissionDenied):
        pf.add_resource(actor=nb.operator, platform_id=platform.id, name="反应釜", capacity=1, price_per_day="10")
    with pytest.raises(PermissionDenied):
        pf.add_resource(actor=hz.manager, platform_id=platform.id, name="反应釜", capacity=1, price_per_day="10")
    with pytest.raises(ValidationError) as err:
        pf.add_resource(actor=hz.operator, platform_id=platform.id, name="反应釜", capacity=0, price_per_day="10")
    assert err.value.field == "pilot_capacity"
    with pytest.raises(ValidationError) as err:
        pf.add_resource(actor=hz.operator, platform_id=platform.id, name="反应釜", capacity=1, price_per_day="1.234")
    assert err.value.field == "pilot_price_per_day"
    assert count(PilotResource) == 0
    # every signed-in user but presenters may browse every city's platforms
    for who in (nb.operator, nb.enterprise_user, nb.officer, world.province_manager):
        assert [p.name for p in pf.list_platforms(actor=who, city_code=hz.code)] == ["杭州新材料中试平台"]
    assert pf.list_platforms(actor=nb.enterprise_user, query="检测")[0].id == platform.id
    with pytest.raises(PermissionDenied):  # presenters see only published roadshow cards
        pf.list_platforms(actor=hz.presenter, city_code=hz.code)


def test_hangzhou_operator_cannot_read_or_change_ningbo_bookings(world) -> None:
    hz, nb = world.hz, world.nb
    _, nb_res = make_platform(nb)
    _, hz_res = make_platform(hz)
    nb_booking = book(nb, nb_res, 1, 2)
    with pytest.raises(PermissionDenied):
        book(hz, nb_res, 3, 4, actor=hz.operator)
    for call in (bk.confirm_booking, bk.start_booking, bk.get_booking, bk.get_report):
        with pytest.raises(NotFound):
            call(actor=hz.operator, booking_id=nb_booking.id)
    with pytest.raises(NotFound):
        bk.cancel_booking(actor=hz.operator, booking_id=nb_booking.id, reason="x")
    with pytest.raises(NotFound):
        bk.finish_booking(actor=hz.operator, booking_id=nb_booking.id, outcome="x")
    with pytest.raises(NotFound):
        bk.reschedule_booking(actor=hz.operator, booking_id=nb_booking.id, start_date=day(5), end_date=day(6))
    with pytest.raises(PermissionDenied):  # the city's manager reads but does not change
        bk.confirm_booking(actor=nb.manager, booking_id=nb_booking.id)
    assert bk.get_booking(actor=nb.manager, booking_id=nb_booking.id).status == BookingStatus.REQUESTED
    hz_booking = book(hz, hz_res, 1, 2)
    assert [r.id for r in bk.list_bookings(actor=hz.operator).rows] == [hz_booking.id]
    assert {r.id for r in bk.list_bookings(actor=world.admin).rows} == {hz_booking.id, nb_booking.id}
    assert [r.id for r in bk.list_bookings(actor=nb.enterprise_user).rows] == [nb_booking.id]
    with pytest.raises(PermissionDenied):
        bk.list_bookings(actor=hz.presenter)
    assert bk.enterprise_options(actor=hz.operator, platform_id=hz_res.platform_id, query="恒拓")
    for who in (hz.enterprise_user, hz.manager, hz.presenter):
        with pytest.raises(PermissionDenied):
            bk.enterprise_options(actor=who, platform_id=hz_res.platform_id)
        with pytest.raises(PermissionDenied):
            bk.result_options(actor=who)
    # the calendar shows free capacity to all, the bookings only within scope
    view = calv.platform_calendar(actor=hz.operator, platform_id=nb_res.platform_id, start=day(0), end=day(3))
    assert [c.used for c in view.cells] == [0, 1, 1, 0] and view.bookings == []
    assert count(PilotBooking, PilotBooking.status == BookingStatus.REQUESTED) == 2


# --- calendar and utilization ---------------------------------------------------------------------

def test_calendar_and_utilization(world) -> None:
    hz = world.hz
    platform, res = make_platform(hz, capacity=2)
    book(hz, res, 1, 3)
    book(hz, res, 2, 2)
    view = calv.platform_calendar(actor=hz.operator, platform_id=platform.id, start=day(0), end=day(4))
    assert [(c.used, c.free) for c in view.cells] == [(0, 2), (1, 1), (2, 0), (1, 1), (0, 2)]
    assert len(view.bookings) == 2
    first, last = calv.month_of(day(1))
    rows = calv.utilization(actor=hz.manager, last_month=day(1), months=2)
    this = [r for r in rows if r.month == first]
    # the two bookings hold 4 resource-days, but only the ones inside this month count
    inside = sum(1 for d in cap.days(day(1), day(3)) if d <= last) + (1 if day(2) <= last else 0)
    assert this[0].booked_days == inside and this[0].capacity_days == 2 * ((last - first).days + 1)
    assert calv.city_utilization(rows)[-1][1] == hz.code
    with pytest.raises(PermissionDenied):
        calv.utilization(actor=hz.enterprise_user, last_month=day(0))
    assert calv.utilization(actor=world.nb.manager, last_month=day(1), months=1) == []


def test_week_and_month_bounds() -> None:
    assert calv.week_of(date(2026, 11, 25)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert calv.month_of(date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))


def test_demo_results_are_unchanged_by_a_refused_booking(world) -> None:
    hz = world.hz
    make_result(hz.licensor, status="draft", title="草稿成果")
    _, res = make_platform(hz)
    with Session(get_engine()) as s:
        draft = s.exec(select(Result).where(Result.status == "draft")).one()
    with pytest.raises(ValidationError) as err:
        bk.book_pilot(actor=hz.operator, resource_id=res.id, enterprise_org_id=hz.enterprise.id,
                      result_id=draft.id, start_date=day(1), end_date=day(2))
    assert err.value.field == "pilot_result"
    assert count(PilotBooking) == 0


def test_utilization_splits_a_booking_across_months_and_ignores_cancelled(world) -> None:
    hz = world.hz
    platform, res = make_platform(hz, capacity=3)
    first_of_next = calv.month_of(today())[1] + timedelta(days=1)
    boundary = calv.month_of(first_of_next)[1] + timedelta(days=1)  # the month after next: always ahead
    kept = bk.book_pilot(actor=hz.operator, resource_id=res.id, enterprise_org_id=hz.enterprise.id,
                         result_id=hz.result.id, start_date=boundary - timedelta(days=2),
                         end_date=boundary + timedelta(days=1))
    gone = bk.book_pilot(actor=hz.operator, resource_id=res.id, enterprise_org_id=hz.enterprise.id,
                         result_id=hz.result.id, start_date=boundary, end_date=boundary + timedelta(days=9))
    bk.cancel_booking(actor=hz.operator, booking_id=gone.id, reason="计划调整")
    rows = calv.utilization(actor=world.admin, last_month=boundary, months=2, city_code=hz.code)
    assert [(r.month, r.booked_days) for r in rows] == [(first_of_next, 2), (boundary, 2)]
    days_in = (calv.month_of(boundary)[1] - boundary).days + 1
    assert rows[1].capacity_days == 3 * days_in and rows[1].platform_id == platform.id
    assert rows[1].rate == (Decimal(2) / Decimal(3 * days_in)).quantize(Decimal("0.0001"))
    assert kept.status == BookingStatus.REQUESTED


def test_result_choices_start_with_the_operators_city_and_search_the_province(world) -> None:
    hz, nb = world.hz, world.nb
    own = [o.label for o in bk.result_options(actor=hz.operator)]
    assert own and all("hz" in label for label in own)  # hz的一种锂电池…: Hangzhou's only, untyped
    found = [o.label for o in bk.result_options(actor=hz.operator, query="nb的")]
    assert found and all(label.startswith("nb的") for label in found)  # typing reaches every city
    assert {o.label for o in bk.result_options(actor=world.admin)} >= set(own)
    assert nb.result.title in {o.label.split("（")[0] for o in bk.result_options(actor=world.admin)}
