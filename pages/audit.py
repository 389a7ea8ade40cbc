"""Audit trail: every change with who, when, before and after."""

import pandas as pd
import streamlit as st

from portal.admin.audit_log import list_audit
from portal.core.clock import fmt
from portal.core.i18n import action_label
from portal.ui import actor, lang, refusals, t

PAGE_SIZE = 50
me = actor()
st.title(t("nav.audit"))

c1, c2, c3 = st.columns(3)
username = c1.text_input(t("field.username"))
since = c2.date_input(t("field.since"), value=None)
until = c3.date_input(t("field.until"), value=None)

with refusals():
    page_no = st.session_state.get("audit_page", 0)
    result = list_audit(actor=me, username=username or None, since=since, until=until,
                        limit=PAGE_SIZE, offset=page_no * PAGE_SIZE)
    st.caption(t("audit.count", total=result.total))
    st.dataframe(pd.DataFrame([{
        t("col.time"): fmt(e.at), t("col.user"): e.actor_name, t("col.action"): action_label(e.action, lang()),
        t("col.entity"): t(f"entity.{e.entity}"), t("col.reason"): e.reason or "",
        t("audit.before"): str(e.before or ""), t("audit.after"): str(e.after or ""),
    } for e in result.rows]), hide_index=True, width="stretch")
    pages = max(1, -(-result.total // PAGE_SIZE))
    new_page = st.number_input(t("audit.page", pages=pages), min_value=1, max_value=pages, value=page_no + 1) - 1
    if new_page != page_no:
        st.session_state["audit_page"] = new_page
        st.rerun()
