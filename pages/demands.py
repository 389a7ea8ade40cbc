"""Enterprise demands: the list (open one for recommendations), post a demand, Excel import / export."""

import pandas as pd
import streamlit as st

from db.models.enums import Cooperation, DemandStatus, Field_
from portal.core.clock import now
from portal.core.regions import counties, region_name
from portal.core.spreadsheet import DATE, ImportFailed, error_workbook
from portal.core.workflow import allowed_actions, may
from portal.hub.demand_sheets import export_demands, import_demands, import_template
from portal.hub.demands import (
    create_demand,
    enterprise_options,
    list_demands,
    picks_enterprise,
    set_demand_status,
)
from portal.ui import (
    actor,
    done,
    label,
    lang,
    md,
    refusal,
    refusals,
    show_flash,
    t,
    tables,
    tmd,
    wan,
)
from portal.ui.forms import form_key, instance, succeeded
from portal.ui.paging import asked, pager

PAGE_SIZE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

me = actor()
st.title(t("nav.demands"))
show_flash()
writer = may(me, "create", "demand")
tabs = st.tabs([t("hub.list"), t("hub.new"), t("hub.excel")] if writer else [t("hub.list")])


def _budget(lo, hi) -> str:  # noqa: ANN001
    if lo is None and hi is None:
        return "—"
    return f"{wan(lo) if lo is not None else ''} – {wan(hi) if hi is not None else ''}"


with tabs[0], refusals():
    c1, c2, c3 = st.columns(3)
    status = c1.selectbox(t("field.demand_status"), [None, *DemandStatus],
                          format_func=lambda v: label("demand_status", v) if v else t("hub.any"))
    field = c2.selectbox(t("field.demand_field"), [None, *Field_],
                         format_func=lambda v: label("field", v) if v else t("hub.any"))
    text = c3.text_input(t("hub.search"))
    result = list_demands(actor=me, status=status, field=field, text=text, page=asked("demands_page"),
                          page_size=PAGE_SIZE)
    st.caption(t("hub.total", total=result.total))
    if not result.rows:
        st.info(t("hub.none"))
    else:
        st.caption(t("hub.open_hint"))
        frame = pd.DataFrame([{
            t("hub.col.demand"): r.title, t("hub.col.enterprise"): r.enterprise_name,
            t("field.city"): region_name(r.county_code or r.city_code, lang()),
            t("hub.col.field_of"): label("field", r.field), t("hub.col.budget"): _budget(r.budget_min, r.budget_max),
            t("hub.col.wanted_by"): r.wanted_by,
            t("hub.col.cooperation"): "、".join(label("cooperation", c) for c in r.cooperation.split(",") if c),
            t("col.status"): label("demand_status", r.status),
        } for r in result.rows])
        ids = [r.id for r in result.rows]
        tables.pick("demands_table", ids)
        picked = tables.show(frame, {t("hub.col.wanted_by"): DATE}, on_select="rerun",
                             selection_mode="single-row", key="demands_table")
        pager(result, "demands_page")
        chosen_id = tables.chosen(picked, ids, "demands_table")
        chosen = next((r for r in result.rows if r.id == chosen_id), None)
        if chosen is not None:
            st.subheader(md(chosen.title))
            st.markdown(md(chosen.description or "—"))
            b1, b2 = st.columns(2)
            if b1.button(t("hub.to_recommend"), icon=":material/auto_awesome:"):
                st.switch_page("../pages/recommend.py", query_params={"demand": str(chosen.id)})
            actions = allowed_actions(me, chosen)
            for action, target in (("close", DemandStatus.CLOSED), ("reopen", DemandStatus.OPEN)):
                if action in actions and b2.button(t(f"hub.{action}")):
                    with refusals():
                        set_demand_status(actor=me, demand_id=chosen.id, status=target)
                        done(t("hub.status_changed"))
    if writer:
        # Build the file only when asked: a province-wide export is large, and a page run must stay quick.
        wanted = (status, field, text)
        if st.button(t("hub.prepare_export"), icon=":material/table_view:"):
            st.session_state["demands_export"] = (wanted, export_demands(
                actor=me, status=status, field=field, text=text, lang=lang()))
        ready = st.session_state.get("demands_export")
        if ready and ready[0] == wanted:
            st.download_button(t("hub.export"), ready[1], file_name=f"demands-{now():%Y%m%d-%H%M}.xlsx", mime=XLSX)

if writer:
    with tabs[1], refusals():
        picks = picks_enterprise(actor=me)  # staff name the enterprise; an enterprise posts for itself
        name = st.text_input(t("pipeline.find_enterprise"), key="new_demand_ent_q") if picks else ""
        enterprises = enterprise_options(actor=me, query=name) if picks else []
        with st.form(instance("new_demand")):  # empty again once a demand is posted
            ent = None
            if picks:
                ent = st.selectbox(t("field.match_enterprise"), enterprises, format_func=lambda o: o.name)
            title = st.text_input(t("field.demand_title"))
            description = st.text_area(t("field.demand_description"))
            f1, f2 = st.columns(2)
            fld = f1.selectbox(t("field.demand_field"), list(Field_), format_func=lambda v: label("field", v))
            city = me.city_code
            county_opts = [None, *[c.code for c in counties(city)]] if city else [None]
            county = f2.selectbox(t("field.county"), county_opts,
                                  format_func=lambda c: region_name(c, lang()) if c else "—")
            b1, b2, b3 = st.columns(3)
            budget_min = b1.text_input(t("field.demand_budget_min"))
            budget_max = b2.text_input(t("field.demand_budget_max"))
            wanted_by = b3.date_input(t("field.demand_wanted_by"), value=None)
            coop = st.multiselect(t("field.demand_cooperation"), list(Cooperation), default=[Cooperation.TRIAL],
                                  format_func=lambda v: label("cooperation", v))
            if st.form_submit_button(t("hub.save")):
                with refusals():
                    d = create_demand(actor=me, enterprise_org_id=ent.id if ent else None, data={
                        "title": title, "description": description, "field": fld, "county": county,
                        "budget_min": budget_min, "budget_max": budget_max, "wanted_by": wanted_by,
                        "cooperation": coop}, idempotency_key=form_key("new_demand"))
                    succeeded("new_demand")
                    done(tmd("hub.saved", title=d.title))

    with tabs[2], refusals():
        st.download_button(t("hub.template"), import_template(lang=lang()), file_name="demands-template.xlsx",
                           mime=XLSX)
        upload = st.file_uploader(t("hub.upload"), type=["xlsx"], key=instance("demand_import"))  # gone once imported
        if upload is not None and st.button(t("hub.do_import")):
            with refusals():
                try:
                    n = import_demands(actor=me, data=upload.getvalue(), lang=lang(),
                                       idempotency_key=form_key("demand_import"))
                    succeeded("demand_import")
                    done(t("hub.imported", n=n))
                except ImportFailed as err:  # nothing imported: every problem, and the sheet to fix them
                    st.error(refusal(err, lang()))
                    st.dataframe(pd.DataFrame([{t("import.col_row"): e.row, t("import.col_column"): e.column,
                                                t("import.col_reason"): e.reason} for e in err.errors[:200]]),
                                 hide_index=True, width="stretch")
                    st.download_button(t("hub.import_errors"), error_workbook(err.errors, lang()),
                                       file_name="demands-import-errors.xlsx", mime=XLSX)
