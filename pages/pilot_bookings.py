"""Pilot bookings: a filtered list; operators book resources and move bookings along."""

import streamlit as st

from db.models.enums import BookingStatus
from portal.core.workflow import may
from portal.pilot import bookings as bk
from portal.pilot import platforms as pf
from portal.pilot.rules import BOOKING
from portal.ui import actor, label, refusals, show_flash, t
from portal.ui.notify import booking_ics_button
from portal.ui.paging import asked, pager
from portal.ui.pilot import booking_label, bookings_table, city_choice
from portal.ui.pilot_forms import (
    act_on_booking,
    actions_for,
    new_booking_form,
    request_booking_form,
)

me = actor()
st.title(t("nav.pilot_bookings"))
show_flash()

cols = iter(st.columns(4 if me.is_province else 3))
city = me.city_code
if me.is_province:
    with next(cols):
        city = city_choice(me, key="pilot_list_city")
platforms = []
with refusals():
    platforms = pf.list_platforms(actor=me, city_code=city) if city else []
platform = next(cols).selectbox(t("pilot.platform"), [None, *platforms], key="pilot_list_platform",
                                format_func=lambda p: p.name if p else t("pilot.any_platform"))
status = next(cols).selectbox(t("pilot.col.status"), [None, *BookingStatus], key="pilot_list_status",
                              format_func=lambda s: label("booking_status", s) if s else t("pilot.any_status"))
enterprise = next(cols).text_input(t("pilot.col.enterprise"), key="pilot_list_enterprise")
c5, c6 = st.columns(2)
since = c5.date_input(t("field.since"), value=None, key="pilot_list_since")
until = c6.date_input(t("field.until"), value=None, key="pilot_list_until")

rows: list[bk.BookingRow] = []
with refusals():
    page = bk.list_bookings(actor=me, city_code=city, platform_id=platform.id if platform else None,
                            status=status, enterprise=enterprise, since=since, until=until,
                            page=asked("pilot_list_page"))
    rows = page.rows
    if rows:
        bookings_table(rows, with_city=me.is_province)
    else:
        st.info(t("pilot.no_bookings"))
    pager(page, "pilot_list_page")
    if rows:
        pick, add = st.columns([3, 1], vertical_alignment="bottom")
        for_calendar = pick.selectbox(t("outbox.cal.download"), rows, format_func=booking_label, key="pilot_ics_pick")
        with add:
            booking_ics_button(me, for_calendar.id, for_calendar.reference)
    reports = [r for r in rows if r.report_attachment_id]
    if reports:
        chosen = st.selectbox(t("pilot.download_report"), reports, format_func=booking_label, key="pilot_report_pick")
        report = bk.get_report(actor=me, booking_id=chosen.id)
        st.download_button(t("pilot.download_report"), report.data, file_name=report.filename,
                           mime=report.content_type)

books = may(me, "book", BOOKING.entity)
asks = may(me, "request", BOOKING.entity)  # an enterprise asks; the platform's city confirms
acts = books or any(actions_for(me, r) for r in rows)  # whoever may move some booking of the list
shown = [k for k, on in (("pilot.request_booking", asks), ("pilot.new_booking", books), ("pilot.act", acts)) if on]
panes = iter(st.tabs([t(k) for k in shown]) if shown else ())
if asks:
    with next(panes), refusals():
        request_booking_form(me)
if books:
    with next(panes), refusals():
        new_booking_form(me)
if acts:
    with next(panes), refusals():
        act_on_booking(me, rows)
