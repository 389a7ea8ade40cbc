"""A Streamlit script for tests/browser/test_markdown.py: every case of tests/markdown_cases.py,
escaped by portal.ui.md, in each kind of place Streamlit renders Markdown. Run with
`streamlit run tests/browser/markdown_probe.py` from the repository root."""

import pandas as pd
import streamlit as st

from portal.ui.text import md, md_table
from tests.markdown_cases import CASES

PLACES = ("markdown", "caption", "info", "button", "expander", "radio", "metric", "table")

for i, case in enumerate(CASES):
    with st.container(key=f"markdown-{i}"):
        st.markdown(md(case))
    with st.container(key=f"caption-{i}"):
        st.caption(md(case))
    with st.container(key=f"info-{i}"):
        st.info(md(case))
    with st.container(key=f"button-{i}"):
        st.button(md(case), key=f"b{i}")
    with st.container(key=f"expander-{i}"):
        st.expander(md(case))
    with st.container(key=f"radio-{i}"):
        st.radio("r", [md(case)], key=f"r{i}")
    with st.container(key=f"metric-{i}"):
        st.metric(md(case), 1)
    with st.container(key=f"table-{i}"):
        st.table(md_table(pd.DataFrame({"c": [case]})))
