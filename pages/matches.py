"""Matchmaking pipeline: matches per stage for the operator's city, overdue follow-ups first."""

import pandas as pd
import streamlit as st

from db.models.enums import DropReason, MatchStage
from portal.core import directory
from portal.core.workflow import allowed_actions, may
from portal.hub.matches import list_matches, log_follow_up, move_stage, next_stages, pipeline
from portal.search.recommend import find_listed_results
from portal.ui import actor, done, label, md, refusals, show_flash, t, tables
from portal.ui.matching import record_form
from portal.ui.paging import asked, pager

PAGE_SIZE = 50

me = actor()
st.title(t("nav.matches"))
show_flash()

with refusals():
    board = pipeline(actor=me)
    st.subheader(t("pipeline.title"))
    for col, stage in zip(st.columns(len(board)), board, strict=True):
        col.metric(label("match_stage", stage.stage), stage.total,
                   delta=t("pipeline.overdue", n=stage.overdue) if stage.overdue else None,
                   delta_color="inverse", delta_arrow="off")

    if may(me, "record", "match_record"):
        with st.expander(t("pipeline.new"), icon=":material/add:"):
            query = st.text_input(t("rec.result_query"), key="new_match_q")
            choices = find_listed_results(actor=me, query=query) if query else []
            if query and not choices:
                st.info(t("rec.no_results"))
            result = st.selectbox(t("rec.pick_result"), choices, format_func=lambda c: f"{c.title} · {c.owner_name}")
            if result:  # enterprises are looked up only once there is a result to match them with
                name = st.text_input(t("pipeline.find_enterprise"), key="new_match_ent_q")
                # the enterprises record_match accepts (it checks the one picked with directory.named)
                enterprise = st.selectbox(t("pipeline.enterprise"), directory.enterprises(actor=me, query=name),
                                          format_func=lambda o: o.name)
                if enterprise:
                    record_form(key="manual", result_id=result.id, enterprise_org_id=enterprise.id)

    st.subheader(t("pipeline.list"))
    c1, c2 = st.columns(2)
    stage = c1.selectbox(t("pipeline.stage_filter"), [None, *MatchStage],
                         format_func=lambda v: label("match_stage", v) if v else t("hub.any"))
    overdue_only = c2.toggle(t("pipeline.overdue_only"))
    page = list_matches(actor=me, stage=stage, overdue_only=overdue_only, page=asked("matches_page"),
                        page_size=PAGE_SIZE)
    rows = page.rows
    if not rows:
        st.info(t("pipeline.none"))
    else:
        frame = pd.DataFrame([{
            t("hub.col.overdue"): t("pipeline.overdue_flag") if r.overdue else "",
            t("hub.col.stage"): label("match_stage", r.stage)
            + (f"（{label('drop_reason', r.drop_reason)}）" if r.drop_reason else ""),
            t("col.result"): r.result_title, t("hub.col.enterprise"): r.enterprise_name,
            t("hub.col.demand"): r.demand_title or "", t("hub.col.channel"): label("channel", r.channel),
            t("hub.col.contact_date"): r.contact_date.isoformat(),
            t("hub.col.next_follow_up"): r.next_follow_up.isoformat() if r.next_follow_up else "",
            t("hub.col.people"): r.people,
        } for r in rows])
        overdue_col = t("hub.col.overdue")
        styled = frame.style.apply(
            lambda row: ["background-color: #fdecea" if row[overdue_col] else "" for _ in row], axis=1)
        st.caption(t("pipeline.open_hint"))
        ids = [r.id for r in rows]
        tables.pick("matches_table", ids)  # the open match stays open when its move reorders the list
        picked = st.dataframe(styled, hide_index=True, width="stretch", on_select="rerun",
                              selection_mode="single-row", key="matches_table")
        pager(page, "matches_page")
        chosen_id = tables.chosen(picked, ids, "matches_table")
        chosen = next((r for r in rows if r.id == chosen_id), None)
        if chosen is not None:
            st.markdown(f"**{md(chosen.result_title)}** · {md(chosen.enterprise_name)}")
            st.text(chosen.notes or "—")
            targets = next_stages(me, chosen)
            if may(me, "record", "match_record") and not targets:
                st.info(t("pipeline.closed"))
            elif targets or "follow_up" in allowed_actions(me, chosen):
                move_col, follow_col = st.columns(2)
                with move_col.form("move_stage"):
                    target = st.selectbox(t("field.match_stage"), list(targets),
                                          format_func=lambda v: label("match_stage", v))
                    reason = st.selectbox(t("field.match_drop_reason"), [None, *DropReason],
                                          format_func=lambda v: label("drop_reason", v) if v else "—")
                    note = st.text_input(t("pipeline.note"))
                    if st.form_submit_button(t("pipeline.move")):
                        with refusals():
                            move_stage(actor=me, match_id=chosen.id, stage=target, drop_reason=reason, note=note)
                            done(t("pipeline.moved"))
                with follow_col.form("follow_up"):
                    note = st.text_area(t("field.match_notes"))
                    nxt = st.date_input(t("field.match_next_follow_up"), value=None)
                    if st.form_submit_button(t("pipeline.follow")):
                        with refusals():
                            log_follow_up(actor=me, match_id=chosen.id, note=note, next_follow_up=nxt)
                            done(t("pipeline.followed"))
