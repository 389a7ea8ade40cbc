"""Innovation vouchers: issue one to an enterprise, and the city's voucher ledger."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from portal.contracts.common import percent
from portal.contracts.listing import enterprise_search
from portal.contracts.vouchers import issue_voucher, list_vouchers, voucher_rate
from portal.core.clock import today
from portal.core.regions import cities, region_name
from portal.core.spreadsheet import DATE, MONEY
from portal.core.workflow import may
from portal.ui import actor, done, label, lang, refusals, show_flash, t, tables
from portal.ui.forms import form_key, instance, succeeded

me = actor()
st.title(t("nav.vouchers"))
show_flash()

with refusals():
    if me.city_code:
        st.caption(t("vouchers.rate", rate=percent(voucher_rate(me.city_code))))
    if may(me, "issue", "voucher"):
        with st.expander(t("vouchers.issue")):
            city = me.city_code
            if me.is_province:  # outside the form, so picking a city or a name refreshes the choices at once
                city = st.selectbox(t("field.city"), [c.code for c in cities()],
                                    format_func=lambda c: region_name(c, lang()))
            name = st.text_input(t("contracts.enterprise_search"), key="voucher_enterprise_search")
            enterprises = enterprise_search(actor=me, text=name, city_code=city)
            with st.form(instance("issue_voucher")):  # back to the defaults once a voucher is issued
                enterprise = st.selectbox(t("field.voucher_enterprise"), enterprises, format_func=lambda o: o[1])
                amount = st.text_input(t("field.voucher_amount"), value="20000")
                issued = st.date_input(t("field.voucher_issued_on"), value=today())
                expires = st.date_input(t("field.voucher_expires_on"), value=today() + timedelta(days=730))
                if st.form_submit_button(t("vouchers.issue"), type="primary"):
                    with refusals():
                        v = issue_voucher(actor=me, enterprise_org_id=enterprise[0] if enterprise else None,
                                          amount=amount, issued_on=issued, expires_on=expires,
                                          idempotency_key=form_key("issue_voucher"))
                        succeeded("issue_voucher")
                        done(t("vouchers.issued", code=v.code))
    st.subheader(t("vouchers.list"))
    rows = list_vouchers(actor=me)
    tables.show(pd.DataFrame([{
        t("contracts.col.voucher"): v.code, t("contracts.col.enterprise"): v.enterprise,
        t("contracts.col.amount"): v.amount, t("contracts.col.balance"): v.balance,
        t("contracts.col.issued"): v.issued_on, t("contracts.col.expires"): v.expires_on,
        t("contracts.col.status"): label("voucher_status", v.status),
        t("contracts.col.city"): region_name(v.city_code, lang()),
    } for v in rows]), {t("contracts.col.amount"): MONEY, t("contracts.col.balance"): MONEY,
                        t("contracts.col.issued"): DATE, t("contracts.col.expires"): DATE})
