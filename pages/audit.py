"""Audit trail: every change with who, when, before and after."""

import pandas as pd
import streamlit as st

from portal.admin.audit_log import list_audit
from portal.core.clock import fmt
from portal.core.i18n import action_label
from portal.ui import actor, lang, refusals, t
from portal.ui.paging import asked, pager

PAGE_SIZE = 50
me = actor()
st.title(t("nav.audit"))

c1, c2, c3 = st.columns(3)
username = c1.text_input(t("field.username"))
since = c2.date_input(t("field.since"), value=None)
until = c3.date_input(t("field.until"), value=None)

with refusals():
    page = list_audit(actor=me, username=username or None, since=since, until=until,
                      page=asked("audit_page"), page_size=PAGE_SIZE)
    st.caption(t("audit.count", total=page.total))
    st.dataframe(pd.DataFrame([{
        t("col.time"): fmt(e.at), t("col.user"): e.actor_name, t("col.action"): action_label(e.action, lang()),
        t("col.entity"): t(f"entity.{e.entity}"), t("col.reason"): e.reason or "",
        t("audit.before"): str(e.before or ""), t("audit.after"): str(e.after or ""),
    } for e in page.rows]), hide_index=True, width="stretch")
    pager(page, "audit_page")
