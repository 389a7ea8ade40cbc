"""我的申请: the enterprise's own requests (trial, interest, pilot testing), their status, the
operator's reply, and withdrawing one still waiting."""

import streamlit as st

from portal.core.workflow import allowed_actions
from portal.pilot import bookings as bk
from portal.pilot.requests import withdraw_pilot_request
from portal.requests.listing import list_requests
from portal.requests.requests import withdraw_request
from portal.ui import actor, done, refusals, show_flash, t
from portal.ui.paging import asked, pager
from portal.ui.requests import booking_card, request_card

me = actor()
st.title(t("nav.my_requests"))
st.caption(t("requests.mine_intro"))
show_flash()

trials_tab, pilot_tab = st.tabs([t("requests.tab.results"), t("requests.tab.pilot")])
with trials_tab, refusals():
    page = list_requests(actor=me, page=asked("my_requests_page"), page_size=20)
    if not page.rows:
        st.info(t("requests.mine_none"))
    for row in page.rows:
        if request_card(row, withdraw="withdraw" in allowed_actions(me, row)):
            with refusals():
                withdraw_request(actor=me, request_id=row.id)
                done(t("requests.withdrawn"))
    pager(page, "my_requests_page")

with pilot_tab, refusals():
    st.page_link("../pages/pilot_bookings.py", label=t("requests.ask_pilot"), icon=":material/add:")
    bookings = bk.list_bookings(actor=me, page=asked("my_pilot_page"), page_size=20)
    if not bookings.rows:
        st.info(t("requests.pilot_none"))
    for row in bookings.rows:
        if booking_card(row, withdraw="withdraw" in allowed_actions(me, row)):
            with refusals():
                withdraw_pilot_request(actor=me, booking_id=row.id)
                done(t("requests.withdrawn"))
    pager(bookings, "my_pilot_page")
