"""Page helpers of the result pool: the result detail block and the disclosure form."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from db.models.enums import ExclusionReason, Field_, ResultType
from portal.core.actor import Actor
from portal.core.clock import fmt
from portal.core.regions import region_name
from portal.pool import approval, browse, disclosure
from portal.roadshows.cards import preview_card
from portal.ui import label, lang, md, md_table, refusals, t, tmd
from portal.ui.requests import request_actions
from portal.ui.roadshows import card_preview


def notice_text(view: approval.NoticeView | None) -> str | None:
    """The countdown line of a result's notice."""
    if view is None:
        return None
    if view.state == "running":
        return t("pool.notice_running", start=view.start_date.isoformat(), end=view.end_date.isoformat(),
                 days=view.days_left)
    if view.state == "paused":
        return t("pool.notice_paused", paused=view.paused_on.isoformat() if view.paused_on else "", days=view.days_left)
    if view.state == "ended":
        return t("pool.notice_ended", end=view.end_date.isoformat())
    return t("pool.notice_withdrawn")


def slots_text(detail: browse.ResultDetail) -> str:
    r = detail.result
    if detail.slots_left is None:
        return t("pool.slots_unlimited", running=detail.running)
    return t("pool.slots_value", left=detail.slots_left, max=r.max_trial_licensees)


def render_detail(me: Actor, result_id: uuid.UUID) -> None:
    """Everything about one result: facts, trial slots, notice countdown, trials, files, history."""
    with refusals():
        d = browse.result_detail(actor=me, result_id=result_id)
        r = d.result
        st.subheader(md(r.title))
        st.caption(f"{md(r.number)} · {label('result_type', r.type)} · {label('field', r.field)} · "
                   f"{region_name(r.city_code, lang())} · {label('result_status', r.status)}")
        cols = st.columns([2, 2, 1, 1])
        cols[0].markdown(f"**{t('pool.owner')}**  \n{md(d.owner)}")
        cols[1].markdown(f"**{t('pool.slots')}**  \n{slots_text(d)}")
        cols[2].metric("TRL", r.trl)
        cols[3].metric(t("pool.running"), d.running)
        if d.notice is not None and d.notice.open:
            (st.warning if d.notice.state == "paused" else st.info)(notice_text(d.notice))
        if r.inventors:
            st.markdown(tmd("pool.inventors", names=r.inventors))
        st.markdown(md(r.abstract))
        if r.keywords:
            st.markdown(tmd("pool.keywords", words=r.keywords.replace(",", "、")))
        st.markdown(t("pool.trial_terms", months=r.trial_months)
                    + (f" · {t('pool.price')}：{md(r.price_guidance)}" if r.price_guidance else ""))
        request_actions(me, r.id, key="detail")  # an enterprise asks for a trial or registers interest
        if r.fiscally_funded and r.grant_date:
            st.caption(t("pool.fiscal_yes", date=r.grant_date.isoformat()) +
                       (f" · {label('exclusion_reason', r.exclusion_reason)}" if r.exclusion_reason else ""))
        if d.overdue_days is not None:
            st.warning(t("pool.three_year_flag", days=d.overdue_days))
        if d.in_scope:
            st.markdown(f"**{t('pool.current_trials')}**")
            if d.trials:
                st.table(md_table(pd.DataFrame([{t("pool.col.contract"): tr.number, t("pool.col.licensee"): tr.licensee,
                                        t("pool.col.start"): tr.start_date.isoformat(),
                                        t("pool.col.end"): tr.end_date.isoformat() if tr.end_date else "",
                                        t("pool.col.status"): label("contract_status", tr.status)}
                                       for tr in d.trials])))
            else:
                st.caption(t("pool.no_trials"))
        if d.attachments:
            st.markdown(f"**{t('pool.attachments')}**")
            for att in d.attachments:
                _download_button(me, r.id, att.id, att.filename)
        steps = approval.history(actor=me, result_id=r.id)
        if steps:
            with st.expander(t("pool.history"), expanded=d.in_scope):
                st.table(md_table(pd.DataFrame([{t("pool.col.time"): fmt(s.at), t("pool.col.step"): _step_label(s.action),
                                        t("pool.col.status"): label("result_status", s.to_status),
                                        t("pool.col.actor"): s.actor_name, t("pool.col.reason"): s.reason}
                                       for s in steps])))
        objections = approval.objections_of(actor=me, result_id=r.id)
        pending = [o for o in objections if o.pending]
        resolved = [o for o in objections if not o.pending]
        if pending:
            st.markdown(f"**{t('pool.desk.objections', n=len(pending))}**")
            _objection_table(pending)
        if resolved:
            st.markdown(f"**{t('pool.objections_resolved', n=len(resolved))}**")
            _objection_table(resolved)


def _objection_table(rows: list[approval.ObjectionRow]) -> None:
    st.table(md_table(pd.DataFrame([{t("pool.col.objector"): o.objector_name, t("pool.col.contact"): o.objector_contact,
                            t("pool.col.reason"): o.reason, t("pool.col.status"): label("objection_status", o.status),
                            t("pool.col.resolution"): o.resolution} for o in rows])))


def _step_label(action: str) -> str:
    """A history step's label; steps other capabilities record (e.g. a pilot test) may have none."""
    text = t(f"pool.step.{action}")
    return action if text == f"pool.step.{action}" else text


def _download_button(me: Actor, result_id: uuid.UUID, att_id: uuid.UUID, name: str) -> None:
    key = f"att_{att_id}"
    if st.session_state.get(key):
        with refusals():
            filename, ctype, data = disclosure.read_attachment(actor=me, result_id=result_id, attachment_id=att_id)
            st.download_button(tmd("pool.download", name=filename), data, file_name=filename, mime=ctype, key=f"dl_{att_id}")
    else:
        st.button(tmd("pool.download", name=name), key=key)


def result_form(me: Actor, values: dict[str, Any] | None, *, key: str) -> dict[str, Any] | None:
    """The disclosure form, with the roadshow card it makes previewed live beside it; returns the
    raw values when saved (validation happens in the service). Plain widgets rather than an
    st.form, so the preview follows what is typed; `key` keeps one instance's widgets apart."""
    v = values or {}
    owner, owner_name = None, v.get("result_owner_name", "")
    if values is None:  # a new result names its owner; an existing one keeps it
        owner, owner_name = _owner_picker(me, key)
    k = lambda name: f"{key}:{name}"  # noqa: E731
    facts, card = st.columns([3, 2], gap="large")
    with facts:
        c1, c2 = st.columns(2)
        types = list(ResultType)
        kind = c1.selectbox(t("field.result_type"), types, format_func=lambda x: label("result_type", x), key=k("type"),
                            index=types.index(v["result_type"]) if v.get("result_type") in types else 0)
        number = c2.text_input(t("field.number"), value=v.get("number", ""), key=k("number"))
        title = st.text_input(t("field.result_title"), value=v.get("result_title", ""), key=k("title"))
        c1, c2, c3 = st.columns(3)
        inventors = c1.text_input(t("field.result_inventors"), value=v.get("result_inventors", ""), key=k("inventors"))
        fields = list(Field_)
        fld = c2.selectbox(t("field.result_field"), fields, format_func=lambda x: label("field", x), key=k("field"),
                           index=fields.index(v["result_field"]) if v.get("result_field") in fields else 0)
        trl = c3.number_input(t("field.result_trl"), min_value=1, max_value=9, step=1, key=k("trl"),
                              value=int(v.get("result_trl") or 4))
        abstract = st.text_area(t("field.result_abstract"), value=v.get("result_abstract", ""), key=k("abstract"))
        keywords = st.text_input(t("field.result_keywords"), value=v.get("result_keywords", ""), key=k("keywords"))
        c1, c2, c3 = st.columns(3)
        fiscal = c1.checkbox(t("field.result_fiscal"), value=bool(v.get("result_fiscal")), key=k("fiscal"))
        grant = c2.date_input(t("field.result_grant_date"), value=v.get("result_grant_date"), key=k("grant"),
                              min_value=date(1985, 1, 1))
        reasons = ["", *ExclusionReason]
        exclusion = c3.selectbox(t("field.result_exclusion"), reasons, key=k("exclusion"),
                                 format_func=lambda x: label("exclusion_reason", x) if x else "—",
                                 index=reasons.index(v.get("result_exclusion") or "") if (v.get("result_exclusion") or "") in reasons else 0)
        c1, c2 = st.columns(2)
        months = c1.number_input(t("field.result_trial_months"), min_value=1, max_value=60, step=1, key=k("months"),
                                 value=int(v.get("result_trial_months") or 12))
        max_lic = c2.number_input(t("field.result_max_licensees"), min_value=1, max_value=999, step=1,
                                  value=v.get("result_max_licensees"), placeholder=t("pool.unlimited"), key=k("max"))
        st.caption(t("cards.free_trial_rule"))  # rule 2: nothing to tick
        price = st.text_input(t("field.result_price_guidance"), value=v.get("result_price_guidance", ""), key=k("price"))
    with card:
        st.markdown(f"**{t('cards.section')}**")
        st.caption(t("cards.section_hint"))
        summary = st.text_input(t("field.result_summary"), value=v.get("result_summary", ""), key=k("summary"),
                                max_chars=disclosure.SUMMARY_MAX, placeholder=t("cards.summary_placeholder"))
        advantages = st.text_area(t("field.result_advantages"), value=v.get("result_advantages", ""), height=110,
                                  key=k("advantages"), placeholder=t("cards.advantages_placeholder"))
        st.markdown(f"**{t('cards.preview')}**")
        card_preview(preview_card(
            title=title or t("cards.preview_title"), field=fld, trl=int(trl), summary=summary, advantages=advantages,
            institution=owner_name or t("cards.preview_institution"), trial_months=int(months),
            max_licensees=int(max_lic) if max_lic else None, roadshow_title=t("cards.preview_roadshow")))
        st.caption(t("cards.preview_hint"))
    if not facts.button(t("pool.mine.save"), type="primary", key=k("save")):
        return None
    return {"number": number, "result_type": kind, "result_title": title, "result_inventors": inventors,
            "result_owner": owner, "result_field": fld, "result_trl": trl, "result_abstract": abstract,
            "result_keywords": keywords, "result_fiscal": fiscal, "result_grant_date": grant,
            "result_exclusion": exclusion, "result_trial_months": months, "result_max_licensees": max_lic,
            "result_price_guidance": price, "result_summary": summary, "result_advantages": advantages}


def _owner_picker(me: Actor, key: str) -> tuple[uuid.UUID | None, str]:
    """The licensor a new result is disclosed for (id, name): the only one the actor may name (an
    institution's officer: its own), or one picked from those, narrowed by a search."""
    licensors = disclosure.licensor_options(actor=me)
    if len(licensors) <= 1:
        return (licensors[0].id, licensors[0].name) if licensors else (None, "")
    query = st.text_input(t("pool.mine.owner_search"), key=f"{key}_owner_q")
    if query.strip():
        licensors = disclosure.licensor_options(actor=me, query=query)
    choice = st.selectbox(t("field.result_owner"), licensors, key=f"{key}_owner",
                          format_func=lambda o: f"{o.name}（{region_name(o.city_code, lang())}）")
    return (choice.id, choice.name) if choice else (None, "")
