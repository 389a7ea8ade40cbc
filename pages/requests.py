"""企业申请: the requests enterprises sent to the city (trial, interest), answered by the city's
operators: into a trial, into matchmaking, or declined with a reason the enterprise reads."""

import streamlit as st

from db.models.enums import RequestStatus
from portal.requests.listing import list_requests
from portal.ui import actor, label, refusals, show_flash, t
from portal.ui.paging import asked, pager
from portal.ui.request_answers import answer_forms
from portal.ui.requests import request_label, requests_table

me = actor()
st.title(t("nav.requests"))
st.caption(t("requests.inbox_intro"))
show_flash()

status = st.selectbox(t("requests.col.status"), [RequestStatus.OPEN, None, *list(RequestStatus)[1:]],
                      format_func=lambda s: label("request_status", s) if s else t("requests.any_status"),
                      key="requests_status")
with refusals():
    page = list_requests(actor=me, status=status, page=asked("requests_page"))
    if not page.rows:
        st.info(t("requests.inbox_none"))
    else:
        requests_table(page.rows)
        row = st.selectbox(t("requests.pick"), page.rows, format_func=request_label, key="requests_pick")
        if row is not None:
            st.divider()
            answer_forms(me, row)
    pager(page, "requests_page")
