"""成果池: browse listed results with filters and Chinese text search; a selected row opens its details."""

import pandas as pd
import streamlit as st

from db.models.enums import Field_, ResultType
from portal.core.regions import cities, region_name
from portal.core.scope import as_id
from portal.pool.approval import advance_notices_if_due
from portal.pool.browse import PoolFilter, pool_owners, search_pool
from portal.pool.excel import export_market_csv, export_workbook
from portal.ui import actor, label, lang, links, refusals, show_flash, t, tables
from portal.ui.downloads import XLSX
from portal.ui.paging import asked, pager
from portal.ui.pool import render_detail

me = actor()
st.title(t("nav.pool"))
advance_notices_if_due()
show_flash()

linked = st.query_params.get("result")  # a result's own page: pool?result=<id> (cards, 我的申请)
if linked:
    with st.container(border=True):
        with refusals():
            render_detail(me, as_id(linked))
        if st.button(t("pool.back_to_list"), icon=":material/arrow_back:", key="pool_back"):
            del st.query_params["result"]
            st.rerun()

c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
asked_text = st.query_params.get("q")  # a link to one result (the audit trail's) searches its number
text = c1.text_input(t("pool.search"), placeholder=t("pool.search_placeholder"),
                     key=f"pool_q@{asked_text}" if asked_text else "pool_q", value=asked_text or "")
city_codes = ["", *[c.code for c in cities()]]
city = c2.selectbox(t("field.city"), city_codes, **links.filter_from_link("pool_city", "city", city_codes),
                    format_func=lambda c: region_name(c, lang()) if c else t("pool.any"))
field = c3.selectbox(t("field.result_field"), ["", *Field_], key="pool_field",
                     format_func=lambda f: label("field", f) if f else t("pool.any"))
kind = c4.selectbox(t("field.result_type"), ["", *ResultType], key="pool_type",
                    format_func=lambda k: label("result_type", k) if k else t("pool.any"))

with refusals():
    c1, c2, c3 = st.columns([2, 2, 2])
    owners = pool_owners(actor=me, city_code=city)
    owner = c1.selectbox(t("field.result_owner"), ["", *owners], key="pool_owner",
                         format_func=lambda o: o[1] if o else t("pool.any"))
    trl = c2.slider(t("pool.trl_range"), 1, 9, (1, 9), key="pool_trl")
    available = c3.checkbox(t("pool.available_only"), key="pool_available")
    filters = PoolFilter(city_code=city or None, owner_org_id=owner[0] if owner else None, field=field, type=kind,
                         trl_min=trl[0] if trl[0] > 1 else None, trl_max=trl[1] if trl[1] < 9 else None,
                         available_only=available, text=text)
    page = search_pool(actor=me, filters=filters, page=asked("pool_page"), page_size=25)
    st.caption(t("pool.found_capped", total=page.total) if page.capped else t("pool.found", total=page.total))
    if not page.rows:
        st.info(t("pool.none_found"))
    else:
        frame = pd.DataFrame([{
            t("pool.col.title"): r.title, t("pool.col.type"): label("result_type", r.type),
            t("pool.col.field"): label("field", r.field), t("pool.col.trl"): r.trl, t("pool.col.owner"): r.owner,
            t("pool.col.city"): region_name(r.city_code, lang()),
            t("pool.col.slots"): t("pool.unlimited") if r.slots_left is None else str(r.slots_left),
            t("pool.col.number"): r.number,
        } for r in page.rows])
        ids = [r.id for r in page.rows]
        tables.pick("pool_table", ids)
        event = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun",
                             selection_mode="single-row", key="pool_table")
        pager(page, "pool_page")
        st.caption(t("pool.select_hint"))
        chosen = tables.chosen(event, ids, "pool_table")
        if chosen:
            st.divider()
            render_detail(me, chosen)

    with st.expander(t("pool.export_xlsx") + " / " + t("pool.export_market")):
        if st.button(t("pool.prepare_export"), key="pool_prepare"):
            st.download_button(t("pool.export_xlsx"), export_workbook(actor=me, filters=filters, lang=lang()),
                               file_name="成果池.xlsx", key="pool_dl_xlsx", mime=XLSX)
            st.download_button(t("pool.export_market"), export_market_csv(actor=me, filters=filters),
                               file_name="网上技术市场成果.csv", mime="text/csv", key="pool_dl_csv")
