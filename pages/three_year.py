"""三年未转化成果: fiscally funded results that should be in the pool, per institution, exportable."""

import io

import pandas as pd
import streamlit as st

from portal.pool.three_year import flagged_by_institution, flagged_results
from portal.regions import region_name
from portal.ui import actor, label, lang, refusals, t

me = actor()
st.title(t("nav.three_year"))
st.caption(t("pool.three.intro"))

with refusals():
    groups = flagged_by_institution(actor=me)
    st.subheader(t("pool.three.by_institution"))
    if groups:
        st.table(pd.DataFrame([{t("pool.col.owner"): g.owner, t("pool.col.city"): region_name(g.city_code, lang()),
                                t("pool.col.flagged"): g.flagged, t("pool.col.not_listed"): g.not_listed}
                               for g in groups]))
    include_listed = st.checkbox(t("pool.three.include_listed"), key="three_listed")
    rows, total = flagged_results(actor=me, not_listed_only=not include_listed, limit=500)
    st.subheader(t("pool.three.results"))
    st.caption(t("pool.three.count", total=total))
    if not rows:
        st.info(t("pool.three.none"))
    else:
        frame = pd.DataFrame([{
            t("pool.col.number"): r.number, t("pool.col.title"): r.title, t("pool.col.owner"): r.owner,
            t("pool.col.city"): region_name(r.city_code, lang()), t("pool.col.grant_date"): r.grant_date.isoformat(),
            t("pool.col.due_date"): r.due_date.isoformat(), t("pool.col.days_overdue"): r.days_overdue,
            t("pool.col.status"): label("result_status", r.status)} for r in rows])
        st.dataframe(frame, hide_index=True, width="stretch")
        buf = io.BytesIO()
        frame.to_excel(buf, index=False, sheet_name=t("pool.sheet_results"))
        st.download_button(t("pool.three.export"), buf.getvalue(), file_name="三年未转化成果.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
