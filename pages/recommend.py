"""Recommendations both ways: listed results for a demand, and the demands that fit a result."""

import uuid

import streamlit as st

from portal.core.regions import region_name
from portal.hub.demands import get_demand, list_demands
from portal.search.recommend import find_listed_results, recommend_for_demand, recommend_for_result
from portal.ui import actor, label, lang, md, refusals, show_flash, t
from portal.ui.matching import record_form, slots_text, why_text
from portal.ui.requests import request_actions, result_link

me = actor()
st.title(t("nav.recommend"))
show_flash()
for_demand, for_result = st.tabs([t("rec.for_demand"), t("rec.for_result")])

with for_demand, refusals():
    options = list_demands(actor=me, page_size=200).rows
    wanted = st.query_params.get("demand")
    if wanted and not any(str(d.id) == wanted for d in options):
        options = [get_demand(actor=me, demand_id=wanted), *options]  # NotFound when out of scope
    if not options:
        st.info(t("rec.no_demands"))
    else:
        start = next((i for i, d in enumerate(options) if str(d.id) == wanted), 0)
        demand = st.selectbox(t("rec.pick_demand"), options, index=start,
                              format_func=lambda d: f"{d.title} · {d.enterprise_name}")
        st.caption(f"{label('field', demand.field)} · {md(demand.description)}")
        expand = st.toggle(t("rec.expansion"), value=True)
        recs = recommend_for_demand(actor=me, demand_id=demand.id, use_expansion=expand)
        if not recs:
            st.info(t("rec.none"))
        for i, r in enumerate(recs, start=1):
            with st.container(border=True):
                st.markdown(f"**{i}. {md(r.title)}**", help=md(r.number))
                st.caption(" · ".join([md(r.owner_name), region_name(r.city_code, lang()), label("field", r.field),
                                       t("rec.trl", trl=r.trl), slots_text(r.slots_left),
                                       t("rec.score", score=f"{r.score:.0f}")]))
                st.markdown(why_text(r.why, r.field_match, r.field))
                result_link(r.result_id)
                request_actions(me, r.result_id, key=f"d{i}")  # the enterprise: 申请试用 / 登记意向
                record_form(key=f"d{i}", result_id=r.result_id, enterprise_org_id=demand.enterprise_org_id,
                            demand_id=demand.id)

with for_result, refusals():
    query = st.text_input(t("rec.result_query"))
    choices = find_listed_results(actor=me, query=query) if query else []
    if query and not choices:
        st.info(t("rec.no_results"))
    if choices:
        picked = st.selectbox(t("rec.pick_result"), choices, format_func=lambda c: f"{c.title} · {c.owner_name}")
        fits = recommend_for_result(actor=me, result_id=picked.id)
        st.subheader(t("rec.fits"))
        if not fits:
            st.info(t("rec.no_fits"))
        for i, f in enumerate(fits, start=1):
            with st.container(border=True):
                st.markdown(f"**{i}. {md(f.title)}**")
                st.caption(" · ".join([md(f.enterprise_name), region_name(f.city_code, lang()), label("field", f.field),
                                       t("rec.score", score=f"{f.score:.0f}")]))
                st.markdown(why_text(f.why, f.field_match, f.field))
                record_form(key=f"r{i}", result_id=picked.id, enterprise_org_id=f.enterprise_org_id,
                            demand_id=f.demand_id if isinstance(f.demand_id, uuid.UUID) else None)
