"""Calendars (.ics, RFC 5545) of pilot bookings and roadshows, for Outlook, WPS and phones: one
event per download, and a per-user feed behind a secret token (portal.notify.calendar_feed serves
it over HTTP; Streamlit pages cannot answer text/calendar).

Times are in Asia/Shanghai (a VTIMEZONE is included: China has kept +08:00 without daylight
saving since 1991); a booking's days are all-day events (its date range is inclusive, DTEND is
the day after). Each event keeps one UID, and its SEQUENCE grows with every file issued, so a
calendar that imported it updates it (a cancelled booking shows as cancelled) instead of adding
a copy. What a feed holds is what its user may read now: the bookings and roadshows of the last
FEED_PAST_DAYS days and later, through the pilot and roadshow capabilities' own readers.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from icalendar import Calendar, Event, Timezone, TimezoneStandard
from sqlmodel import select

from db.engine import read_session
from db.models import NotifyPreference, UserAccount
from db.models.enums import BookingStatus, RoadshowStatus
from portal.core.actor import Actor
from portal.core.auth import actor_from_user
from portal.core.clock import TZ, now, today
from portal.core.errors import PermissionDenied
from portal.core.i18n import label, t
from portal.core.outbox import language_of
from portal.core.service import reader
from portal.pilot.bookings import BookingRow, get_booking, list_bookings
from portal.pilot.rules import BOOKING
from portal.roadshows.listing import RoadshowRow, get_roadshow, list_roadshows
from portal.roadshows.rules import ROADSHOW

PRODID = "-//Xianyong Portal//先用后转//ZH"
DOMAIN = "xianyong-portal"
FEED_PAST_DAYS = 60
FEED_LIMIT = 200  # of each kind, the latest first
ROADSHOW_HOURS = 2  # a roadshow without an end time
EVENT_STATUS = {BookingStatus.REQUESTED: "TENTATIVE", BookingStatus.CANCELLED: "CANCELLED"}


def _line(text: str) -> str:
    """Typed text for a one-line property (a title with line breaks in it)."""
    return " ".join(str(text).split())


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _line(name))  # an X- property is written as it is: no line breaks
    cal.add("x-wr-timezone", "Asia/Shanghai")
    zone = Timezone()
    zone.add("tzid", "Asia/Shanghai")
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", timedelta(hours=8))
    standard.add("tzoffsetto", timedelta(hours=8))
    standard.add("tzname", "CST")
    zone.add_component(standard)
    cal.add_component(zone)
    return cal


def _sequence() -> int:
    """Grows with every file issued (seconds since 2024), so a calendar that imported an earlier
    copy of the event replaces it with this one."""
    return max(0, int(now().timestamp()) - 1_704_067_200)


def booking_event(row: BookingRow, lang: str) -> Event:
    """A booking as an all-day event over its days."""
    ev = Event()
    ev.add("uid", f"pilot-{row.id}@{DOMAIN}")
    ev.add("dtstamp", now().astimezone(TZ))
    ev.add("dtstart", row.start_date)
    ev.add("dtend", row.end_date + timedelta(days=1))  # exclusive end of an all-day range
    ev.add("summary", _line(t("outbox.cal.booking", lang, resource=row.resource_name, enterprise=row.enterprise_name)))
    ev.add("location", _line(row.platform_name))
    ev.add("description", t("outbox.cal.booking_body", lang, reference=row.reference, result=row.result_title,
                            status=label("booking_status", row.status, lang)))
    ev.add("status", EVENT_STATUS.get(row.status, "CONFIRMED"))
    ev.add("sequence", _sequence())
    ev.add("transp", "TRANSPARENT")
    return ev


def roadshow_event(row: RoadshowRow, lang: str) -> Event:
    """A roadshow as a timed event in Asia/Shanghai."""
    start = row.starts_at.astimezone(TZ)
    end = (row.ends_at or start + timedelta(hours=ROADSHOW_HOURS)).astimezone(TZ)
    ev = Event()
    ev.add("uid", f"roadshow-{row.id}@{DOMAIN}")
    ev.add("dtstamp", now().astimezone(TZ))
    ev.add("dtstart", start)
    ev.add("dtend", max(end, start + timedelta(minutes=15)))
    ev.add("summary", _line(t("outbox.cal.roadshow", lang, title=row.title)))
    if row.venue:
        ev.add("location", _line(row.venue))
    body = [t("outbox.cal.roadshow_body", lang, agency=row.agency_name, items=row.items)]
    if row.online_link:
        body.append(row.online_link)
        link = row.online_link.strip()
        if link.startswith(("http://", "https://")) and not any(c.isspace() for c in link):
            ev.add("url", link)  # a URI property: typed text that is no single address stays in the description
    if row.description:
        body.append(row.description)
    ev.add("description", "\n".join(body))
    ev.add("status", "TENTATIVE" if row.status == RoadshowStatus.DRAFT else "CONFIRMED")
    ev.add("sequence", _sequence())
    return ev


def _single(name: str, event: Event) -> bytes:
    cal = _calendar(name)
    cal.add_component(event)
    return cal.to_ical()


@reader(BOOKING)
def booking_ics(*, actor: Actor, booking_id: uuid.UUID) -> bytes:
    """One booking the actor may read, as an .ics file."""
    row = get_booking(actor=actor, booking_id=booking_id)
    return _single(row.reference, booking_event(row, actor.lang))


@reader(ROADSHOW)
def roadshow_ics(*, actor: Actor, roadshow_id: uuid.UUID) -> bytes:
    """One roadshow the actor may read, as an .ics file."""
    row = get_roadshow(actor=actor, roadshow_id=roadshow_id)
    return _single(row.title, roadshow_event(row, actor.lang))


def feed_calendar(actor: Actor) -> bytes:
    """The actor's feed: the bookings and roadshows they may read, from FEED_PAST_DAYS ago."""
    cal = _calendar(t("outbox.cal.feed_name", actor.lang, name=actor.display_name))
    since = today() - timedelta(days=FEED_PAST_DAYS)
    try:
        bookings = list_bookings(actor=actor, since=since, page_size=FEED_LIMIT).rows
    except PermissionDenied:  # a role that reads no bookings (a presenter)
        bookings = []
    for row in bookings:
        cal.add_component(booking_event(row, actor.lang))
    try:
        shows = list_roadshows(actor=actor, page_size=FEED_LIMIT).rows
    except PermissionDenied:
        shows = []
    for show in shows:
        if show.starts_at.astimezone(TZ).date() >= since:
            cal.add_component(roadshow_event(show, actor.lang))
    return cal.to_ical()


def feed_for_token(token: str) -> bytes | None:
    """The feed of the active user whose secret token this is; None for any other token."""
    if not token or len(token) > 64:
        return None
    with read_session() as s:
        found = s.exec(select(UserAccount, NotifyPreference)
                       .join(NotifyPreference, NotifyPreference.user_id == UserAccount.id)
                       .where(NotifyPreference.calendar_token == token)).first()
    if found is None or found[0].disabled:
        return None
    user, pref = found
    return feed_calendar(actor_from_user(user, language_of(pref)))
