"""A bare Streamlit app served like the portal, for `python -m bench.browser_detail --bare`: an
empty page, one st.dataframe of 20 rows, one Altair chart, and both. What the framework and the
browser cost for those elements alone, with no portal code."""

import altair as alt
import pandas as pd
import streamlit as st

FRAME = pd.DataFrame({"名称": [f"成果 {i}" for i in range(20)], "城市": ["杭州市"] * 20,
                      "数量": list(range(20)), "金额": [i * 1000.5 for i in range(20)]})


def empty() -> None:
    st.title("empty")


def table() -> None:
    st.title("table")
    st.dataframe(FRAME, hide_index=True, width="stretch")


def chart() -> None:
    st.title("chart")
    st.altair_chart(alt.Chart(FRAME).mark_bar().encode(x="数量:Q", y="名称:N"), width="stretch")


def table_chart() -> None:
    table()
    chart()


st.navigation([st.Page(f, title=f.__name__, url_path=f.__name__) for f in (empty, table, chart, table_chart)],
              expanded=True).run()
