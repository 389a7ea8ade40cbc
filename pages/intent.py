"""The public intent page a roadshow card's QR code opens: no sign-in, the item known by its token."""

import streamlit as st

from portal.core.clock import local
from portal.roadshows.intents import public_item, submit_intent
from portal.ui import label, md, refusals, t, tmd

token = st.query_params.get("t", "")
item = None
with refusals():
    item = public_item(token=token)
if item is None:
    st.stop()

st.title(t("intents.title"))
st.subheader(md(item.result_title))
st.caption(tmd("intents.result_facts", institution=item.institution, field=label("field", item.field),
             trl=item.trl, months=item.trial_months))
if item.summary:
    st.markdown(md(item.summary))
st.caption(tmd("intents.at_roadshow", roadshow=item.roadshow_title,
             when=local(item.starts_at).strftime("%Y-%m-%d %H:%M")))
st.info(t("intents.intro"))

WANTS = ["trial", "pilot", "info"]
with st.form("intent_form"):
    company = st.text_input(t("field.intent_company_name"), max_chars=120)
    code = st.text_input(t("field.credit_code"), max_chars=18, placeholder=t("intents.placeholder_code"))
    person = st.text_input(t("field.intent_contact_person"), max_chars=40)
    phone = st.text_input(t("field.phone"), max_chars=20)
    wants = st.multiselect(t("field.intent_wants"), WANTS, default=["trial"],
                           format_func=lambda w: label("intent_want", w))
    note = st.text_area(t("field.intent_note"), max_chars=1000)
    sent = st.form_submit_button(t("intents.submit"), type="primary")

if sent:
    with refusals():
        receipt = submit_intent(token=token, company_name=company, credit_code=code, contact_person=person,
                                phone=phone, wants=wants, note=note)
        chosen = "、".join(label("intent_want", w) for w in receipt.wants)
        key = "intents.thanks_merged" if receipt.merged else "intents.thanks"
        st.success(tmd(key, company=receipt.company_name, result=receipt.result_title, wants=chosen))
