"""Audit trail: every change with who, when, which record and what changed, in words."""

import pandas as pd
import streamlit as st

from portal.admin.audit_text import readable_audit
from portal.core.spreadsheet import MOMENT
from portal.ui import actor, lang, md, refusals, t, tables
from portal.ui.paging import asked, pager

PAGE_SIZE = 50
me = actor()
st.title(t("nav.audit"))

c1, c2, c3 = st.columns(3)
username = c1.text_input(t("field.username"))
since = c2.date_input(t("field.since"), value=None)
until = c3.date_input(t("field.until"), value=None)

with refusals():
    page = readable_audit(actor=me, lang=lang(), username=username or None, since=since, until=until,
                          page=asked("audit_page"), page_size=PAGE_SIZE)
    st.caption(t("audit.count", total=page.total))
    when, record, link = t("col.time"), t("audit.record"), t("audit.open")
    frame = pd.DataFrame([{
        when: e.at, t("col.user"): e.user, t("col.action"): e.action, t("col.entity"): e.kind, record: e.record,
        t("audit.changes"): e.summary or "—", t("col.reason"): e.reason, link: e.link or "",
    } for e in page.rows])
    event = tables.show(frame, {when: MOMENT, link: tables.LINK}, links={link: t("audit.open_text")},
                        on_select="rerun", selection_mode="single-row", key="audit_table")
    pager(page, "audit_page")
    chosen = tables.chosen(event, list(range(len(page.rows))))
    if chosen is not None:
        entry = page.rows[chosen]
        st.markdown(f"**{md(entry.action)}** · {md(entry.kind)} {md(entry.record)}")
        if entry.changes:
            tables.show(pd.DataFrame([{t("audit.field_name"): c.field, t("audit.before"): c.before,
                                       t("audit.after"): c.after} for c in entry.changes]))
        else:
            st.caption(t("audit.no_field_changes"))
    else:
        st.caption(t("audit.select_hint"))
