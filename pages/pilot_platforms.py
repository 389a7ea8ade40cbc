"""Pilot platforms: every signed-in user but presenters browses; the city's operators add and edit."""

import pandas as pd
import streamlit as st

from portal.core.regions import region_name
from portal.core.spreadsheet import MONEY
from portal.core.workflow import Subject, may
from portal.pilot import platforms as pf
from portal.pilot.rules import PLATFORM
from portal.ui import actor, lang, md, refusals, show_flash, t, tables
from portal.ui.paging import asked, pager
from portal.ui.pilot import city_choice, platform_form, resource_form

me = actor()
st.title(t("nav.pilot_platforms"))
show_flash()

c1, c2 = st.columns([1, 2])
with c1:
    city = city_choice(me, key="pilot_platform_city")
query = c2.text_input(t("pilot.search"))

rows = []
with refusals():
    page = pf.browse_platforms(actor=me, city_code=city, query=query, page=asked("pilot_platform_page"))
    rows = page.rows
    if not rows:
        st.info(t("pilot.none_found"))
    for p in rows:
        title = f"{md(p.name)} · {region_name(p.city_code, lang())} · {t('pilot.capacity_total', total=p.total_capacity)}"
        with st.expander(title, expanded=len(rows) <= 3):
            st.markdown(f"**{t('pilot.host')}**：{md(p.host_name)}")
            if p.tags:
                st.markdown(" ".join(f":blue-badge[{md(tag)}]" for tag in p.tags))
            if p.capabilities:
                st.markdown(f"**{t('pilot.capabilities')}**：{md(p.capabilities)}")
            st.caption(f"{t('pilot.hours')}：{md(p.opening_hours) or '—'} · "
                       f"{t('pilot.contact')}：{md(p.contact_name) or '—'} {md(p.contact_phone)}")
            if p.resources:
                tables.show(pd.DataFrame([{
                    t("pilot.col.resource"): r.name, t("pilot.col.capacity"): r.capacity,
                    t("pilot.col.price"): r.price_per_day,
                } for r in p.resources]), {t("pilot.col.price"): MONEY})
            else:
                st.caption(t("pilot.no_resources"))
    pager(page, "pilot_platform_page")

manage_city = city or me.city_code
if manage_city and PLATFORM.may(me, "manage", Subject(city_code=manage_city)):
    st.subheader(t("pilot.manage"))
    own = [p for p in pf.list_platforms(actor=me, city_code=manage_city) if may(me, "manage", p)]
    add_tab, edit_tab, res_tab = st.tabs([t("pilot.add_platform"), t("pilot.edit_platform"), t("pilot.resources")])
    with add_tab, refusals():
        platform_form(me, key="pilot_add_platform", city_code=manage_city)
    if own:
        with edit_tab, refusals():
            target = st.selectbox(t("pilot.platform"), own, format_func=lambda p: p.name, key="pilot_edit_pick")
            platform_form(me, key=f"pilot_edit_{target.id}", platform=target)
        with res_tab, refusals():
            target = st.selectbox(t("pilot.platform"), own, format_func=lambda p: p.name, key="pilot_res_pick")
            resource_form(me, target, key=f"pilot_res_{target.id}")
