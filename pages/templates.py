"""Standard-form contract templates per city and kind (trial, paid licence, transfer): the version in
force, editing as a new version, the history."""

import pandas as pd
import streamlit as st

from db.models.enums import ContractKind, Role
from portal.contracts.templates import PLACEHOLDERS, current_template, list_templates, save_template
from portal.core.clock import fmt
from portal.core.regions import cities, region_name
from portal.ui import actor, label, lang, refusals, t

me = actor()
st.title(t("nav.templates"))

codes = [None, *(c.code for c in cities())] if me.role == Role.PROVINCE_ADMIN else [me.city_code]
left, right = st.columns(2)
city = left.selectbox(t("templates.city"), codes,
                      format_func=lambda c: region_name(c, lang()) if c else t("templates.province_default"))
kind = right.selectbox(t("field.template_kind"), list(ContractKind), format_func=lambda k: label("contract_kind", k))

with refusals():
    versions = list_templates(actor=me, city_code=city, kind=kind)
    current = current_template(actor=me, city_code=city, kind=kind)
    st.info(t("templates.current", version=current.version, title=current.title))
    if city is not None and not versions:
        st.caption(t("templates.inherits"))
    with st.form("template"):
        st.subheader(t("templates.edit"))
        title = st.text_input(t("field.template_title"), value=current.title)
        body = st.text_area(t("field.template_body"), value=current.body, height=420)
        reason = st.text_input(t("field.template_reason"))
        if st.form_submit_button(t("templates.save"), type="primary"):
            with refusals():
                row = save_template(actor=me, city_code=city, kind=kind, title=title, body=body, reason=reason)
                st.success(t("templates.saved", version=row.version))
    with st.expander(t("templates.placeholders")):
        st.code("  ".join("{" + name + "}" for name in PLACEHOLDERS), language=None)
    if versions:
        st.subheader(t("templates.versions"))
        st.dataframe(pd.DataFrame([{
            t("contracts.col.version"): v.version, t("contracts.col.title"): v.title,
            t("contracts.col.created"): fmt(v.created_at), t("col.reason"): v.reason,
        } for v in versions]), hide_index=True, width="stretch")
