"""The operator's answers to an enterprise's request (企业申请): sign the trial, take it into
matchmaking, or decline it saying why (the enterprise reads the reply on 我的申请)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import streamlit as st

from portal.core.actor import Actor
from portal.core.clock import today
from portal.core.regions import region_name
from portal.core.workflow import allowed_actions
from portal.hub.matches import agency_choices
from portal.requests.listing import RequestRow
from portal.requests.requests import decline_request, match_request, trial_from_request
from portal.requests.rules import DECISIONS
from portal.ui import done, lang, md, refusals, t, tmd
from portal.ui.forms import form_key, instance, succeeded
from portal.ui.requests import request_summary, result_link, status_text


def _agency(me: Actor, row: RequestRow, key: str) -> uuid.UUID | None:
    """The agency an answer is recorded for: an operator's own; the province picks one."""
    choices = agency_choices(actor=me, result_id=row.result_id)
    if len(choices) <= 1:
        return choices[0].id if choices else None
    picked = st.selectbox(t("field.agency"), choices, key=key,
                          format_func=lambda a: f"{a.name}（{region_name(a.city_code, lang())}）")
    return picked.id if picked else None


def answer_forms(me: Actor, row: RequestRow) -> None:
    """The operator's answers to one request, those its table allows now: sign the trial, take it
    into matchmaking, or decline it saying why."""
    st.subheader(md(row.result_title))
    request_summary(row)
    result_link(row.result_id)
    allowed = [a for a in DECISIONS if a in allowed_actions(me, row)]
    if not allowed:
        st.caption(tmd("requests.answered", status=status_text(row), reply=row.reply or "—"))
        return
    for tab, action in zip(st.tabs([t(f"requests.answer.{a}") for a in allowed]), allowed, strict=True):
        with tab:
            {"to_trial": _trial_form, "to_match": _match_form, "decline": _decline_form}[action](me, row)


def _trial_form(me: Actor, row: RequestRow) -> None:
    name = f"request_trial_{row.id}"
    agency = _agency(me, row, f"{name}_agency")
    with st.form(instance(name)):
        st.caption(t("requests.trial_hint"))
        c1, c2, c3 = st.columns(3)
        start = c1.date_input(t("field.contract_start_date"), value=today())
        end = c2.date_input(t("field.contract_end_date"), value=None, help=t("requests.end_default"))
        signed = c3.date_input(t("field.contract_signing_date"), value=today())
        reply = st.text_area(t("field.request_reply"), value=t("requests.trial_reply_default"))
        if st.form_submit_button(t("requests.answer.to_trial"), type="primary"):
            with refusals():
                trial = trial_from_request(actor=me, request_id=row.id, start_date=start, end_date=end,
                                           signing_date=signed, reply=reply, agency_id=agency,
                                           idempotency_key=form_key(name))
                succeeded(name)
                done(tmd("requests.trial_done", number=trial.number))


def _match_form(me: Actor, row: RequestRow) -> None:
    name = f"request_match_{row.id}"
    agency = _agency(me, row, f"{name}_agency")
    with st.form(instance(name)):
        st.caption(t("requests.match_hint"))
        c1, c2 = st.columns(2)
        contact = c1.date_input(t("field.match_contact_date"), value=today())
        follow = c2.date_input(t("field.match_next_follow_up"), value=today() + timedelta(days=7))
        reply = st.text_area(t("field.request_reply"), placeholder=t("requests.match_reply_placeholder"))
        if st.form_submit_button(t("requests.answer.to_match"), type="primary"):
            with refusals():
                match_request(actor=me, request_id=row.id, reply=reply, contact_date=contact,
                              next_follow_up=follow, agency_id=agency)
                succeeded(name)
                done(t("requests.match_done"))


def _decline_form(me: Actor, row: RequestRow) -> None:
    name = f"request_decline_{row.id}"
    with st.form(instance(name)):
        st.caption(t("requests.decline_hint"))
        reason = st.text_area(t("field.request_reply"), placeholder=t("requests.decline_placeholder"))
        sure = st.checkbox(t("requests.decline_confirm"))
        if st.form_submit_button(t("requests.answer.decline")):
            if not sure:
                st.warning(t("requests.decline_tick"))
                return
            with refusals():
                decline_request(actor=me, request_id=row.id, reason=reason)
                succeeded(name)
                done(t("requests.decline_done"))
