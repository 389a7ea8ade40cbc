"""Page helpers of the 供需荟: the reasons a result matched, and the record-a-contact form."""

from __future__ import annotations

import uuid
from datetime import timedelta

import streamlit as st

from db.models.enums import Channel
from portal.core.clock import today
from portal.core.regions import region_name
from portal.core.workflow import may
from portal.hub.matches import agency_choices, record_match
from portal.search.recommend import WhyTerm
from portal.ui import Markdown, actor, done, label, lang, md, refusals, t, tmd
from portal.ui.forms import form_key, instance, succeeded


def why_text(why: tuple[WhyTerm, ...], field_match: bool, field: str, *, semantic: bool = False) -> Markdown:
    """'Why: 电池 · 正极材料（由“鼓起来”联想） · same field' for st.markdown: the terms are words of
    users' own texts, escaped; `semantic` adds "close in meaning" (a match of the sentence vectors)."""
    parts = [tmd("rec.via", term=w.term, via=w.via) if w.via else md(w.term) for w in why]
    if semantic:
        parts.insert(0, t("semantic.meaning"))
    parts.append(t("rec.same_field") if field_match else t("rec.other_field", field=label("field", field)))
    return Markdown(t("rec.why") + " · ".join(parts))


def slots_text(left: int | None) -> str:
    """Trial slot availability in words."""
    if left is None:
        return t("rec.slots_unlimited")
    return t("rec.slots_full") if left == 0 else t("rec.slots_free", n=left)


def record_form(*, key: str, result_id: uuid.UUID, enterprise_org_id: uuid.UUID,
                demand_id: uuid.UUID | None = None) -> None:
    """A small form recording a contact between an enterprise (or its demand) and a result."""
    me = actor()
    if not may(me, "record", "match_record"):
        return
    name = f"record_{key}_{result_id}_{demand_id or enterprise_org_id}"  # one instance per pair shown
    with st.popover(t("rec.record"), icon=":material/handshake:"), st.form(instance(name)):
        choices = agency_choices(actor=me, result_id=result_id)  # an operator: its own agency only
        agency = choices[0] if len(choices) == 1 else None
        if len(choices) > 1:  # the province names the agency it records for
            agency = st.selectbox(t("field.agency"), choices,
                                  format_func=lambda a: f"{a.name}（{region_name(a.city_code, lang())}）")
        c1, c2 = st.columns(2)
        channel = c1.selectbox(t("field.match_channel"), list(Channel), format_func=lambda v: label("channel", v))
        contact = c2.date_input(t("field.match_contact_date"), value=today())
        people = st.text_input(t("field.match_people"))
        notes = st.text_area(t("field.match_notes"))
        follow = st.date_input(t("field.match_next_follow_up"), value=today() + timedelta(days=7))
        if st.form_submit_button(t("rec.record")):
            with refusals():
                record_match(actor=me, result_id=result_id, enterprise_org_id=enterprise_org_id,
                             demand_id=demand_id, channel=channel, contact_date=contact, people=people,
                             notes=notes, next_follow_up=follow, agency_id=agency.id if agency else None,
                             idempotency_key=form_key(name))
                succeeded(name)
                done(t("rec.recorded"))
