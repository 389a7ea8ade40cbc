"""我的申请: the enterprise's own requests (trial, interest, pilot testing), their status, the
operator's reply, and withdrawing one still waiting."""

from collections.abc import Callable

import streamlit as st

from portal.core.paging import Page
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


def _cards(page: Page, key: str, card: Callable[..., bool], withdraw: Callable[[object], object], empty: str) -> None:
    """One card per row; a confirmed 撤回 withdraws that row and redraws the page."""
    if not page.rows:
        st.info(t(empty))
    for row in page.rows:
        if card(row, withdraw="withdraw" in allowed_actions(me, row)):
            with refusals():
                withdraw(row.id)
                done(t("requests.withdrawn"))
    pager(page, key)


trials_tab, pilot_tab = st.tabs([t("requests.tab.results"), t("requests.tab.pilot")])
with trials_tab, refusals():
    _cards(list_requests(actor=me, page=asked("my_requests_page"), page_size=20), "my_requests_page", request_card,
           lambda rid: withdraw_request(actor=me, request_id=rid), "requests.mine_none")

with pilot_tab, refusals():
    st.page_link("../pages/pilot_bookings.py", label=t("requests.ask_pilot"), icon=":material/add:")
    _cards(bk.list_bookings(actor=me, page=asked("my_pilot_page"), page_size=20), "my_pilot_page", booking_card,
           lambda bid: withdraw_pilot_request(actor=me, booking_id=bid), "requests.pilot_none")
