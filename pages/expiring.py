"""Trials about to end (the city's reminder window), soonest first, with matches and pilot tests."""

import pandas as pd
import streamlit as st

from portal.contracts.listing import expiring_trials
from portal.core.regions import region_name
from portal.ui import actor, label, lang, refusals, t

me = actor()
st.title(t("nav.expiring"))


def _show(trial) -> None:  # noqa: ANN001
    left = t("contracts.days_left", days=trial.days_left) if trial.days_left >= 0 \
        else t("contracts.days_over", days=-trial.days_left)
    with st.container(border=True):
        st.markdown(f"**{trial.number}** · {trial.result_title} · {trial.licensee}")
        st.caption(f"{left} · {t('contracts.col.end')} {trial.end_date} · {trial.licensor}"
                   + (f" · {region_name(trial.city_code, lang())}" if me.is_province else ""))
        st.page_link("../pages/contract_detail.py", label=t("contracts.open_contract"),
                     query_params={"no": trial.number}, icon=":material/open_in_new:")
        matches, pilots = st.columns(2)
        with matches:
            st.markdown(f"*{t('contracts.matches')}*")
            if trial.matches:
                st.dataframe(pd.DataFrame([{
                    t("contracts.col.date"): d, t("contracts.col.channel"): label("channel", ch),
                    t("contracts.col.stage"): label("match_stage", stage), t("contracts.col.result"): title,
                    t("contracts.col.notes"): notes,
                } for d, ch, stage, title, notes in trial.matches]), hide_index=True, width="stretch")
            else:
                st.caption(t("contracts.no_matches"))
        with pilots:
            st.markdown(f"*{t('contracts.pilots')}*")
            if trial.pilots:
                st.dataframe(pd.DataFrame([{
                    t("contracts.col.start"): s, t("contracts.col.end"): e, t("contracts.col.platform"): name,
                    t("contracts.col.status"): label("booking_status", status),
                } for s, e, name, status in trial.pilots]), hide_index=True, width="stretch")
            else:
                st.caption(t("contracts.no_pilots"))


PAGE_SIZE = 10  # each card draws two small tables: ten cards a page keep a rerun near 30 ms

with refusals():
    number = max(1, int(st.session_state.get("expiring_page", 1)))
    first = expiring_trials(actor=me, page=number, page_size=PAGE_SIZE)
    pages = max(1, -(-first.total // PAGE_SIZE))
    if number > pages:  # trials ended or converted since the page was chosen
        st.session_state["expiring_page"] = number = 1
        first = expiring_trials(actor=me, page=1, page_size=PAGE_SIZE)
    st.caption(t("contracts.expiring_caption", days=first.days))
    left, right = st.columns([3, 1])
    left.caption(t("contracts.total_trials", total=first.total))
    if pages > 1:
        right.number_input(t("contracts.page", pages=pages), min_value=1, max_value=pages, step=1, key="expiring_page")
    trials = first.rows
    overdue = [tr for tr in trials if tr.days_left < 0]
    coming = [tr for tr in trials if tr.days_left >= 0]
    if overdue:
        st.subheader(t("contracts.overdue"))
        for trial in overdue:
            _show(trial)
    if not first.total:
        st.info(t("contracts.expiring_none", days=first.days))
    elif coming and overdue:
        st.subheader(t("contracts.coming"))
    for trial in coming:
        _show(trial)
