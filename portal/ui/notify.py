"""The notifications parts of the settings and account pages, and the .ics download buttons."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pandas as pd
import streamlit as st

from portal.core.actor import Actor
from portal.core.clock import fmt
from portal.core.outbox import RECIPIENTS, event_label
from portal.core.workflow import may
from portal.notify import policy as notify_policy
from portal.notify import preferences
from portal.notify.calendar import booking_ics, roadshow_ics
from portal.ui import done, lang, refusals, t, tmd

COL_EVENT = "event"


def _status_box(me: Actor, city: str) -> None:
    state = notify_policy.outbox_state(actor=me, city_code=city)
    counts = state.counts
    cols = st.columns(4)
    for col, status in zip(cols, ("pending", "sending", "delivered", "failed"), strict=True):
        col.metric(t(f"outbox.status.{status}"), counts.get(status, 0))
    if not state.smtp_ready:
        st.warning(tmd("outbox.page.no_smtp", count=state.waiting_email))
    if not state.robots_ready:
        st.warning(tmd("outbox.page.no_robot", count=state.waiting_group))
    if state.quiet_now:
        st.info(t("outbox.page.quiet_now"))
    if state.problems:
        st.markdown(f"**{t('outbox.page.problems')}**")
        st.dataframe(pd.DataFrame([{
            t("outbox.col.when"): fmt(p.created_at), t("outbox.col.channel"): t(f"outbox.channel.{p.channel}"),
            t("outbox.col.to"): p.address, t("outbox.col.subject"): p.subject,
            t("outbox.col.status"): t(f"outbox.status.{p.status}"), t("outbox.col.attempts"): p.attempts,
            t("outbox.col.error"): p.last_error} for p in state.problems]), hide_index=True, width="stretch")
        if counts.get("failed") and st.button(t("outbox.page.retry"), key="notify_retry"):
            with refusals():
                n = notify_policy.retry_failed_messages(actor=me, city_code=city)
                done(t("outbox.page.retried", count=n))


def _routes_frame(routes: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    return pd.DataFrame([{COL_EVENT: event, "label": event_label(event, lang()),
                          **{k: k in kinds for k in RECIPIENTS}} for event, kinds in sorted(routes.items())],
                        columns=[COL_EVENT, "label", *RECIPIENTS])


def _routes_from(frame: pd.DataFrame) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in frame.to_dict("records"):
        event = str(row.get(COL_EVENT) or "").strip()
        if event:
            out[event] = [k for k in RECIPIENTS if bool(row.get(k))]
    return out


def settings_section(me: Actor, city: str) -> None:
    """The city's notifications: what waits and why, who gets what, reminder days, quiet hours,
    the group robots, and the test buttons (city administrators and the province)."""
    if not may(me, "configure", "notify_setting"):
        return
    st.subheader(t("outbox.page.title"))
    with refusals():
        _status_box(me, city)
        view = notify_policy.notify_settings(actor=me, city_code=city)
        st.caption(t("outbox.page.routes_help"))
        with st.form(f"notify_settings_{city}"):
            column_config = {COL_EVENT: st.column_config.TextColumn(t("outbox.col.event"), required=True),
                             "label": st.column_config.TextColumn(t("outbox.col.event_label"), disabled=True),
                             **{k: st.column_config.CheckboxColumn(t(f"outbox.recipient.{k}")) for k in RECIPIENTS}}
            edited = st.data_editor(_routes_frame(view.routes), column_config=column_config, num_rows="dynamic",
                                    hide_index=True, width="stretch", key=f"notify_routes_{city}")
            a, b, c = st.columns(3)
            a.number_input(t("outbox.page.trial_days"), value=view.trial_reminder_days, disabled=True,
                           help=t("outbox.page.trial_days_help"))
            voucher_days = b.number_input(t("field.notify_voucher_days"), value=view.voucher_reminder_days, step=1)
            quiet = c.columns(2)
            quiet_start = quiet[0].text_input(t("field.notify_quiet_start"), value=view.quiet_start, placeholder="22:00")
            quiet_end = quiet[1].text_input(t("field.notify_quiet_end"), value=view.quiet_end, placeholder="07:00")
            wecom = st.text_input(t("field.notify_wecom_url"), value=view.wecom_url,
                                  placeholder="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…")
            d, e = st.columns([2, 1])
            dingtalk = d.text_input(t("field.notify_dingtalk_url"), value=view.dingtalk_url,
                                    placeholder="https://oapi.dingtalk.com/robot/send?access_token=…")
            secret = e.text_input(t("field.notify_dingtalk_secret"), type="password",
                                  placeholder=t("outbox.page.secret_kept") if view.has_secret else "SEC…")
            clear = e.checkbox(t("outbox.page.secret_clear"), disabled=not view.has_secret)
            if st.form_submit_button(t("outbox.page.save"), type="primary"):
                with refusals():
                    notify_policy.save_notify_settings(actor=me, city_code=city, data={
                        "routes": _routes_from(edited), "voucher_reminder_days": voucher_days,
                        "quiet_start": quiet_start, "quiet_end": quiet_end, "wecom_url": wecom,
                        "dingtalk_url": dingtalk, "webhook_secret": "" if clear else (secret or None)})
                    done(t("outbox.page.saved"))
        _test_buttons(me, city)


def _test_buttons(me: Actor, city: str) -> None:
    st.markdown(f"**{t('outbox.page.test')}**")
    cols = st.columns(len(notify_policy.TEST_CHANNELS))
    for col, channel in zip(cols, notify_policy.TEST_CHANNELS, strict=True):
        if col.button(t(f"outbox.page.test_{channel}"), key=f"notify_test_{channel}"):
            with refusals():
                where = notify_policy.send_test_message(actor=me, channel=channel, city_code=city)
                st.success(tmd("outbox.page.test_sent", where=where))


def account_section(me: Actor) -> None:
    """One's own e-mail switch, message language, calendar address and last messages."""
    with refusals():
        prefs = preferences.my_preferences(actor=me)
        st.subheader(t("outbox.account.title"))
        if not prefs.email:
            st.caption(t("outbox.account.no_email"))
        with st.form("notify_preferences"):
            email_on = st.toggle(tmd("outbox.account.email_on", email=prefs.email or "—"), value=prefs.email_enabled)
            names = {"zh": t("outbox.account.lang_zh"), "en": t("outbox.account.lang_en")}
            shown = st.selectbox(t("field.notify_language"), list(names.values()),
                                 index=list(names).index(prefs.language))
            language = next(code for code, name in names.items() if name == shown)
            if st.form_submit_button(t("outbox.account.save")):
                with refusals():
                    preferences.set_my_preferences(actor=me, email_enabled=email_on, language=language)
                    done(t("outbox.account.saved"))
        st.markdown(f"**{t('outbox.account.calendar')}**")
        st.caption(t("outbox.account.calendar_help"))
        if prefs.feed_url:
            st.code(prefs.feed_url, language=None)
        if st.button(t("outbox.account.renew" if prefs.feed_url else "outbox.account.create"), key="notify_feed"):
            with refusals():
                preferences.renew_calendar_feed(actor=me)
                done(t("outbox.account.renewed"))
        st.markdown(f"**{t('outbox.account.messages')}**")
        sent = preferences.my_messages(actor=me)
        if not sent:
            st.caption(t("outbox.account.none"))
            return
        st.dataframe(pd.DataFrame([{
            t("outbox.col.when"): fmt(m.created_at), t("outbox.col.channel"): t(f"outbox.channel.{m.channel}"),
            t("outbox.col.subject"): m.subject, t("outbox.col.status"): t(f"outbox.status.{m.status}"),
            t("outbox.col.error"): m.last_error} for m in sent]), hide_index=True, width="stretch")


def _ics_button(make: Callable[[], bytes], filename: str, key: str) -> None:
    # built when clicked, not on every rerun of the list it sits in
    st.download_button(t("outbox.cal.download"), data=make, file_name=filename, mime="text/calendar",
                       key=key, icon=":material/event:", on_click="ignore")


def booking_ics_button(me: Actor, booking_id: uuid.UUID, reference: str) -> None:
    """Download one booking as an .ics file."""
    _ics_button(lambda: booking_ics(actor=me, booking_id=booking_id), f"{reference}.ics", f"ics_{booking_id}")


def roadshow_ics_button(me: Actor, roadshow_id: uuid.UUID) -> None:
    """Download one roadshow as an .ics file."""
    _ics_button(lambda: roadshow_ics(actor=me, roadshow_id=roadshow_id), f"roadshow-{roadshow_id}.ics",
                f"ics_{roadshow_id}")
