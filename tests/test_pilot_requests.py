"""An enterprise asks for pilot testing itself (DOMAIN.md rule 12): a requested booking for its
own organization on any platform, within capacity, confirmed by the platform's city operator;
withdrawn by the enterprise only while still requested (both databases)."""

from __future__ import annotations

import pytest

from db.models import PilotBooking
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.pilot import bookings as bk
from portal.pilot import requests as pr
from portal.requests.requests import submit_request
from tests.factories import make_result
from tests.test_pilot import count, day, make_platform


def ask(world, resource, start: int = 10, end: int = 12, **kw):  # noqa: ANN001, ANN201
    return pr.request_pilot(actor=kw.pop("actor", world.hz.enterprise_user), resource_id=resource.id,
                            result_id=kw.pop("result", world.nb.result).id, start_date=day(start),
                            end_date=day(end), note=kw.pop("note", "验证样机稳定性"), **kw)


def test_an_enterprise_requests_a_booking_on_another_citys_platform(world) -> None:  # noqa: ANN001
    _, resource = make_platform(world.nb)
    booking = ask(world, resource)
    assert (booking.status, booking.city_code, booking.enterprise_org_id, booking.request_note) == (
        "requested", world.nb.code, world.hz.enterprise.id, "验证样机稳定性")
    assert booking.reference.startswith("ZSYY-3302-")
    # the platform's city's operator sees it and confirms it into a booking
    assert [r.id for r in bk.list_bookings(actor=world.nb.operator).rows] == [booking.id]
    assert bk.confirm_booking(actor=world.nb.operator, booking_id=booking.id).status == "confirmed"
    mine = bk.list_bookings(actor=world.hz.enterprise_user).rows
    assert [(r.id, r.status) for r in mine] == [(booking.id, "confirmed")]
    assert bk.list_bookings(actor=world.nb.enterprise_user).total == 0
    with pytest.raises(NotFound):  # the enterprise's own city's operator has no business with it
        bk.confirm_booking(actor=world.hz.operator, booking_id=booking.id)


@pytest.mark.parametrize("who", ["operator", "officer", "presenter", "manager"])
def test_only_an_enterprise_requests(world, who: str) -> None:  # noqa: ANN001
    _, resource = make_platform(world.hz)
    with pytest.raises(PermissionDenied):
        ask(world, resource, actor=getattr(world.hz, who))
    assert count(PilotBooking) == 0


def test_a_request_is_held_to_the_resources_capacity(world) -> None:  # noqa: ANN001
    _, resource = make_platform(world.hz, capacity=1)
    bk.book_pilot(actor=world.hz.operator, resource_id=resource.id, enterprise_org_id=world.hz.enterprise.id,
                  result_id=world.hz.result.id, start_date=day(11), end_date=day(11))
    with pytest.raises(ValidationError) as err:
        ask(world, resource)
    assert err.value.field == "pilot_dates" and count(PilotBooking) == 1


@pytest.mark.parametrize(("start", "end", "field"), [(-1, 2, "pilot_start_date"), (5, 3, "pilot_end_date")])
def test_bad_dates_are_refused_naming_the_field(world, start: int, end: int, field: str) -> None:  # noqa: ANN001
    _, resource = make_platform(world.hz)
    with pytest.raises(ValidationError) as err:
        ask(world, resource, start, end)
    assert err.value.field == field and count(PilotBooking) == 0


def test_a_result_not_listed_is_refused(world) -> None:  # noqa: ANN001
    _, resource = make_platform(world.hz)
    with pytest.raises(ValidationError) as err:
        ask(world, resource, result=make_result(world.hz.licensor, status="notice", title="公示中的成果"))
    assert err.value.field == "pilot_result" and count(PilotBooking) == 0


def test_the_enterprise_withdraws_only_its_own_and_only_while_requested(world) -> None:  # noqa: ANN001
    _, resource = make_platform(world.hz)
    first, second = ask(world, resource, 10, 10), ask(world, resource, 20, 20)
    with pytest.raises(NotFound):
        pr.withdraw_pilot_request(actor=world.nb.enterprise_user, booking_id=first.id)
    with pytest.raises(PermissionDenied):  # the operator cancels with a reason instead
        pr.withdraw_pilot_request(actor=world.hz.operator, booking_id=first.id)
    withdrawn = pr.withdraw_pilot_request(actor=world.hz.enterprise_user, booking_id=first.id)
    assert (withdrawn.status, withdrawn.cancel_reason) == ("cancelled", pr.WITHDRAWN_REASON)
    bk.confirm_booking(actor=world.hz.operator, booking_id=second.id)
    with pytest.raises(ValidationError) as err:
        pr.withdraw_pilot_request(actor=world.hz.enterprise_user, booking_id=second.id)
    assert err.value.key == "pilot.error.not_requested"


def test_the_result_picker_offers_the_enterprises_own_results_first(world) -> None:  # noqa: ANN001
    submit_request(actor=world.hz.enterprise_user, result_id=world.nb.result.id, kind="interest")
    assert [o.id for o in pr.request_result_options(actor=world.hz.enterprise_user)] == [world.nb.result.id]
    found = pr.request_result_options(actor=world.hz.enterprise_user, query="hz的")
    assert [o.id for o in found] == [world.hz.result.id]
    with pytest.raises(PermissionDenied):
        pr.request_result_options(actor=world.hz.operator)
