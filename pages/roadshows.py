"""Roadshows for operators: the list, a new plan, and one roadshow's details, running order,
attendance, intents, numbers and deck downloads."""

import pandas as pd
import streamlit as st

from portal.core.workflow import may
from portal.roadshows.listing import get_roadshow, list_roadshows
from portal.roadshows.rules import ROADSHOW
from portal.ui import actor, label, md, refusals, show_flash, t, tmd
from portal.ui import roadshow_admin as admin
from portal.ui.notify import roadshow_ics_button
from portal.ui.paging import asked, pager
from portal.ui.roadshows import when

PAGE_SIZE = 20
PAGE_KEY = "roadshow_page"
me = actor()

st.title(t("roadshows.title"))
st.caption(t("roadshows.caption"))
show_flash()

if may(me, "create", "roadshow"):
    with st.expander(t("roadshows.new"), icon=":material/add:"):
        admin.plan_form(me, None)

statuses = ["", *ROADSHOW.statuses]
top = st.columns([2, 3])
status = top[0].selectbox(t("roadshows.filter_status"), statuses,
                          format_func=lambda s: label("roadshow_status", s) if s else t("roadshows.all"))
with refusals():
    page = list_roadshows(actor=me, status=status or None, page=asked(PAGE_KEY), page_size=PAGE_SIZE)
    with top[1]:
        pager(page, PAGE_KEY)
    rows = page.rows
    if not rows:
        st.info(t("roadshows.none"))
        st.stop()
    st.dataframe(pd.DataFrame([{
        t("roadshows.col.title"): r.title, t("roadshows.col.when"): when(r),
        t("roadshows.col.status"): label("roadshow_status", r.status),
        t("roadshows.col.place"): r.venue or r.online_link, t("roadshows.col.items"): r.items,
        t("roadshows.col.intents"): r.intents, t("roadshows.col.agency"): r.agency_name,
    } for r in rows]), hide_index=True, width="stretch")

    chosen = st.selectbox(t("roadshows.choose"), rows, key="roadshow_pick",
                          format_func=lambda r: f"{r.title}（{when(r)} · {label('roadshow_status', r.status)}）")
    show = get_roadshow(actor=me, roadshow_id=chosen.id)
    st.subheader(md(show.title))
    st.caption(tmd("roadshows.status_line", status=label("roadshow_status", show.status), when=when(show),
                 place=show.venue or show.online_link, agency=show.agency_name))
    admin.status_buttons(me, show)
    roadshow_ics_button(me, show.id)
    tabs = st.tabs([t("roadshows.tab_items"), t("roadshows.tab_details"), t("roadshows.tab_attendance"),
                    t("roadshows.tab_intents"), t("roadshows.tab_numbers"), t("roadshows.tab_export")])
    with tabs[0]:
        admin.items_tab(me, show)
    with tabs[1]:
        admin.plan_form(me, show)
    with tabs[2]:
        admin.attendance_tab(me, show)
    with tabs[3]:
        admin.intents_tab(me, show)
    with tabs[4]:
        admin.numbers_tab(me, show)
    with tabs[5]:
        admin.export_tab(me, show)
