"""Pilot platforms: everyone signed in browses; the city's operators add and edit."""

import pandas as pd
import streamlit as st

from portal.core.regions import region_name
from portal.pilot import platforms as pf
from portal.ui import actor, lang, refusals, show_flash, t, yuan
from portal.ui.pilot import city_choice, md, platform_form, resource_form

PAGE_SIZE = 10
me = actor()
st.title(t("nav.pilot_platforms"))
show_flash()

c1, c2 = st.columns([1, 2])
with c1:
    city = city_choice(me, key="pilot_platform_city")
query = c2.text_input(t("pilot.search"))

rows = []
with refusals():
    rows = pf.list_platforms(actor=me, city_code=city, query=query)
    st.caption(t("pilot.count", total=len(rows)))
    if not rows:
        st.info(t("pilot.none_found"))
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    number = max(1, int(st.session_state.get("pilot_platform_page", 1)))
    if number > pages:  # the search shrank the list below the page asked for
        st.session_state["pilot_platform_page"] = number = 1
    shown = rows[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]  # a province has hundreds: one table each
    for p in shown:
        title = f"{p.name} · {region_name(p.city_code, lang())} · {t('pilot.capacity_total', total=p.total_capacity)}"
        with st.expander(title, expanded=len(shown) <= 3):
            st.markdown(f"**{t('pilot.host')}**：{md(p.host_name)}")
            if p.tags:
                st.markdown(" ".join(f":blue-badge[{md(tag)}]" for tag in p.tags))
            if p.capabilities:
                st.markdown(f"**{t('pilot.capabilities')}**：{md(p.capabilities)}")
            st.caption(f"{t('pilot.hours')}：{md(p.opening_hours) or '—'} · "
                       f"{t('pilot.contact')}：{md(p.contact_name) or '—'} {md(p.contact_phone)}")
            if p.resources:
                st.dataframe(pd.DataFrame([{
                    t("pilot.col.resource"): r.name, t("pilot.col.capacity"): r.capacity,
                    t("pilot.col.price"): yuan(r.price_per_day),
                } for r in p.resources]), hide_index=True, width="stretch")
            else:
                st.caption(t("pilot.no_resources"))
    if pages > 1:
        st.number_input(t("pool.page", pages=pages), min_value=1, max_value=pages, key="pilot_platform_page")

manage_city = city or me.city_code
if manage_city and pf.may_manage(me, manage_city):
    st.subheader(t("pilot.manage"))
    own = [p for p in rows if pf.may_manage(me, p.city_code)]
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
