"""The public intent page a roadshow card's QR code opens: no sign-in, the item known by its token.

A visitor sees the result and, after submitting, the receipt of their own submission only
(DOMAIN.md rule 11). The receipt replaces the form, and the form's submission key makes a double
tap on submit one submission."""

import streamlit as st

from portal.core.clock import local
from portal.roadshows.intents import public_item, submit_intent
from portal.ui import label, md, refusals, t, tmd
from portal.ui.forms import form_key, succeeded

token = st.query_params.get("t", "")
item = None
with refusals():
    item = public_item(token=token)
if item is None:
    st.stop()

FORM = f"intent:{token}"
RECEIPT = f"intent_receipt:{token}"  # this browser session's own receipt, never read from the database again


def _another() -> None:
    st.session_state.pop(RECEIPT, None)


st.title(t("intents.title"))
st.subheader(md(item.result_title))
st.caption(tmd("intents.result_facts", institution=item.institution, field=label("field", item.field),
             trl=item.trl, months=item.trial_months))
if item.summary:
    st.markdown(md(item.summary))
st.caption(tmd("intents.at_roadshow", roadshow=item.roadshow_title,
             when=local(item.starts_at).strftime("%Y-%m-%d %H:%M")))

receipt = st.session_state.get(RECEIPT)
if receipt is not None:
    chosen = "、".join(label("intent_want", w) for w in receipt.wants)
    st.success(tmd("intents.thanks", company=receipt.company_name, result=receipt.result_title, wants=chosen))
    st.caption(tmd("intents.receipt_contact", person=receipt.contact_person))
    st.button(t("intents.another"), on_click=_another)
    st.stop()

st.info(t("intents.intro"))
WANTS = ["trial", "pilot", "info"]
key = form_key(FORM)  # this form instance's: its widgets are new (and empty) once it succeeded
with st.form(f"intent_form_{key}"):
    company = st.text_input(t("field.intent_company_name"), max_chars=120, key=f"company_{key}")
    code = st.text_input(t("field.credit_code"), max_chars=18, placeholder=t("intents.placeholder_code"),
                         key=f"code_{key}")
    person = st.text_input(t("field.intent_contact_person"), max_chars=40, key=f"person_{key}")
    phone = st.text_input(t("field.phone"), max_chars=20, key=f"phone_{key}")
    wants = st.multiselect(t("field.intent_wants"), WANTS, default=["trial"], key=f"wants_{key}",
                           format_func=lambda w: label("intent_want", w))
    note = st.text_area(t("field.intent_note"), max_chars=1000, key=f"note_{key}")
    sent = st.form_submit_button(t("intents.submit"), type="primary")

if sent:
    with refusals():
        done = submit_intent(token=token, company_name=company, credit_code=code, contact_person=person,
                             phone=phone, wants=wants, note=note, idempotency_key=key)
        # no Streamlit call between the commit and these two lines: a second tap's rerun either
        # finds the receipt (no form drawn, nothing submitted) or the same key (the same row)
        st.session_state[RECEIPT] = done
        succeeded(FORM)
        st.rerun()
