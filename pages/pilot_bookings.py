"""Pilot bookings: a filtered list; operators book resources and move bookings along."""

import streamlit as st

from db.models.enums import BookingStatus
from portal.pilot import bookings as bk
from portal.pilot import platforms as pf
from portal.ui import actor, label, refusals, show_flash, t
from portal.ui.pilot import booking_label, bookings_frame, city_choice, may_book
from portal.ui.pilot_forms import act_on_booking, new_booking_form

PAGE_SIZE = 50
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
c5, c6, c7 = st.columns([1, 1, 1])
since = c5.date_input(t("field.since"), value=None, key="pilot_list_since")
until = c6.date_input(t("field.until"), value=None, key="pilot_list_until")

rows: list[bk.BookingRow] = []
with refusals():
    page_no = int(st.session_state.get("pilot_list_page", 1))
    rows, total = bk.list_bookings(actor=me, city_code=city, platform_id=platform.id if platform else None,
                                   status=status, enterprise=enterprise, since=since, until=until,
                                   page=page_no, page_size=PAGE_SIZE)
    st.caption(t("pilot.total_rows", total=total))
    if rows:
        st.dataframe(bookings_frame(rows, with_city=me.is_province), hide_index=True, width="stretch")
    else:
        st.info(t("pilot.no_bookings"))
    pages = max(1, -(-total // PAGE_SIZE))
    if pages > 1:
        c7.number_input(t("pilot.page", pages=pages), min_value=1, max_value=pages, key="pilot_list_page")
    reports = [r for r in rows if r.report_attachment_id]
    if reports:
        chosen = st.selectbox(t("pilot.download_report"), reports, format_func=booking_label, key="pilot_report_pick")
        report = bk.get_report(actor=me, booking_id=chosen.id)
        st.download_button(t("pilot.download_report"), report.data, file_name=report.filename,
                           mime=report.content_type)

if may_book(me):
    new_tab, act_tab = st.tabs([t("pilot.new_booking"), t("pilot.act")])
    with new_tab, refusals():
        new_booking_form(me)
    with act_tab, refusals():
        act_on_booking(me, rows)
