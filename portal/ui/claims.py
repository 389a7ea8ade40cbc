"""Page helpers for the claims page: the claims table, the new-claim forms, a claim's detail."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.models.enums import ClaimKind
from portal.claims import evidence, filing, listing, review
from portal.claims.fees import pct
from portal.claims.listing import ClaimRow
from portal.claims.rules import CLAIM
from portal.core.actor import Actor
from portal.core.clock import fmt, today
from portal.core.policy import current_policy
from portal.core.regions import counties, region_name
from portal.core.spreadsheet import MOMENT, MONEY, PERCENT
from portal.core.workflow import allowed_actions
from portal.ui import confirm, done, label, lang, md, md_table, refusals, t, tmd, yuan
from portal.ui.downloads import Table
from portal.ui.forms import form_key, succeeded


def claims_table(rows: list[ClaimRow]) -> Table:
    """The claims as the list shows them; the download keeps amounts and rates as numbers."""
    money = (t("claims.col.basis"), t("claims.col.amount"))
    return Table(pd.DataFrame([{
        t("claims.col.reference"): r.reference, t("claims.col.kind"): label("claim_kind", r.kind),
        t("claims.col.status"): label("claim_status", r.status), t("claims.col.agency"): r.agency_name,
        t("claims.col.subject"): r.contract_number or r.programme or "—", t("claims.col.basis"): r.basis_amount,
        t("claims.col.rate"): r.rate, t("claims.col.amount"): r.amount,
        t("claims.col.budget"): f"{region_name(r.budget_region_code, lang())} {r.budget_year}",
        t("claims.col.created"): r.created_at, t("claims.col.creator"): r.creator_name,
    } for r in rows]), {**dict.fromkeys(money, MONEY), t("claims.col.rate"): PERCENT, t("claims.col.created"): MOMENT})


def _created(claim, submitted: bool) -> None:  # noqa: ANN001
    succeeded("new_claim")  # the next form is a new claim
    done(t("claims.submitted" if submitted else "claims.saved", amount=yuan(claim.amount)))


def _budget_region(me: Actor, key: str) -> str:
    codes = [me.city_code, *[c.code for c in counties(me.city_code)]]
    return st.selectbox(t("field.budget_region"), codes, format_func=lambda c: region_name(c, lang()), key=key)


def new_claim(me: Actor) -> None:
    """The three kinds of claim, each saved as a draft or submitted at once."""
    local = current_policy(me.city_code).labels  # the city's own programme names (settings page)

    def kind_label(k: str) -> str:
        return f"{label('claim_kind', k)}（{md(local[k])}）" if local.get(k) else label("claim_kind", k)

    kind = st.radio(t("field.claim_kind"), list(ClaimKind), format_func=kind_label, horizontal=True,
                    key="new_claim_kind")
    key = form_key("new_claim")  # a double click or a retry reuses it
    if kind == ClaimKind.SERVICE_FEE:
        deals = listing.claimable_deals(actor=me)
        if not deals:
            st.info(t("claims.no_deals"))
            return
        with st.form("fee_claim"):
            deal = st.selectbox(t("field.claim_contract"), deals, format_func=lambda d: t(
                "claims.deal_option", number=d.number, title=d.result_title, licensee=d.licensee,
                amount=yuan(d.deal_amount)))
            st.caption(t("claims.fee_rule", rate=pct(deals[0].city_rate)))
            rate = st.text_input(t("field.fee_rate"), value=pct(deals[0].city_rate))
            region = _budget_region(me, "fee_region")
            why = st.text_area(t("field.claim_justification"))
            save, submit = st.columns(2)
            draft = save.form_submit_button(t("claims.save_draft"))
            send = submit.form_submit_button(t("claims.submit"), type="primary")
        if draft or send:
            with refusals():
                claim = filing.create_service_fee_claim(actor=me, contract_id=deal.contract_id, rate=rate,
                                                        justification=why, budget_region_code=region, submit=send,
                                                        idempotency_key=key)
                _created(claim, send)
    elif kind == ClaimKind.VOUCHER_REFUND:
        options = listing.claimable_redemptions(actor=me)
        if not options:
            st.info(t("claims.no_redemptions"))
            return
        with st.form("refund_claim"):
            red = st.selectbox(t("field.claim_redemption"), options, format_func=lambda r: t(
                "claims.redemption_option", policy=r.policy_number, premium=yuan(r.premium), amount=yuan(r.amount)))
            region = _budget_region(me, "refund_region")
            why = st.text_area(t("field.claim_justification"))
            save, submit = st.columns(2)
            draft = save.form_submit_button(t("claims.save_draft"))
            send = submit.form_submit_button(t("claims.submit"), type="primary")
        if draft or send:
            with refusals():
                claim = filing.create_voucher_refund_claim(actor=me, redemption_id=red.redemption_id,
                                                           justification=why, budget_region_code=region,
                                                           submit=send, idempotency_key=key)
                _created(claim, send)
    else:
        with st.form("subsidy_claim"):
            programme = st.text_input(t("field.programme"), value=local.get("operating_subsidy", ""))
            amount = st.text_input(t("field.amount"), placeholder="120000.00")
            a, b = st.columns(2)
            start = a.date_input(t("field.claim_period_start"), value=today().replace(month=1, day=1))
            end = b.date_input(t("field.claim_period_end"), value=today())
            region = _budget_region(me, "subsidy_region")
            why = st.text_area(t("field.claim_justification"))
            save, submit = st.columns(2)
            draft = save.form_submit_button(t("claims.save_draft"))
            send = submit.form_submit_button(t("claims.submit"), type="primary")
        if draft or send:
            with refusals():
                claim = filing.create_subsidy_claim(actor=me, programme=programme, amount=amount, period_start=start,
                                                    period_end=end, justification=why, budget_region_code=region,
                                                    submit=send, idempotency_key=key)
                _created(claim, send)


def detail(me: Actor, row: ClaimRow) -> None:
    """One claim: its figures, evidence, and the steps the user may take."""
    st.markdown(f"**{md(row.reference)} · {label('claim_kind', row.kind)} · {label('claim_status', row.status)} · "
                f"{yuan(row.amount)}**")
    steps = allowed_actions(me, row)
    facts = {
        t("claims.col.agency"): row.agency_name, t("claims.col.subject"): row.contract_number or row.programme or "—",
        t("claims.col.basis"): yuan(row.basis_amount), t("claims.col.rate"): pct(row.rate),
        t("claims.col.budget"): f"{region_name(row.budget_region_code, lang())} {row.budget_year}",
        t("field.claim_justification"): row.justification or "—",
        t("claims.col.submitted"): fmt(row.submitted_at), t("claims.col.decided"): fmt(row.decided_at),
    }
    if row.reject_reason:
        facts[t("field.reject_reason")] = row.reject_reason
    if row.paid_on:
        facts[t("field.paid_on")] = row.paid_on.isoformat()
        facts[t("field.payment_ref")] = row.payment_ref
    st.table(md_table(pd.DataFrame({t("claims.col.item"): list(facts), t("claims.col.value"): list(facts.values())})
                      .set_index(t("claims.col.item"))))
    files = evidence.list_attachments(actor=me, claim_id=row.id)
    st.markdown(f"**{t('field.attachment')}**")
    for f in files:
        name, mime, body = evidence.read_attachment(actor=me, claim_id=row.id, attachment_id=f.id)
        st.download_button(f"{md(name)}（{f.size:,} B）", body, file_name=name, mime=mime, key=f"att_{f.id}")
    if not files:
        st.caption(t("claims.no_files"))
    if "attach" in steps:
        upload = st.file_uploader(t("claims.upload"), key=f"upload_{row.id}")
        if upload is not None and st.button(t("claims.attach"), key=f"attach_{row.id}"):
            with refusals():
                evidence.add_attachment(actor=me, claim_id=row.id, filename=upload.name,
                                        content_type=upload.type or "", data=upload.getvalue())
                done(tmd("claims.attached", name=upload.name))
    _actions(me, row, [s for s in steps if s != "attach"])


def _actions(me: Actor, row: ClaimRow, steps: list[str]) -> None:
    if not steps:
        if CLAIM.only_four_eyes_stop(me, row):
            st.caption(t("claims.own_claim_note"))
        return
    st.markdown(f"**{t('claims.next_step')}**")
    if "submit" in steps and st.button(t("claims.submit"), type="primary", key="act_submit"):
        with refusals():
            review.submit_claim(actor=me, claim_id=row.id)
            done(t("claims.done.submit"))
    if "reopen" in steps and st.button(t("claims.reopen"), key="act_reopen"):
        with refusals():
            review.reopen_claim(actor=me, claim_id=row.id)
            done(t("claims.done.reopen"))
    if "review" in steps:
        note = st.text_input(t("field.review_note"), key="act_note")
        if st.button(t("claims.review"), type="primary", key="act_review"):
            with refusals():
                review.review_claim(actor=me, claim_id=row.id, note=note)
                done(t("claims.done.review"))
    if "approve" in steps and st.button(t("claims.approve"), type="primary", key="act_approve"):
        with refusals():
            review.approve_claim(actor=me, claim_id=row.id)
            done(t("claims.done.approve"))
    if "reject" in steps:
        reason = st.text_input(t("field.reject_reason"), key="act_reason")
        if st.button(t("claims.reject"), key="act_reject"):
            confirm.ask(f"reject_{row.id}", reason=reason)
        asked = confirm.asked(f"reject_{row.id}")
        confirm.dialog(f"reject_{row.id}", title=t("confirm.reject_title"), says=tmd(
            "confirm.reject_says", reference=row.reference, amount=yuan(row.amount), reason=asked.get("reason", "")),
            action=lambda v: review.reject_claim(actor=me, claim_id=row.id, reason=v["reason"]),
            then=t("claims.done.reject"))
    if "pay" in steps:
        a, b = st.columns(2)
        paid_on = a.date_input(t("field.paid_on"), value=today(), key="act_paid_on")
        ref = b.text_input(t("field.payment_ref"), key="act_ref")
        if st.button(t("claims.pay"), type="primary", key="act_pay"):
            with refusals():
                review.mark_paid(actor=me, claim_id=row.id, paid_on=paid_on, payment_ref=ref)
                done(t("claims.done.pay"))
