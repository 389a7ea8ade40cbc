"""Standard-form contract templates per city and kind (trial, paid licence, transfer): the version in
force, editing as a new version, the history."""

import pandas as pd
import streamlit as st

from db.models.enums import ContractKind
from portal.contracts.rules import TemplateScope
from portal.contracts.templates import (
    PLACEHOLDERS,
    current_template,
    list_templates,
    save_template,
    template_scopes,
)
from portal.core.clock import fmt
from portal.core.regions import region_name
from portal.core.workflow import may
from portal.ui import actor, done, label, lang, refusals, show_flash, t, tmd
from portal.ui.forms import form_key, instance, succeeded

me = actor()
st.title(t("nav.templates"))
show_flash()

with refusals():
    left, right = st.columns(2)
    city = left.selectbox(t("templates.city"), template_scopes(actor=me),
                          format_func=lambda c: region_name(c, lang()) if c else t("templates.province_default"))
    kind = right.selectbox(t("field.template_kind"), list(ContractKind),
                           format_func=lambda k: label("contract_kind", k))
    versions = list_templates(actor=me, city_code=city, kind=kind)
    current = current_template(actor=me, city_code=city, kind=kind)
    st.info(tmd("templates.current", version=current.version, title=current.title))
    if city is not None and not versions:
        st.caption(t("templates.inherits"))
    if may(me, "edit", TemplateScope(city)):
        form = f"template_{city}_{kind}"
        with st.form(instance(form)):  # a saved version starts the next edit from itself
            st.subheader(t("templates.edit"))
            title = st.text_input(t("field.template_title"), value=current.title)
            body = st.text_area(t("field.template_body"), value=current.body, height=420)
            reason = st.text_input(t("field.template_reason"))
            if st.form_submit_button(t("templates.save"), type="primary"):
                with refusals():
                    row = save_template(actor=me, city_code=city, kind=kind, title=title, body=body,
                                        reason=reason, idempotency_key=form_key(form))
                    succeeded(form)
                    done(t("templates.saved", version=row.version))
    with st.expander(t("templates.placeholders")):
        st.code("  ".join("{" + name + "}" for name in PLACEHOLDERS), language=None)
    if versions:
        st.subheader(t("templates.versions"))
        st.dataframe(pd.DataFrame([{
            t("contracts.col.version"): v.version, t("contracts.col.title"): v.title,
            t("contracts.col.created"): fmt(v.created_at), t("col.reason"): v.reason,
        } for v in versions]), hide_index=True, width="stretch")
