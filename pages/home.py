"""Home: the figures the signed-in role needs at a glance."""

import pandas as pd
import streamlit as st

from portal.admin.audit_text import recent_lines
from portal.core.auth import role_label
from portal.core.regions import region_name
from portal.core.spreadsheet import DATE, MOMENT, MONEY
from portal.dashboards.home import home_figures
from portal.ui import actor, label, lang, links, md_table, refusals, t, tables, tmd, wan, yuan

# the requests' figures say what the link is for; every other figure opens the rows it counts
LINK_LABELS = {"my_requests": "requests.open_mine", "requests": "requests.open_inbox"}

me = actor()
st.title(tmd("home.title", name=me.display_name))
with refusals():
    figures = home_figures(actor=me)
    scope = figures.organization or (region_name(me.city_code, lang()) if me.city_code else t("home.scope_province"))
    st.caption(tmd("home.scope", scope=scope, role=role_label(me, lang())))
    per_row = max(1, min(len(figures.metrics), 6))  # rows of up to six, so no figure is dropped
    columns = [c for start in range(0, len(figures.metrics), per_row) for c in st.columns(per_row)]
    for col, metric in zip(columns, figures.metrics, strict=False):
        # money in 万元 so that it fits a sixth of the page; the exact yuan on hover
        value = wan(metric.value) if metric.money else f"{metric.value:,}"
        col.metric(t(metric.key, days=figures.reminder_days), value,
                   help=t("home.money_help", amount=yuan(metric.value)) if metric.money else None)
        if metric.page:  # each figure opens the list it counts, filtered to those rows
            links.page_link(me, metric.page, t(LINK_LABELS.get(metric.page, "home.open_list")), metric.query,
                            where=col)

    if figures.per_city:
        st.subheader(t("home.per_city"))
        tables.show(pd.DataFrame([
            {t("col.city"): region_name(row["city"], lang()), t("col.listed"): row["listed"],
             t("col.trials_running"): row["trials"], t("col.conversions"): row["conversions"],
             t("col.deal_amount"): row["deal_amount"]}
            for row in figures.per_city
        ]), {t("col.deal_amount"): MONEY})

    if figures.pending:
        st.subheader(t("home.pending"))
        st.table(md_table(pd.DataFrame([
            {t("col.result"): row["title"], t("col.status"): label("result_status", row["status"]),
             t("col.notice_end"): row["notice_end"].isoformat() if row["notice_end"] else ""}
            for row in figures.pending
        ]).set_index(t("col.result"))))

    if figures.ending:
        st.subheader(t("home.ending_list", days=figures.reminder_days))
        tables.show(pd.DataFrame([
            {t("col.contract"): tables.record_link("contract", no=row["number"]), t("col.result"): row["result"],
             t("col.licensee"): row["licensee"], t("col.end_date"): row["end_date"], t("col.days_left"): row["days_left"]}
            for row in figures.ending
        ]), {t("col.contract"): tables.LINK, t("col.end_date"): DATE}, links={t("col.contract"): tables.BY_NUMBER})

    if figures.recent:
        st.subheader(t("home.recent"))
        when, record, link = t("col.time"), t("audit.record"), t("audit.open")
        tables.show(pd.DataFrame([
            {when: line.at, t("col.user"): line.user, t("col.action"): line.action, t("col.entity"): line.kind,
             record: line.record, t("audit.changes"): line.summary or "—", link: line.link or ""}
            for line in recent_lines(actor=me, lang=lang())
        ]), {when: MOMENT, link: tables.LINK}, links={link: t("audit.open_text")})
