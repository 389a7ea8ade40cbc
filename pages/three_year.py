"""三年未转化成果: fiscally funded results that should be in the pool, per institution, exportable."""

import pandas as pd
import streamlit as st

from portal.core import i18n
from portal.core.regions import region_name
from portal.core.spreadsheet import DATE
from portal.pool.three_year import FlagRow, flagged_by_institution, flagged_results, iter_flagged
from portal.ui import actor, lang, refusals, t
from portal.ui.downloads import XLSX, Table, xlsx_bytes
from portal.ui.paging import asked, pager

PAGE_SIZE = 50
me = actor()
language = lang()
st.title(t("nav.three_year"))
st.caption(t("pool.three.intro"))


def col(name: str) -> str:
    return i18n.t(f"pool.col.{name}", language)


def table(rows: list[FlagRow]) -> Table:
    """The results as a table of typed values; explicit language, since the export is built
    outside the session."""
    return Table(pd.DataFrame([{
        col("number"): r.number, col("title"): r.title, col("owner"): r.owner,
        col("city"): region_name(r.city_code, language), col("grant_date"): r.grant_date,
        col("due_date"): r.due_date, col("days_overdue"): r.days_overdue,
        col("status"): i18n.label("result_status", r.status, language)} for r in rows]),
        {col("grant_date"): DATE, col("due_date"): DATE})


with refusals():
    groups = flagged_by_institution(actor=me)
    st.subheader(t("pool.three.by_institution"))
    if groups:
        st.dataframe(pd.DataFrame([{t("pool.col.owner"): g.owner, t("pool.col.city"): region_name(g.city_code, language),
                                    t("pool.col.flagged"): g.flagged, t("pool.col.not_listed"): g.not_listed}
                                   for g in groups]), hide_index=True, width="stretch", height=min(420, 38 + 35 * len(groups)))
    include_listed = st.checkbox(t("pool.three.include_listed"), key="three_listed")
    page = flagged_results(actor=me, not_listed_only=not include_listed, page=asked("three_page"), page_size=PAGE_SIZE)
    st.subheader(t("pool.three.results"))
    st.caption(t("pool.three.count", total=page.total))
    if not page.rows:
        st.info(t("pool.three.none"))
    else:
        table(page.rows).show()
        pager(page, "three_page")
        # built on click, in its own thread: every flagged result in scope, not just this page
        st.download_button(t("pool.three.export"), file_name="三年未转化成果.xlsx", on_click="ignore",
                           data=lambda: xlsx_bytes(table(list(iter_flagged(actor=me, not_listed_only=not include_listed))),
                                                   i18n.t("pool.sheet_results", language)),
                           mime=XLSX)
