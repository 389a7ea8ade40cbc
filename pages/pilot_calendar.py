"""A platform's calendar (resources × days, free slots at a glance) and utilization over time."""

import streamlit as st

from portal.core.clock import today
from portal.pilot import calendar as calv
from portal.pilot import platforms as pf
from portal.ui import actor, lang, refusals, t
from portal.ui.charts import chart, fingerprint
from portal.ui.pilot import (
    bookings_table,
    cached_utilization,
    calendar_chart,
    city_choice,
    today_range,
    utilization_charts,
    utilization_table,
)

me = actor()
st.title(t("nav.pilot_calendar"))

c1, c2, c3, c4 = st.columns([1, 2, 1, 1])
with c1:
    city = city_choice(me, key="pilot_cal_city", allow_all=False)
platforms = []
with refusals():
    platforms = pf.list_platforms(actor=me, city_code=city)
if not platforms:
    st.info(t("pilot.no_platforms"))
else:
    platform = c2.selectbox(t("pilot.platform"), platforms, format_func=lambda p: p.name, key="pilot_cal_platform")
    view = c3.radio(t("pilot.view"), ["week", "month"], horizontal=True, key="pilot_cal_view",
                    format_func=lambda v: t(f"pilot.{v}"))
    anchor = c4.date_input(t("pilot.day"), value=today(), key="pilot_cal_day")
    start, end = today_range(anchor, view)
    with refusals():
        cal = calv.platform_calendar(actor=me, platform_id=platform.id, start=start, end=end)
        st.caption(t("pilot.legend"))
        chart(lambda: calendar_chart(cal), key=fingerprint("pilot_calendar", cal.cells, lang()))
        st.subheader(t("pilot.bookings_in_view"))
        if cal.bookings:
            bookings_table(cal.bookings)
        else:
            st.caption(t("pilot.no_bookings"))

st.header(t("pilot.utilization"))
st.caption(t("pilot.utilization_note"))
u1, u2 = st.columns([1, 2])
util_city = None
if me.is_province:
    with u1:
        util_city = city_choice(me, key="pilot_util_city")
months = (u2 if me.is_province else u1).slider(t("pilot.months"), min_value=3, max_value=24, value=12, key="pilot_util_months")
with refusals():
    rows = cached_utilization(me, util_city if me.is_province else None, today(), months)
    if rows:
        st.subheader(t("pilot.utilization_by_city"))
        chart(lambda: utilization_charts(rows)[1], key=fingerprint("utilization_city", rows, lang()))
        if util_city or not me.is_province:  # one line per platform is readable within one city
            st.subheader(t("pilot.utilization_by_platform"))
            chart(lambda: utilization_charts(rows)[0], key=fingerprint("utilization_platform", rows, lang()))
        with st.expander(t("pilot.utilization")):
            utilization_table(rows)
    else:
        st.info(t("pilot.no_platforms"))
