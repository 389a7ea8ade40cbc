"""Calendars: a booking and a roadshow download as .ics (Asia/Shanghai, parsed back with
icalendar), and a user's secret feed is served by the Starlette route (TestClient): what the
user may read, 404 for another token, a renewed token ends the old address."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from starlette.applications import Starlette
from starlette.testclient import TestClient

from db.models import PilotBooking, PilotPlatform, PilotResource, Roadshow
from portal.core.clock import TZ, today
from portal.core.errors import NotFound
from portal.notify import preferences
from portal.notify.calendar import booking_ics, roadshow_ics
from portal.web import public
from tests.factories import make_org, save


def make_booking(world, *, status: str = "confirmed", reference: str = "ZSYY-3301-2026-9001",  # noqa: ANN001
                 start=None) -> PilotBooking:  # noqa: ANN001
    """A booking of Hangzhou's enterprise on a new platform's resource, 3 days from start."""
    hz = world.hz
    platform = PilotPlatform(name="杭州中试基地", host_org_id=make_org("中试平台", "platform").id, city_code="330100")
    save(platform)
    resource = PilotResource(platform_id=platform.id, name="涂布线")
    save(resource)
    start = start or today() + timedelta(days=3)
    booking = PilotBooking(reference=reference, resource_id=resource.id, platform_id=platform.id,
                           city_code="330100", enterprise_org_id=hz.enterprise.id, result_id=hz.result.id,
                           start_date=start, end_date=start + timedelta(days=2), status=status)
    save(booking)
    return booking


def casts(world):  # noqa: ANN001, ANN201
    booking = make_booking(world)
    show = Roadshow(title="新材料专场路演", starts_at=datetime.combine(today() + timedelta(days=7),
                                                                datetime.min.time(), tzinfo=TZ) + timedelta(hours=14),
                    venue="杭州国际博览中心 3 号厅", city_code="330100", agency_id=world.hz.agency.id, status="published")
    save(show)
    return booking, show


def events(data: bytes) -> list:
    return [c for c in Calendar.from_ical(data).walk("VEVENT")]


def test_a_booking_downloads_as_an_all_day_event_over_its_days(world) -> None:
    booking, _ = casts(world)
    data = booking_ics(actor=world.hz.enterprise_user, booking_id=booking.id)
    (ev,) = events(data)
    assert ev.decoded("dtstart") == booking.start_date and ev.decoded("dtend") == booking.end_date + timedelta(days=1)
    assert "涂布线" in str(ev["summary"]) and str(ev["location"]) == "杭州中试基地"
    assert str(ev["uid"]) == f"pilot-{booking.id}@xianyong-portal" and str(ev["status"]) == "CONFIRMED"
    assert b"TZID:Asia/Shanghai" in data
    with pytest.raises(NotFound):
        booking_ics(actor=world.nb.enterprise_user, booking_id=booking.id)


def test_a_roadshow_downloads_with_its_shanghai_time(world) -> None:
    _, show = casts(world)
    data = roadshow_ics(actor=world.hz.presenter, roadshow_id=show.id)
    (ev,) = events(data)
    start = ev.decoded("dtstart")
    assert start.hour == 14 and start.utcoffset() == timedelta(hours=8)
    assert b"DTSTART;TZID=Asia/Shanghai:" in data
    assert ev.decoded("dtend") - start == timedelta(hours=2) and "新材料专场路演" in str(ev["summary"])
    with pytest.raises(NotFound):
        roadshow_ics(actor=world.nb.presenter, roadshow_id=show.id)


def test_the_feed_serves_what_its_user_may_read_behind_a_secret_token(world) -> None:
    booking, show = casts(world)
    client = TestClient(Starlette(routes=public.routes))  # where the portal serves it, beside the QR page
    url = preferences.renew_calendar_feed(actor=world.hz.operator)
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    uids = {str(e["uid"]) for e in events(response.content)}
    assert uids == {f"pilot-{booking.id}@xianyong-portal", f"roadshow-{show.id}@xianyong-portal"}
    ningbo = preferences.renew_calendar_feed(actor=world.nb.operator).rsplit("/", 1)[1]
    assert events(client.get(f"/calendar/{ningbo}").content) == []  # another city's records: none
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    renewed = preferences.renew_calendar_feed(actor=world.hz.operator)
    assert client.get("/" + path).status_code == 404  # the old address ends
    assert client.get("/" + renewed.split("://", 1)[1].split("/", 1)[1]).status_code == 200
    assert preferences.my_preferences(actor=world.hz.operator).feed_url == renewed
