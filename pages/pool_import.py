"""成果导入导出: the Excel template, an all-or-nothing import with an error sheet, and exports."""

import streamlit as st

from portal.core.regions import region_name
from portal.core.spreadsheet import ImportFailed, error_workbook
from portal.pool.excel import (
    export_market_csv,
    export_workbook,
    import_cities,
    import_results,
    template_workbook,
)
from portal.ui import actor, lang, refusal, refusals, t
from portal.ui.downloads import XLSX

me = actor()
st.title(t("nav.pool_import"))
st.caption(t("pool.io.intro"))
st.download_button(t("pool.io.template"), template_workbook(lang()), file_name="成果导入模板.xlsx", mime=XLSX)

upload = st.file_uploader(t("pool.io.upload"), type=["xlsx"], key="import_file")
city = me.city_code
with refusals():
    reachable = import_cities(actor=me)
    if len(reachable) > 1:  # the province: every row's owner must be in the city chosen, if one is
        city = st.selectbox(t("pool.io.city"), ["", *reachable],
                            format_func=lambda c: region_name(c, lang()) if c else t("pool.any"))
if upload is not None and st.button(t("pool.io.run"), type="primary"):
    bar = st.progress(0.0, text=t("pool.io.progress"))
    with refusals():
        try:
            report = import_results(actor=me, data=upload.getvalue(), city_code=city or None, lang=lang(),
                                    progress=lambda f: bar.progress(min(1.0, f), text=t("pool.io.progress")))
            st.success(t("pool.io.done", created=report.created, updated=report.updated, unchanged=report.unchanged))
            if report.ignored_free_trial:
                st.info(t("cards.import_free_ignored"))
        except ImportFailed as err:
            st.error(refusal(err, lang()))
            st.dataframe([{t("import.col_row"): e.row, t("import.col_column"): e.column, t("import.col_reason"): e.reason}
                          for e in err.errors[:200]], hide_index=True)
            st.download_button(t("pool.io.errors"), error_workbook(err.errors, lang()), file_name="导入错误.xlsx", mime=XLSX)

st.subheader(t("pool.io.export_title"))
st.caption(t("pool.io.export_hint"))
if st.button(t("pool.prepare_export"), key="io_prepare"):
    with refusals():
        st.download_button(t("pool.export_xlsx"), export_workbook(actor=me, lang=lang()), file_name="成果池.xlsx", mime=XLSX)
        st.download_button(t("pool.export_market"), export_market_csv(actor=me), file_name="网上技术市场成果.csv", mime="text/csv")
