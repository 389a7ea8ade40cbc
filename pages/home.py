"""Home: the figures the signed-in role needs at a glance."""

import pandas as pd
import streamlit as st

from portal.core.auth import role_label
from portal.core.clock import fmt
from portal.core.i18n import action_label
from portal.core.regions import region_name
from portal.dashboards.home import home_figures
from portal.ui import actor, label, lang, md_table, refusals, t, tmd, yuan

REQUEST_PAGES = {"my_requests": "requests.open_mine", "requests": "requests.open_inbox"}
me = actor()
st.title(tmd("home.title", name=me.display_name))
with refusals():
    figures = home_figures(actor=me)
    scope = figures.organization or (region_name(me.city_code, lang()) if me.city_code else t("home.scope_province"))
    st.caption(tmd("home.scope", scope=scope, role=role_label(me, lang())))
    per_row = max(1, min(len(figures.metrics), 6))  # rows of up to six, so no figure is dropped
    columns = [c for start in range(0, len(figures.metrics), per_row) for c in st.columns(per_row)]
    for col, metric in zip(columns, figures.metrics, strict=False):
        value = yuan(metric.value) if metric.money else f"{metric.value:,}"
        col.metric(t(metric.key, days=figures.reminder_days), value)
        if metric.page in REQUEST_PAGES:  # the enterprise's requests, the city's inbox of them
            col.page_link(f"../pages/{metric.page}.py", label=t(REQUEST_PAGES[metric.page]),
                          icon=":material/arrow_forward:")

    if figures.per_city:
        st.subheader(t("home.per_city"))
        frame = pd.DataFrame([
            {t("col.city"): region_name(row["city"], lang()), t("col.listed"): row["listed"],
             t("col.trials_running"): row["trials"], t("col.conversions"): row["conversions"],
             t("col.deal_amount"): yuan(row["deal_amount"])}
            for row in figures.per_city
        ])
        st.table(md_table(frame.set_index(t("col.city"))))

    if figures.pending:
        st.subheader(t("home.pending"))
        st.table(md_table(pd.DataFrame([
            {t("col.result"): row["title"], t("col.status"): label("result_status", row["status"]),
             t("col.notice_end"): row["notice_end"].isoformat() if row["notice_end"] else ""}
            for row in figures.pending
        ]).set_index(t("col.result"))))

    if figures.ending:
        st.subheader(t("home.ending_list", days=figures.reminder_days))
        # a plain table (not a canvas grid): few rows, and readable by screen readers and tests
        st.table(md_table(pd.DataFrame([
            {t("col.contract"): row["number"], t("col.result"): row["result"], t("col.licensee"): row["licensee"],
             t("col.end_date"): row["end_date"].isoformat(), t("col.days_left"): row["days_left"]}
            for row in figures.ending
        ]).set_index(t("col.contract"))))

    if figures.recent:
        st.subheader(t("home.recent"))
        frame = pd.DataFrame([
            {t("col.time"): fmt(row.at), t("col.user"): row.user,
             t("col.action"): action_label(row.action, lang()), t("col.entity"): t(f"entity.{row.entity}")}
            for row in figures.recent
        ])
        st.dataframe(frame, hide_index=True, width="stretch")
