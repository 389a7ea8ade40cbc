"""Recommendations both ways: listed results for a demand, and the demands that fit a result."""

import uuid

import streamlit as st

from portal.core.regions import region_name
from portal.hub.demands import get_demand, list_demands
from portal.hub.matches import drop_reasons
from portal.search.recommend import (
    demands_without_match,
    find_listed_results,
    recommend_for_demand,
    recommend_for_result,
)
from portal.ui import actor, label, lang, md, refusals, show_flash, t, tmd
from portal.ui.matching import record_form, slots_text, why_text
from portal.ui.requests import request_actions, result_link

me = actor()
st.title(t("nav.recommend"))
show_flash()
for_demand, for_result = st.tabs([t("rec.for_demand"), t("rec.for_result")])

with for_demand, refusals():
    unmatched = demands_without_match(actor=me)
    if unmatched:
        with st.expander(t("semantic.unmatched", n=len(unmatched))):
            for u in unmatched:
                st.markdown(tmd("semantic.unmatched_line", title=u.title, enterprise=u.enterprise_name))
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
        if not recs.semantic:
            st.caption(t("semantic.bm25_only"))
        if not recs:
            st.info(t("semantic.no_good_match") if recs.weak else t("rec.none"))
        for i, r in enumerate(recs, start=1):
            with st.container(border=True):
                st.markdown(f"**{i}. {md(r.title)}**", help=md(r.number))
                st.caption(" · ".join([md(r.owner_name), region_name(r.city_code, lang()), label("field", r.field),
                                       t("rec.trl", trl=r.trl), slots_text(r.slots_left),
                                       t("rec.score", score=f"{r.score:.0f}")]))
                st.markdown(why_text(r.why, r.field_match, r.field, semantic=r.sentence is not None))
                if r.sentence:
                    st.caption(tmd("semantic.closest", sentence=r.sentence))
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
        drops = drop_reasons(actor=me, result_id=picked.id)
        if drops:
            with st.expander(t("semantic.drops")):
                for d in drops:
                    st.markdown(t("semantic.drop_line", reason=label("drop_reason", d.reason), n=d.count))
                    if d.latest_note:
                        st.caption(tmd("semantic.drop_note", note=d.latest_note))
                st.caption(t("semantic.drops_kept_away"))
        fits = recommend_for_result(actor=me, result_id=picked.id)
        st.subheader(t("rec.fits"))
        if not fits.semantic:
            st.caption(t("semantic.bm25_only"))
        if not fits:
            st.info(t("rec.no_fits"))
        for i, f in enumerate(fits, start=1):
            with st.container(border=True):
                st.markdown(f"**{i}. {md(f.title)}**")
                st.caption(" · ".join([md(f.enterprise_name), region_name(f.city_code, lang()), label("field", f.field),
                                       t("rec.score", score=f"{f.score:.0f}")]))
                st.markdown(why_text(f.why, f.field_match, f.field, semantic=f.semantic))
                record_form(key=f"r{i}", result_id=picked.id, enterprise_org_id=f.enterprise_org_id,
                            demand_id=f.demand_id if isinstance(f.demand_id, uuid.UUID) else None)
