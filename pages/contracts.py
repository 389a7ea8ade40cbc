"""Contracts: the filtered list (open one, export .xlsx) and a new use-first trial."""

import streamlit as st

from db.models.enums import ContractKind, ContractStatus
from portal.contracts.listing import (
    RUNNING_ANY,
    ContractFilters,
    export_contracts_xlsx,
    list_contracts,
)
from portal.core.regions import cities, region_name
from portal.core.workflow import may
from portal.ui import actor, label, lang, links, refusals, show_flash, t
from portal.ui.contracts import contracts_table, new_trial_form, now_stamp
from portal.ui.paging import asked, pager

PAGE_SIZE = 50

me = actor()
st.title(t("nav.contracts"))
show_flash()
tabs = st.tabs([t("contracts.list"), t("contracts.new_trial")] if may(me, "create_trial", "contract")
               else [t("contracts.list")])

with tabs[0], refusals():
    city = None
    if me.is_province:  # narrow to a city (and name the city a new trial is recorded in)
        city = st.selectbox(t("field.city"), [None, *[c.code for c in cities()]],
                            format_func=lambda c: region_name(c, lang()) if c else t("contracts.any"))
    with st.expander(t("contracts.filters"), expanded=True):
        c1, c2, c3 = st.columns(3)
        statuses, kinds = [None, RUNNING_ANY, *ContractStatus], [None, *ContractKind]
        status = c1.selectbox(t("field.contract_status"), statuses,  # a home figure's link: 试用中
                              **links.filter_from_link("contracts_status", "status", statuses),
                              format_func=lambda v: (t("contracts.running_any") if v == RUNNING_ANY
                                                     else label("contract_status", v)) if v else t("contracts.any"))
        kind = c2.selectbox(t("contracts.col.kind"), kinds, **links.filter_from_link("contracts_kind", "kind", kinds),
                            format_func=lambda v: label("contract_kind", v) if v else t("contracts.any"))
        text = c3.text_input(t("contracts.result_search"))
        c4, c5, c6, c7 = st.columns(4)
        # names are searched, not picked: a city has thousands of organizations
        licensor = c4.text_input(t("field.contract_licensor"), placeholder=t("contracts.name_part"))
        licensee = c5.text_input(t("field.contract_licensee"), placeholder=t("contracts.name_part"))
        since = c6.date_input(t("field.since"), value=None)
        until = c7.date_input(t("field.until"), value=None)
    filters = ContractFilters(status=status, kind=kind, result_text=text, licensor_text=licensor,
                              licensee_text=licensee, since=since, until=until, city_code=city)
    page = list_contracts(actor=me, filters=filters, page=asked("contracts_page"), page_size=PAGE_SIZE)
    st.caption(t("contracts.total", total=page.total))
    rows = page.rows
    if not rows:
        st.info(t("contracts.none"))
    else:
        st.caption(t("contracts.open_hint"))
        picked = contracts_table(rows, on_select="rerun", selection_mode="single-row", key="contracts_table")
        pager(page, "contracts_page")
        selected = picked.selection.rows if picked is not None else []
        if selected:
            st.switch_page("../pages/contract_detail.py", query_params={"no": rows[selected[0]].number})
        language = lang()  # the export runs in another thread, after this run: capture what it needs
        st.download_button(t("contracts.export"),
                           lambda: export_contracts_xlsx(actor=me, filters=filters, lang=language),
                           file_name=f"contracts-{now_stamp()}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

if len(tabs) > 1:
    with tabs[1], refusals():
        new_trial_form(me, city)
