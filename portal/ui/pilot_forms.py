"""The booking forms: a new booking, and moving a booking along its lifecycle."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from portal.core.actor import Actor
from portal.core.attachments import Upload
from portal.core.clock import today
from portal.core.regions import region_name
from portal.core.workflow import allowed_actions
from portal.pilot import bookings as bk
from portal.pilot import platforms as pf
from portal.pilot.requests import request_pilot, request_result_options
from portal.pilot.rules import LIFECYCLE
from portal.ui import done, label, lang, refusals, t
from portal.ui.forms import form_key, instance, succeeded
from portal.ui.pilot import booking_label, city_choice


def new_booking_form(me: Actor) -> None:
    """Pick a platform's resource, an enterprise, a result and dates; request the booking."""
    city = me.city_code or st.session_state.get("pilot_list_city")
    platforms = bk.bookable_platforms(actor=me, city_code=city)
    if not platforms:
        st.info(t("pilot.no_platforms"))
        return
    c1, c2 = st.columns(2)
    platform = c1.selectbox(t("pilot.platform"), platforms, format_func=lambda p: p.name, key="pilot_new_platform")
    resource = c2.selectbox(t("field.pilot_resource"), platform.resources, key="pilot_new_resource",
                            format_func=lambda r: f"{r.name}（{t('pilot.col.capacity')} {r.capacity}）")
    c3, c4 = st.columns(2)
    ent_query = c3.text_input(t("pilot.find_enterprise"), key="pilot_new_ent_q")
    res_query = c4.text_input(t("pilot.find_result"), key="pilot_new_res_q")
    enterprises = bk.enterprise_options(actor=me, platform_id=platform.id, query=ent_query)
    results = bk.result_options(actor=me, query=res_query)
    c5, c6 = st.columns(2)
    enterprise = c5.selectbox(t("field.pilot_enterprise"), enterprises, format_func=lambda o: o.label,
                              key="pilot_new_enterprise")
    result = c6.selectbox(t("field.pilot_result"), results, format_func=lambda o: o.label, key="pilot_new_result")
    matches = bk.match_options(actor=me, platform_id=platform.id, enterprise_org_id=enterprise.id if enterprise else None,
                               result_id=result.id if result else None)
    with st.form(instance("pilot_new_booking")):  # empty again once a booking is requested
        match = st.selectbox(t("field.pilot_match"), [None, *matches], format_func=lambda o: (
            t("pilot.no_match") if o is None else f"{o.label} · {label('match_stage', o.detail)}"))
        f3, f4 = st.columns(2)
        start = f3.date_input(t("field.pilot_start_date"), value=today())
        end = f4.date_input(t("field.pilot_end_date"), value=today())
        if st.form_submit_button(t("pilot.new_booking")):
            with refusals():
                booking = bk.book_pilot(actor=me, resource_id=resource.id,
                                        enterprise_org_id=enterprise.id if enterprise else None,
                                        result_id=result.id if result else None, start_date=start, end_date=end,
                                        match_id=match.id if match else None,
                                        idempotency_key=form_key("pilot_new_booking"))
                succeeded("pilot_new_booking")
                done(t("pilot.booked", ref=booking.reference))


def actions_for(me: Actor, booking: bk.BookingRow) -> list[str]:
    """The lifecycle steps the user may take on booking now, as the page offers them."""
    allowed = allowed_actions(me, booking)
    return [a for a in LIFECYCLE if a in allowed]


def act_on_booking(me: Actor, rows: list[bk.BookingRow]) -> None:
    """Choose a booking of the list and an allowed action; apply it."""
    if not rows:
        st.info(t("pilot.no_bookings"))
        return
    booking = st.selectbox(t("pilot.choose_booking"), rows, format_func=booking_label, key="pilot_act_pick")
    actions = actions_for(me, booking)
    if not actions:
        st.info(t("pilot.no_open"))
        return
    action = st.radio(t("pilot.action"), actions, horizontal=True, key="pilot_act_action",
                      format_func=lambda a: t(f"pilot.action_{a}"))
    with st.form(f"pilot_act_{booking.id}_{action}"):
        values = _action_fields(action, booking)
        if st.form_submit_button(t("pilot.apply")):
            with refusals():
                _apply(me, booking, action, values)


def _action_fields(action: str, booking: bk.BookingRow) -> dict:
    if action == "cancel":
        return {"reason": st.text_area(t("field.pilot_cancel_reason"))}
    if action == "reschedule":
        c1, c2 = st.columns(2)
        return {"start": c1.date_input(t("field.pilot_start_date"), value=booking.start_date),
                "end": c2.date_input(t("field.pilot_end_date"), value=booking.end_date)}
    if action == "finish":
        values = {"outcome": st.text_area(t("field.pilot_outcome")),
                  "finished_on": st.date_input(t("field.pilot_finished_on"), value=min(today(), booking.end_date)),
                  "report": st.file_uploader(t("field.pilot_report"))}
        c1, c2 = st.columns([1, 3])
        values["new_trl"] = c1.selectbox(t("field.pilot_new_trl"), [None, *range(1, 10)])
        values["trl_reason"] = c2.text_input(t("field.pilot_trl_reason"))
        return values
    if action == "raise_trl":
        c1, c2 = st.columns([1, 3])
        return {"new_trl": c1.selectbox(t("field.pilot_new_trl"), list(range(1, 10)), index=5),
                "trl_reason": c2.text_input(t("field.pilot_trl_reason"))}
    return {}


def _apply(me: Actor, booking: bk.BookingRow, action: str, v: dict) -> None:
    if action == "confirm":
        changed = bk.confirm_booking(actor=me, booking_id=booking.id)
    elif action == "start":
        changed = bk.start_booking(actor=me, booking_id=booking.id)
    elif action == "cancel":
        changed = bk.cancel_booking(actor=me, booking_id=booking.id, reason=v["reason"])
    elif action == "reschedule":
        bk.reschedule_booking(actor=me, booking_id=booking.id, start_date=v["start"], end_date=v["end"])
        done(t("pilot.rescheduled", ref=booking.ref))
        return
    elif action == "finish":
        upload = v["report"]
        report = Upload(upload.name, upload.type or "", upload.getvalue()) if upload is not None else None
        changed = bk.finish_booking(actor=me, booking_id=booking.id, outcome=v["outcome"],
                                    finished_on=v["finished_on"], report=report, new_trl=v["new_trl"],
                                    trl_reason=v["trl_reason"])
    else:
        result = bk.raise_trl_after_pilot(actor=me, booking_id=booking.id, new_trl=v["new_trl"],
                                          reason=v["trl_reason"])
        done(t("pilot.trl_raised", trl=result.trl))
        return
    done(t("pilot.changed", ref=booking.ref, status=label("booking_status", changed.status)))


def request_booking_form(me: Actor) -> None:
    """An enterprise asks for pilot testing: a platform's resource (any city), one of the results
    it deals with (or found by title), dates and what it wants tested; the city's operator confirms."""
    st.caption(t("pilot.request_hint"))
    c1, c2 = st.columns(2)
    with c1:
        city = city_choice(me, key="pilot_req_city")
    query = c2.text_input(t("pilot.find_result"), key="pilot_req_res_q")
    platforms = [p for p in pf.list_platforms(actor=me, city_code=city) if p.resources]
    if not platforms:
        st.info(t("pilot.no_platforms"))
        return
    c3, c4 = st.columns(2)
    platform = c3.selectbox(t("pilot.platform"), platforms, key="pilot_req_platform",
                            format_func=lambda p: f"{p.name}（{region_name(p.city_code, lang())}）")
    resource = c4.selectbox(t("field.pilot_resource"), platform.resources, key="pilot_req_resource",
                            format_func=lambda r: f"{r.name}（{t('pilot.col.capacity')} {r.capacity}）")
    results = request_result_options(actor=me, query=query)
    if not results:
        st.info(t("pilot.request_no_results"))
        return
    with st.form(instance("pilot_request")):
        result = st.selectbox(t("field.pilot_result"), results, format_func=lambda o: o.label)
        f1, f2 = st.columns(2)
        start = f1.date_input(t("field.pilot_start_date"), value=today() + timedelta(days=14))
        end = f2.date_input(t("field.pilot_end_date"), value=today() + timedelta(days=16))
        note = st.text_area(t("field.pilot_request_note"), placeholder=t("pilot.request_note_placeholder"))
        if st.form_submit_button(t("pilot.request_send"), type="primary"):
            with refusals():
                booking = request_pilot(actor=me, resource_id=resource.id, result_id=result.id if result else None,
                                        start_date=start, end_date=end, note=note,
                                        idempotency_key=form_key("pilot_request"))
                succeeded("pilot_request")
                done(t("pilot.request_sent", ref=booking.reference))
