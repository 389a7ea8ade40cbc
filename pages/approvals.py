"""安心屋: the institution approves or returns; the city's staff start notices and handle objections.

Each queue's form offers only the rows the user may act on (`allowed_actions`), so nobody is
shown a button the service would refuse."""

import pandas as pd
import streamlit as st

from portal.core.policy import current_policy
from portal.core.spreadsheet import DATE, MOMENT
from portal.core.workflow import allowed_actions
from portal.pool.approval import (
    advance_notices_if_due,
    approve_result,
    desk,
    file_objection,
    resolve_objection,
    return_result,
    start_notice,
)
from portal.ui import actor, done, label, links, refusals, show_flash, t, tables
from portal.ui.forms import form_key, instance, succeeded

me = actor()
st.title(t("nav.approvals"))
show_flash()
st.caption(t("pool.desk.intro"))
listed = advance_notices_if_due()
if listed:
    st.success(t("pool.desk.listed_now", n=listed))


def _table(rows, total: int, *, countdown: bool = False) -> None:  # noqa: ANN001
    if not rows:
        st.caption(t("pool.desk.empty"))
        return
    if total > len(rows):
        st.caption(t("pool.desk.oldest", shown=len(rows), total=total))
    number, title, owner, status = t("pool.col.number"), t("pool.col.title"), t("pool.col.owner"), t("pool.col.status")
    left, end = t("pool.col.days_left"), t("pool.col.end_date")
    tables.show(pd.DataFrame([{
        number: r.number, title: r.title, owner: r.owner, status: label("result_status", r.status),
        **({left: r.days_left, end: r.end_date} if countdown else {}),
    } for r in rows]), {end: DATE} if countdown else {})


def _may(rows, *actions: str) -> list:  # noqa: ANN001
    """The rows of a queue on which the user may take one of actions."""
    return [r for r in rows if set(actions) & set(allowed_actions(me, r))]


def _pick(rows, key: str):  # noqa: ANN001, ANN202
    return st.selectbox(t("pool.desk.choose"), rows, key=key, format_func=lambda r: f"{r.number} {r.title}")


with refusals():
    d = desk(actor=me)
    queues = ("to_approve", "to_notice", "in_notice", "objections")
    names = {q: t(f"pool.desk.{q}", n=d.totals[q]) for q in queues}
    asked_queue = links.linked("queue", queues)  # a home figure's link opens its queue
    tabs = st.tabs(list(names.values()), default=names[asked_queue] if asked_queue else None)
    with tabs[0]:
        _table(d.to_approve, d.totals["to_approve"])
        decidable = _may(d.to_approve, "approve", "return")
        if decidable:
            with st.form("approve"):
                row = _pick(decidable, "approve_pick")
                reason = st.text_input(t("field.pool_reason"))
                c1, c2 = st.columns(2)
                ok, back = c1.form_submit_button(t("pool.desk.approve"), type="primary"), c2.form_submit_button(t("pool.desk.return"))
                if ok or back:
                    with refusals():
                        if ok:
                            approve_result(actor=me, result_id=row.result_id, reason=reason)
                            done(t("pool.desk.approved"))
                        else:
                            return_result(actor=me, result_id=row.result_id, reason=reason)
                            done(t("pool.desk.returned"))
    with tabs[1]:
        _table(d.to_notice, d.totals["to_notice"])
        publishable = _may(d.to_notice, "start_notice")
        if publishable:
            row = _pick(publishable, "notice_pick")
            days = current_policy(row.city_code).notice_days
            if st.button(t("pool.desk.start_notice", days=days), type="primary", key="notice_go"):
                with refusals():
                    notice = start_notice(actor=me, result_id=row.result_id)
                    done(t("pool.desk.notice_started", end=notice.end_date.isoformat()))
    with tabs[2]:
        _table(d.in_notice, d.totals["in_notice"], countdown=True)
        objectable = _may(d.in_notice, "file_objection")
        if objectable:
            with st.form(instance("objection")):  # empty again once an objection is filed
                st.markdown(f"**{t('pool.desk.file_objection')}**")
                row = _pick(objectable, "objection_pick")
                name = st.text_input(t("field.pool_objector_name"))
                contact = st.text_input(t("field.pool_objector_contact"))
                grounds = st.text_area(t("field.pool_objection_reason"))
                if st.form_submit_button(t("pool.desk.file_objection")):
                    with refusals():
                        file_objection(actor=me, result_id=row.result_id, objector_name=name,
                                       objector_contact=contact, reason=grounds,
                                       idempotency_key=form_key("objection"))
                        succeeded("objection")
                        done(t("pool.desk.objection_filed"))
    with tabs[3]:
        if not d.objections:
            st.caption(t("pool.desk.empty"))
        else:
            tables.show(pd.DataFrame([{
                t("pool.col.title"): o.title, t("pool.col.objector"): o.objector_name,
                t("pool.col.contact"): o.objector_contact, t("pool.col.reason"): o.reason,
                t("pool.col.filed"): o.created_at} for o in d.objections]), {t("pool.col.filed"): MOMENT})
            resolvable = _may(d.objections, "resolve")
            if resolvable:
                with st.form("resolve"):
                    obj = st.selectbox(t("pool.desk.choose_objection"), resolvable,
                                       format_func=lambda o: f"{o.title} · {o.objector_name}")
                    decision = st.radio(t("pool.desk.decision"), ["dismiss", "uphold"], horizontal=True,
                                        format_func=lambda x: t(f"pool.desk.{x}"))
                    resolution = st.text_area(t("field.pool_resolution"))
                    if st.form_submit_button(t("pool.desk.decision"), type="primary"):
                        with refusals():
                            resolve_objection(actor=me, objection_id=obj.id, upheld=decision == "uphold",
                                              resolution=resolution)
                            done(t("pool.desk.resolved"))
