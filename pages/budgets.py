"""Budgets: each city/county's yearly budget per claim kind, what is committed and paid, and
(for city administrators and the province) setting a budget."""

import pandas as pd
import streamlit as st

from db.models.enums import ClaimKind
from portal.claims import budgets
from portal.claims.rules import BUDGET
from portal.core.clock import today
from portal.core.regions import cities, counties, region_name
from portal.core.spreadsheet import MONEY, PERCENT_1
from portal.core.workflow import Subject, may
from portal.dashboards.rules import province_wide
from portal.ui import actor, done, label, lang, refusals, show_flash, t, yuan
from portal.ui.charts import chart, fingerprint
from portal.ui.dashboards import budget_chart, budget_frame, city_filter
from portal.ui.downloads import Table, downloads

me = actor()
st.title(t("nav.budgets"))
show_flash()

with refusals():
    a, b = st.columns([1, 3])
    year = a.number_input(t("field.budget_year"), min_value=2020, max_value=2100, value=today().year, step=1)
    with b:
        city = city_filter(me, "budgets")
    rows = budgets.list_budgets(actor=me, year=int(year), city_code=city)
    if rows:
        money = [t(f"dash.col.{c}") for c in ("budget", "approved", "paid", "pending", "remaining")]
        table = Table(pd.DataFrame([{
            t("dash.col.region"): region_name(u.region_code, lang()), t("field.claim_kind"): label("claim_kind", u.kind),
            t("dash.col.budget"): u.budget, t("dash.col.approved"): u.committed, t("dash.col.paid"): u.paid,
            t("dash.col.pending"): u.pending, t("dash.col.remaining"): u.remaining,
            t("dash.col.used"): u.used_share} for u in rows]),
            {**dict.fromkeys(money, MONEY), t("dash.col.used"): PERCENT_1})
        table.show()
        downloads(table, f"budgets-{int(year)}", "budgets")
        per_region = budget_frame(rows, per_city=province_wide(me) and not city, kind=None)
        chart(lambda: budget_chart(per_region), key=fingerprint("budget", per_region))
    else:
        st.info(t("dash.no_budgets"))

    # each city with its counties, where the table lets the actor set budgets (its administrators', the province's)
    regions = [r for c in cities() if may(me, "set", "budget") and BUDGET.may(me, "set", Subject(city_code=c.code))
               for r in (c.code, *[k.code for k in counties(c.code)])]
    if regions:
        st.subheader(t("budgets.set"))
        with st.form("set_budget"):
            c1, c2, c3 = st.columns(3)
            region = c1.selectbox(t("field.budget_region"), regions, format_func=lambda c: region_name(c, lang()))
            kind = c2.selectbox(t("field.claim_kind"), list(ClaimKind), format_func=lambda k: label("claim_kind", k))
            amount = c3.text_input(t("field.budget_amount"), placeholder="500000.00")
            reason = st.text_input(t("field.change_reason"))
            if st.form_submit_button(t("budgets.save"), type="primary"):
                with refusals():
                    saved = budgets.set_budget(actor=me, region_code=region, year=int(year), kind=kind, amount=amount,
                                               reason=reason)
                    done(t("budgets.saved", region=region_name(saved.region_code, lang()), amount=yuan(saved.amount)))
