"""Rankings: the activity index (formula shown) per city, county, institution or agency, and points."""

import altair as alt
import pandas as pd
import streamlit as st

from portal.core.regions import region_name
from portal.core.spreadsheet import WAN
from portal.dashboards.rules import province_wide
from portal.scoring import activity
from portal.scoring.points import ranking
from portal.ui import actor, lang, refusals, t
from portal.ui.charts import chart, fingerprint
from portal.ui.dashboards import city_filter, period_filter, styled
from portal.ui.downloads import Table, downloads

me = actor()
st.title(t("nav.rankings"))

with refusals():
    top = st.columns([3, 2])
    with top[0]:
        start, end = period_filter("rank")
    with top[1]:
        city = city_filter(me, "rank")

    st.subheader(t("rank.activity"))
    levels = [lv for lv in activity.LEVELS if province_wide(me) and not city or lv != "city"]
    level = st.radio(t("field.ranking_level"), levels, horizontal=True, format_func=lambda lv: t(f"rank.level.{lv}"))
    w = activity.weights_for(city)
    st.markdown(t("rank.formula", listed=w["listed"], trials=w["trials"], conversions=w["conversions"],
                  amount=w["deal_amount_wan"], timeliness=w["timeliness"]))
    st.caption(t("rank.formula_note"))
    rows = activity.activity_index(actor=me, level=level, start=start, end=end, city_code=city)
    if rows:
        name = (lambda r: region_name(r.key, lang())) if level in ("city", "county") else (lambda r: r.name)
        activity_table = Table(pd.DataFrame([{
            t("rank.col.rank"): i, t("rank.col.name"): name(r), t("rank.col.index"): float(r.index),
            t("settings.weight.listed"): r.listed, t("settings.weight.trials"): r.trials,
            t("settings.weight.conversions"): r.conversions,
            t("dash.col.deal_amount_wan"): round(float(r.deal_amount) / 10000, 1),
            t("settings.weight.timeliness"): float(r.timeliness)} for i, r in enumerate(rows, 1)]),
            {t("dash.col.deal_amount_wan"): WAN})
        frame = activity_table.frame
        head = frame.head(15)
        chart(lambda: styled(alt.Chart(head).mark_bar(color="#7c3aed").encode(
            y=alt.Y(f"{t('rank.col.name')}:N", sort="-x", title=None),
            x=alt.X(f"{t('rank.col.index')}:Q"), tooltip=list(head.columns)), height=max(160, 34 * len(head))),
            key=fingerprint("activity", head))
        activity_table.show()
        downloads(activity_table, f"activity-{level}", "activity")
    else:
        st.info(t("rank.none"))

    st.subheader(t("rank.points"))
    by = st.radio(t("rank.points_by"), ["agency", "user", "city"] if province_wide(me) and not city else ["agency", "user"],
                  horizontal=True, format_func=lambda b: t(f"rank.by.{b}"), key="points_by")
    points = ranking(actor=me, by=by, start=start, end=end, city_code=city)
    if points:
        frame = pd.DataFrame([{
            t("rank.col.rank"): i, t("rank.col.name"): region_name(p.key, lang()) if by == "city" else p.name,
            t("field.city"): region_name(p.city_code, lang()), t("rank.col.points"): p.points,
            t("rank.col.events"): p.events} for i, p in enumerate(points, 1)])
        st.dataframe(frame, hide_index=True, width="stretch")
        downloads(frame, f"points-{by}", "points")
    else:
        st.info(t("rank.no_points"))
    st.caption(t("rank.points_note"))
