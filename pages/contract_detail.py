"""One contract and its whole history: parties, family, risks, document, outcome, insurance, disputes."""

import pandas as pd
import streamlit as st

from db.models.enums import ContractKind
from portal.contracts.documents import contract_risks, generate_document
from portal.contracts.listing import contract_detail, find_contract_id
from portal.core.clock import fmt
from portal.core.workflow import allowed_actions
from portal.ui import actor, label, lang, md, refusals, show_flash, t, tmd, yuan
from portal.ui.contracts import OUTCOMES, insurance_section, objection_section, outcome_forms

me = actor()
st.title(t("nav.contract"))
show_flash()
number = st.text_input(t("contracts.number_input"), value=st.query_params.get("no", ""))

with refusals():
    if not number.strip():
        st.stop()
    detail = contract_detail(actor=me, contract_id=find_contract_id(actor=me, number=number))
    c = detail.contract
    actions = allowed_actions(me, c)
    st.header(f"{md(c.number)} · {label('contract_kind', c.kind)} · {label('contract_status', c.status)}")
    cols = st.columns(4)
    cols[0].metric(t("contracts.col.start"), str(c.start_date))
    cols[1].metric(t("contracts.col.end"), str(c.end_date or "—"))
    cols[2].metric(t("field.contract_licence_type"), label("licence_type", c.licence_type))
    if c.kind == ContractKind.TRIAL:
        cols[3].metric(t("field.contract_fee"), yuan(c.fee))
    else:
        cols[3].metric(t("contracts.col.deal_amount"), yuan(c.deal_amount))
    st.dataframe(pd.DataFrame([
        {"": t("contracts.col.result"), t("field.name"): f"{detail.result.title}（{detail.result.number}）"},
        {"": t("contracts.licensor"), t("field.name"): f"{detail.licensor.name}（{detail.licensor.credit_code}）"},
        {"": t("contracts.licensee"), t("field.name"): f"{detail.licensee.name}（{detail.licensee.credit_code}）"},
        {"": t("field.agency"), t("field.name"): detail.agency_name},
        {"": t("field.contract_territory"), t("field.name"): c.territory},
    ]), hide_index=True, width="stretch")
    if c.status_reason:
        st.caption(f"{t('field.contract_reason')}：{md(c.status_reason)}")
    if detail.parent:
        st.markdown(tmd("contracts.family_parent", number=detail.parent.number))
    for deal in detail.deals:
        st.markdown(tmd("contracts.family_deal", number=deal.number, kind=label("contract_kind", deal.kind),
                      amount=yuan(deal.deal_amount)))
    if c.payment_terms:
        st.caption(f"{t('field.contract_payment_terms')}：{md(c.payment_terms)}")

    st.subheader(t("contracts.risks"))
    hints = contract_risks(actor=me, contract_id=c.id)
    for hint in hints:
        st.warning(md(hint.text(lang())))  # a period in the reader's words; values escaped
    if not hints:
        st.success(t("contracts.no_risks"))

    if detail.template:
        st.caption(tmd("contracts.template_used", title=detail.template[1], version=detail.template[0]))
    key = f"doc_{c.id}"  # every kind has a standard form: trial, paid licence, transfer
    if "document" in actions and st.button(t("contracts.document")):
        st.session_state[key] = generate_document(actor=me, contract_id=c.id)
    if key in st.session_state:
        doc = st.session_state[key]
        st.download_button(tmd("contracts.download", filename=doc.filename), doc.data, file_name=doc.filename,
                           mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

    if c.kind == ContractKind.TRIAL and OUTCOMES & set(actions):  # a deal has no trial outcome
        st.subheader(t("contracts.outcome"))
        outcome_forms(me, c, actions)
    if c.kind == ContractKind.TRIAL:  # insurance covers a trial's risk
        insurance_section(me, detail)
    objection_section(me, detail, actions)

    st.subheader(t("contracts.history"))
    st.dataframe(pd.DataFrame([{
        t("col.time"): fmt(h.at), t("col.user"): h.actor_name, t("col.action"): t(f"action.{h.action}"),
        t("col.reason"): h.reason or "",
    } for h in detail.history]), hide_index=True, width="stretch")
