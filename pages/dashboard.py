"""Manager dashboard: funnel, monthly trends, subsidies against budget, trials ending soon and,
for the province, the 11 cities side by side and on a map."""

from decimal import Decimal

import altair as alt
import pandas as pd
import streamlit as st

from db.models.enums import ClaimKind
from portal.claims import budgets
from portal.core.regions import region_name
from portal.core.spreadsheet import DATE, MONEY, PERCENT_1, WAN
from portal.dashboards import figures as dashboards
from portal.dashboards.rules import province_wide
from portal.ui import actor, label, lang, refusals, t
from portal.ui.charts import chart, fingerprint
from portal.ui.dashboards import (
    budget_chart,
    budget_formats,
    budget_frame,
    city_filter,
    map_chart,
    pct,
    period_filter,
    styled,
)
from portal.ui.downloads import Table, downloads


def _trends(me, start, end, city) -> None:  # noqa: ANN001
    """Listed, trials and conversions per month, and the money."""
    trend = pd.DataFrame(dashboards.monthly_trends(actor=me, start=start, end=end, city_code=city))
    counts = trend.rename(columns={"month": t("dash.col.month"), "listed": t("dash.stage.listed"),
                                   "trials": t("dash.col.trials"), "conversions": t("dash.col.conversions")})
    long = counts.melt(id_vars=[t("dash.col.month")],
                       value_vars=[t("dash.stage.listed"), t("dash.col.trials"), t("dash.col.conversions")],
                       var_name=t("dash.col.measure"), value_name=t("dash.col.count"))
    left, right = st.columns(2)
    chart(lambda: styled(alt.Chart(long).mark_line(point=True).encode(
        x=alt.X(f"{t('dash.col.month')}:O", title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y(f"{t('dash.col.count')}:Q"), color=alt.Color(f"{t('dash.col.measure')}:N", title=None),
        tooltip=list(long.columns)).properties(title=t("dash.trend_counts"))),
        key=fingerprint("trend_counts", long, t("dash.trend_counts")), where=left)
    amounts = pd.DataFrame({t("dash.col.month"): trend["month"],
                            t("dash.col.deal_amount_wan"): [float(a) / 10000 for a in trend["deal_amount"]]})
    chart(lambda: styled(alt.Chart(amounts).mark_bar(color="#059669").encode(
        x=alt.X(f"{t('dash.col.month')}:O", title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y(f"{t('dash.col.deal_amount_wan')}:Q"),
        tooltip=list(amounts.columns)).properties(title=t("dash.trend_amounts"))),
        key=fingerprint("trend_amounts", amounts, t("dash.trend_amounts")), where=right)
    export = counts.drop(columns="deal_amount").assign(
        **{t("dash.col.deal_amount"): [Decimal(a) for a in trend["deal_amount"]]})
    downloads(Table(export, {t("dash.col.deal_amount"): MONEY}), "trends", "trends")


def _subsidies(me, start, end, city) -> None:  # noqa: ANN001
    """The year's fee claims against the budgets, per region."""
    st.subheader(t("dash.subsidies", year=end.year))
    usage = budgets.list_budgets(actor=me, year=end.year, city_code=city)
    if usage:
        kind = st.selectbox(t("field.claim_kind"), ["all", *ClaimKind], key="dash_budget_kind",
                            format_func=lambda k: t("claims.all") if k == "all" else label("claim_kind", k))
        frame = budget_frame(usage, per_city=province_wide(me) and not city, kind=None if kind == "all" else kind)
        chart(lambda: budget_chart(frame), key=fingerprint("budget", frame))
        downloads(Table(frame, budget_formats()), "subsidies", "subsidies")
    else:
        st.info(t("dash.no_budgets"))


def _ending(me, start, end, city) -> None:  # noqa: ANN001
    """Trial contracts ending within the reminder window."""
    ending_soon = dashboards.trials_ending(actor=me, city_code=city)
    window, ending = ending_soon.days, ending_soon.rows
    st.subheader(t("dash.ending", days=window))
    if ending:
        table = Table(pd.DataFrame([{
            t("dash.col.contract"): e.number, t("field.city"): region_name(e.city_code, lang()),
            t("dash.col.result"): e.result_title, t("dash.col.licensee"): e.licensee,
            t("dash.col.end_date"): e.end_date, t("dash.col.days_left"): e.days_left} for e in ending]),
            {t("dash.col.end_date"): DATE})
        table.show()
        downloads(table, "trials_ending", "ending")
    else:
        st.info(t("dash.none_ending", days=window))


def _cities(me, start, end, city) -> None:  # noqa: ANN001
    """The 11 cities side by side: a table, a map and a ranking of one measure."""
    figures = dashboards.city_figures(actor=me, start=start, end=end)
    measures = {"listed": t("dash.stage.listed"), "matched": t("dash.stage.matched"),
                "trials": t("dash.col.trials"), "conversions": t("dash.col.conversions"),
                "deal_amount_wan": t("dash.col.deal_amount_wan"), "conversion_rate": t("dash.col.conv_rate")}
    compared = Table(pd.DataFrame([{
        t("field.city"): region_name(f.city_code, lang()), measures["listed"]: f.listed,
        measures["matched"]: f.matched, measures["trials"]: f.trials, measures["conversions"]: f.conversions,
        measures["deal_amount_wan"]: (f.deal_amount / 10000).quantize(Decimal("0.1")),
        measures["conversion_rate"]: f.conversion_rate} for f in figures]),
        {measures["deal_amount_wan"]: WAN, measures["conversion_rate"]: PERCENT_1})
    compared.show()
    st.caption(t("dash.conv_rate_help"))
    downloads(compared, "cities", "cities")
    table = compared.frame.assign(**{measures["deal_amount_wan"]: [
        float(v) for v in compared.frame[measures["deal_amount_wan"]]]})  # Vega-Lite draws floats
    measure = st.selectbox(t("dash.map_measure"), [k for k in measures if k != "conversion_rate"],
                           format_func=measures.get, key="dash_map_measure")
    values = {f.city_code: (float(f.deal_amount) / 10000 if measure == "deal_amount_wan" else getattr(f, measure))
              for f in figures}
    left, right = st.columns([3, 2])
    chart(lambda: map_chart(values, measures[measure]), key=fingerprint("map", values, measures[measure], lang()),
          where=left)
    ranked = table.sort_values(measures[measure], ascending=False)
    chart(lambda: styled(alt.Chart(ranked).mark_bar(color="#2563eb").encode(
        y=alt.Y(f"{t('field.city')}:N", sort="-x", title=None),
        x=alt.X(f"{measures[measure]}:Q"), tooltip=list(ranked.columns)), height=420),
        key=fingerprint("city_ranking", ranked, measures[measure]), where=right)
    st.caption(t("dash.map_caption"))


me = actor()
st.title(t("nav.dashboard"))

with refusals():
    top = st.columns([3, 2])
    with top[0]:
        start, end = period_filter("dash")
    with top[1]:
        city = city_filter(me, "dash")
    scope = region_name(city, lang()) if city else t("home.scope_province")
    st.caption(t("dash.scope_caption", scope=scope, start=f"{start:%Y-%m-%d}", end=f"{end:%Y-%m-%d}"))

    # --- funnel -----------------------------------------------------------------------------
    st.subheader(t("dash.funnel"))
    fun = dashboards.funnel(actor=me, start=start, end=end, city_code=city)
    stages = fun.stages()
    cols = st.columns(4)
    for col, (stage, n, rate) in zip(cols, stages, strict=True):
        col.metric(t(f"dash.stage.{stage}"), f"{n:,}", t("dash.rate_from_prev", rate=pct(rate)) if rate is not None
                   else None, delta_color="off", delta_arrow="off")
    funnel = Table(pd.DataFrame([{t("dash.col.stage"): t(f"dash.stage.{s}"), t("dash.col.results"): n,
                                  t("dash.col.rate"): r} for s, n, r in stages]), {t("dash.col.rate"): PERCENT_1})
    frame = funnel.shown()
    order = [t(f"dash.stage.{s}") for s, _, _ in stages]

    def funnel_chart() -> alt.LayerChart:
        bars = alt.Chart(frame).mark_bar(color="#2563eb", cornerRadiusEnd=3).encode(
            y=alt.Y(f"{t('dash.col.stage')}:N", sort=order, title=None),
            x=alt.X(f"{t('dash.col.results')}:Q", title=t("dash.col.results")),
            tooltip=list(frame.columns))
        text = bars.mark_text(align="left", dx=4, color="#111827").encode(text=f"{t('dash.col.rate')}:N")
        return styled(bars + text, height=200)

    chart(funnel_chart, key=fingerprint("funnel", frame))
    st.caption(t("dash.funnel_help"))
    downloads(funnel, "funnel", "funnel")

    # The rest in tabs of which only the open one runs and is drawn (on_change="rerun"): the page
    # opens with the funnel and the trends, three charts, instead of six Vega-Lite charts (the map
    # among them), two data grids and ten download buttons. In Chromium at 200 k results that
    # drawing, not the run, was most of the dashboard's time; each other part is one click away.
    parts = {"trends": _trends, "subsidies": _subsidies, "ending": _ending}
    if province_wide(me) and not city:
        parts["cities"] = _cities
    tabs = st.tabs([t(f"dash.tab.{name}") for name in parts], key="dash_tab", on_change="rerun")
    for tab, draw in zip(tabs, parts.values(), strict=True):
        if tab.open:
            with tab:
                draw(me, start, end, city)
