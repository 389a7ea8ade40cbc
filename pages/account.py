"""My account: who I am, changing my own password, my reminders (e-mail, language, calendar
subscription) and the last messages sent to me."""

import streamlit as st

from portal.admin.users import change_own_password
from portal.core.auth import role_label
from portal.core.regions import region_name
from portal.ui import actor, done, lang, md, refusals, show_flash, t
from portal.ui import notify as notify_ui

me = actor()
st.title(t("nav.account"))
show_flash()
st.markdown(f"**{t('field.username')}**: {md(me.username)}")
st.markdown(f"**{t('field.role')}**: {role_label(me, lang())}")
if me.city_code:
    st.markdown(f"**{t('field.city')}**: {region_name(me.city_code, lang())}")

with st.form("change_password", clear_on_submit=True):
    st.subheader(t("account.change_password"))
    current = st.text_input(t("field.current_password"), type="password")
    new = st.text_input(t("field.new_password"), type="password")
    repeat = st.text_input(t("field.repeat_password"), type="password")
    if st.form_submit_button(t("account.save")):
        with refusals():
            change_own_password(actor=me, current=current, new_password=new, repeat=repeat)
            done(t("account.password_changed"))

notify_ui.account_section(me)
