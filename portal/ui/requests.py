"""Page helpers of an enterprise's requests: the 申请试用 / 登记意向 buttons on a result, the link
to the result's page, and the tables of 我的申请 and of the operators' inbox."""

from __future__ import annotations

import uuid

import pandas as pd
import streamlit as st

from db.models.enums import RequestKind
from portal.core import spreadsheet
from portal.core.actor import Actor
from portal.core.clock import fmt
from portal.core.regions import region_name
from portal.pilot.bookings import BookingRow
from portal.requests.listing import RequestRow, my_standing
from portal.requests.requests import submit_request
from portal.ui import done, label, lang, md, refusals, t, tables, tmd
from portal.ui.forms import form_key, instance, succeeded

POOL_PAGE = "../pages/pool.py"
MY_REQUESTS_PAGE = "../pages/my_requests.py"
CONTRACT_PAGE = "../pages/contract_detail.py"
ICONS = {RequestKind.TRIAL: ":material/science:", RequestKind.INTEREST: ":material/bookmark_add:"}


def result_link(result_id: uuid.UUID) -> None:
    """A link to the result's own page (the pool's detail of it)."""
    st.page_link(POOL_PAGE, label=t("requests.open_result"), icon=":material/open_in_new:",
                 query_params={"result": str(result_id)})


def request_actions(me: Actor, result_id: uuid.UUID, *, key: str) -> None:
    """申请试用 and 登记意向 for an enterprise user, each a small form with a message; a kind
    already waiting for an answer shows where to follow it instead; nothing for anyone else."""
    standing = my_standing(actor=me, result_id=result_id)  # None: no enterprise to ask for
    if standing is None:
        return
    cols = st.columns(2)
    for col, kind in zip(cols, RequestKind, strict=True):
        with col:
            if kind == RequestKind.TRIAL and standing.trial_number:
                st.page_link(CONTRACT_PAGE, label=t("requests.on_trial", number=standing.trial_number,
                                                    end=standing.trial_end or "—"),
                             query_params={"no": standing.trial_number}, icon=":material/contract:")
                continue
            if kind in standing.waiting:
                st.page_link(MY_REQUESTS_PAGE, label=t(f"requests.waiting.{kind}"), icon=":material/schedule:")
                continue
            name = f"request_{kind}_{key}_{result_id}"
            with st.popover(t(f"requests.ask.{kind}"), icon=ICONS[kind], width="stretch"), \
                    st.form(instance(name)):
                st.caption(t(f"requests.ask_hint.{kind}"))
                message = st.text_area(t("field.request_message"), max_chars=1000,
                                       placeholder=t(f"requests.placeholder.{kind}"))
                if st.form_submit_button(t(f"requests.send.{kind}"), type="primary"):
                    with refusals():
                        submit_request(actor=me, result_id=result_id, kind=kind, message=message,
                                       idempotency_key=form_key(name))
                        succeeded(name)
                        done(t(f"requests.sent.{kind}"))


def status_text(row: RequestRow) -> str:
    """A request's status in words, with the trial's number once it became one."""
    text = label("request_status", row.request_status)
    return f"{text}（{row.contract_number}）" if row.contract_number else text


def requests_table(rows: list[RequestRow]) -> None:
    """The requests as the city's staff list them: raw values (st.dataframe renders no Markdown),
    the moments as typed columns so that a click on a date sorts by time."""
    created, decided = t("requests.col.created"), t("requests.col.decided")
    tables.show(pd.DataFrame([{
        created: r.created_at, t("requests.col.kind"): label("request_kind", r.kind),
        t("requests.col.result"): r.result_title, t("requests.col.enterprise"): r.enterprise_name,
        t("requests.col.contact"): r.contact, t("requests.col.status"): status_text(r),
        t("requests.col.message"): r.message, t("requests.col.reply"): r.reply,
        decided: r.decided_at} for r in rows]), {created: spreadsheet.MOMENT, decided: spreadsheet.MOMENT})


def request_label(r: RequestRow) -> str:
    """How a request reads in a picker (user text: pass it through md where Markdown renders)."""
    return f"{r.created_at:%m-%d} · {label('request_kind', r.kind)} · {r.result_title} · {r.enterprise_name}"


def request_summary(r: RequestRow) -> None:
    """The request's facts above the operator's answer."""
    st.markdown(tmd("requests.summary", enterprise=r.enterprise_name, contact=r.contact, number=r.result_number,
                    kind=label("request_kind", r.kind), at=fmt(r.created_at)))
    if r.message:
        st.caption(md(r.message))


BADGE = {"open": "blue", "matched": "orange", "trial": "green", "declined": "red", "withdrawn": "gray",
         "requested": "blue", "confirmed": "green", "in_progress": "green", "done": "violet", "cancelled": "gray"}


def _badge(slot, kind: str, status: str) -> None:  # noqa: ANN001
    """The status as a coloured badge; only a status the table knows (a badge's text is Markdown
    that escaping cannot keep closed)."""
    color = BADGE.get(status)
    if color:
        slot.badge(label(kind, status), color=color)


def _withdraw_button(key: str) -> bool:
    """撤回 behind a confirmation that says what happens."""
    with st.popover(t("requests.withdraw"), icon=":material/undo:"):
        st.caption(t("requests.withdraw_confirm"))
        return st.button(t("requests.withdraw_yes"), key=key, type="primary")


def request_card(row: RequestRow, *, withdraw: bool) -> bool:
    """One request on 我的申请: what was asked, where it stands, the operator's reply and the next
    step; True when the user confirmed withdrawing it."""
    city = region_name(row.city_code, lang())
    with st.container(border=True):
        head, badge = st.columns([5, 1])
        head.markdown(f"**{md(row.result_title)}**")
        head.caption(" · ".join([md(label("request_kind", row.kind)), md(row.result_number),
                                 t("requests.to_city", city=city), t("requests.asked_on", at=fmt(row.created_at))]))
        _badge(badge, "request_status", row.request_status)
        if row.message:
            st.markdown(tmd("requests.your_message", text=row.message))
        outcome = {"open": st.info, "matched": st.info, "trial": st.success, "declined": st.warning}.get(
            row.request_status)
        if outcome is not None:
            outcome(tmd(f"requests.next.{row.request_status}", city=city, who=row.decider_name,
                        at=fmt(row.decided_at), reply=row.reply or "—", number=row.contract_number or ""))
        elif row.decided_at:
            st.caption(t("requests.withdrawn_on", at=fmt(row.decided_at)))
        links = st.columns([1, 1, 2])
        with links[0]:
            result_link(row.result_id)
        if row.contract_number:
            with links[1]:
                st.page_link(CONTRACT_PAGE, label=t("requests.open_contract"),
                             query_params={"no": row.contract_number}, icon=":material/contract:")
        if withdraw:
            with links[2]:
                return _withdraw_button(f"withdraw_{row.id}")
    return False


def booking_card(row: BookingRow, *, withdraw: bool) -> bool:
    """One pilot booking on 我的申请; True when the user confirmed withdrawing it."""
    with st.container(border=True):
        head, badge = st.columns([5, 1])
        head.markdown(f"**{md(row.platform_name)} · {md(row.resource_name)}**")
        head.caption(" · ".join([md(row.ref), md(row.result_title), f"{row.start_date} ~ {row.end_date}",
                                 t("requests.asked_on", at=fmt(row.requested_at))]))
        _badge(badge, "booking_status", row.status)
        if row.request_note:
            st.markdown(tmd("requests.your_message", text=row.request_note))
        waiting = {"requested": st.info, "confirmed": st.success}.get(row.status)  # what happens next
        if waiting is not None:
            waiting(tmd(f"requests.pilot_next.{row.status}", city=region_name(row.city_code, lang())))
        elif row.cancel_reason:
            st.warning(tmd("requests.pilot_next.cancelled", reply=row.cancel_reason))
        elif row.outcome:
            st.success(tmd("requests.pilot_next.done", reply=row.outcome))
        if withdraw:
            return _withdraw_button(f"withdraw_{row.id}")
    return False

