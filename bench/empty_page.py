"""An empty page, opened through the real router by the benchmark: the floor every page is compared with."""

import streamlit as st

st.title("empty")
