"""Trials about to end (the city's reminder window), soonest first, with matches and pilot tests."""

import pandas as pd
import streamlit as st

from portal.contracts.listing import expiring_trials
from portal.core.regions import region_name
from portal.ui import actor, label, lang, md, refusals, t
from portal.ui.paging import asked, pager

me = actor()
st.title(t("nav.expiring"))


def _show(trial) -> None:  # noqa: ANN001
    left = t("contracts.days_left", days=trial.days_left) if trial.days_left >= 0 \
        else t("contracts.days_over", days=-trial.days_left)
    with st.container(border=True):
        st.markdown(f"**{md(trial.number)}** · {md(trial.result_title)} · {md(trial.licensee)}")
        st.caption(f"{left} · {t('contracts.col.end')} {trial.end_date} · {md(trial.licensor)}"
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
    page = expiring_trials(actor=me, page=asked("expiring_page"), page_size=PAGE_SIZE)
    st.caption(t("contracts.expiring_caption", days=page.days))
    st.caption(t("contracts.total_trials", total=page.total))
    overdue = [tr for tr in page.rows if tr.days_left < 0]
    coming = [tr for tr in page.rows if tr.days_left >= 0]
    if overdue:
        st.subheader(t("contracts.overdue"))
        for trial in overdue:
            _show(trial)
    if not page.total:
        st.info(t("contracts.expiring_none", days=page.days))
    elif coming and overdue:
        st.subheader(t("contracts.coming"))
    for trial in coming:
        _show(trial)
    pager(page, "expiring_page")
