"""One contract and its whole history: parties, family, risks, document, outcome, insurance, disputes."""

import pandas as pd
import streamlit as st

from db.models.enums import ContractKind
from portal.contracts.documents import contract_risks, generate_document
from portal.contracts.listing import (
    ContractFilters,
    contract_detail,
    find_contract_id,
    list_contracts,
)
from portal.core.clock import fmt
from portal.core.errors import NotFound
from portal.core.workflow import allowed_actions
from portal.ui import actor, label, lang, md, refusals, show_flash, t, tables, tmd, yuan
from portal.ui.contracts import (
    OUTCOMES,
    contracts_table,
    insurance_section,
    objection_section,
    outcome_forms,
)

FOUND = 20

me = actor()
st.title(t("nav.contract"))
show_flash()
number = st.text_input(t("contracts.number_input"), value=st.query_params.get("no", ""),
                       placeholder=t("contracts.find_placeholder")).strip()


def _finder(text: str) -> bool:
    """The contracts whose number, result or result number holds text (the latest when text is
    empty); choosing one opens it. Whether there was any."""
    found = list_contracts(actor=me, filters=ContractFilters(result_text=text), page_size=FOUND)
    if not found.rows:
        return False
    st.caption(t("contracts.find_hint", shown=len(found.rows), total=found.total))
    ids = [r.number for r in found.rows]
    event = contracts_table(found.rows, on_select="rerun", selection_mode="single-row", key="contract_find")
    picked = tables.chosen(event, ids)
    if picked:
        st.query_params["no"] = picked
        st.rerun()
    return True


with refusals():
    if not number:
        _finder("")
        st.stop()
    try:
        contract_id = find_contract_id(actor=me, number=number)
    except NotFound:
        if not _finder(number):  # nothing by that number or words: say so
            raise
        st.stop()
    detail = contract_detail(actor=me, contract_id=contract_id)
    c = detail.contract
    actions = allowed_actions(me, c)
    st.header(f"{md(c.number)} · {label('contract_kind', c.kind)} · {label('contract_status', c.status)}")
    # a transfer hands over the rights: it has no licence type or territory, and its parties are
    # 转让人 / 受让人 (as its .docx says), not 许可人 / 被许可人
    transfer = c.kind == ContractKind.TRANSFER
    cols = st.columns(3 if transfer else 4)
    cols[0].metric(t("contracts.col.start"), str(c.start_date))
    cols[1].metric(t("contracts.col.end"), str(c.end_date or "—"))
    if not transfer:
        cols[2].metric(t("field.contract_licence_type"), label("licence_type", c.licence_type))
    if c.kind == ContractKind.TRIAL:
        cols[-1].metric(t("field.contract_fee"), yuan(c.fee))
    else:
        cols[-1].metric(t("contracts.col.deal_amount"), yuan(c.deal_amount))
    parties = [
        {"": t("contracts.col.result"), t("field.name"): f"{detail.result.title}（{detail.result.number}）"},
        {"": t("contracts.assignor" if transfer else "contracts.licensor"),
         t("field.name"): f"{detail.licensor.name}（{detail.licensor.credit_code}）"},
        {"": t("contracts.assignee" if transfer else "contracts.licensee"),
         t("field.name"): f"{detail.licensee.name}（{detail.licensee.credit_code}）"},
        {"": t("field.agency"), t("field.name"): detail.agency_name},
    ]
    if not transfer:
        parties.append({"": t("field.contract_territory"), t("field.name"): c.territory})
    st.dataframe(pd.DataFrame(parties), hide_index=True, width="stretch")
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
