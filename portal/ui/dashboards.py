"""Page helpers for claims, budgets, settings and the dashboards: the period and city filters, and
the Altair charts (Chinese labels in Noto Sans CJK)."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from portal.core.actor import Actor
from portal.core.regions import cities, city_of, region_name
from portal.core.spreadsheet import MONEY, PERCENT_1
from portal.dashboards.period import period_presets
from portal.dashboards.rules import province_wide
from portal.ui import lang, t

FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
GEOJSON = Path(__file__).resolve().parents[1] / "dashboards" / "data" / "zhejiang_cities.geojson"


def styled(chart: alt.Chart, *, height: int = 300) -> alt.Chart:
    """A chart with readable Chinese labels, full width."""
    return (chart.properties(height=height, width="container")
            .configure(font=FONT)
            .configure_axis(labelFont=FONT, titleFont=FONT, labelFontSize=12, titleFontSize=13, labelLimit=220)
            .configure_legend(labelFont=FONT, titleFont=FONT, labelFontSize=12, titleFontSize=12, orient="bottom")
            .configure_title(font=FONT, fontSize=15, anchor="start")
            .configure_view(stroke=None))


def period_filter(key: str) -> tuple[date, date]:
    """A preset period (this year by default) or a custom range."""
    presets = period_presets()
    options = [*presets, "custom"]
    cols = st.columns([2, 2, 2])
    choice = cols[0].selectbox(t("dash.period"), options, format_func=lambda p: t(f"dash.preset.{p}"),
                               key=f"{key}_preset")
    if choice == "custom":
        start = cols[1].date_input(t("field.since"), value=presets["this_year"][0], key=f"{key}_since")
        end = cols[2].date_input(t("field.until"), value=presets["this_year"][1], key=f"{key}_until")
        return start, end
    start, end = presets[choice]
    cols[1].caption(f"{start:%Y-%m-%d} — {end:%Y-%m-%d}")
    return start, end


def city_filter(me: Actor, key: str) -> str | None:
    """Readers of every city choose all cities or one; everyone else sees their own city."""
    if not province_wide(me):
        return me.city_code
    codes = ["all", *[c.code for c in cities()]]
    choice = st.selectbox(t("field.city"), codes, key=f"{key}_city",
                          format_func=lambda c: t("home.scope_province") if c == "all" else region_name(c, lang()))
    return None if choice == "all" else choice


@lru_cache(maxsize=1)
def _features() -> list[dict]:
    return json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]


@lru_cache(maxsize=1)
def _centres() -> dict[str, tuple[float, float]]:
    """A label point per city: the area centroid of its largest polygon."""
    out = {}
    for f in _features():
        ring = max((poly[0] for poly in f["geometry"]["coordinates"]), key=len)
        a = cx = cy = 0.0
        for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
            cross = x1 * y2 - x2 * y1
            a, cx, cy = a + cross, cx + (x1 + x2) * cross, cy + (y1 + y2) * cross
        out[f["properties"]["code"]] = (cx / (3 * a), cy / (3 * a))
    return out


def map_chart(values: dict[str, float], measure_label: str) -> alt.Chart:
    """Zhejiang's 11 cities coloured by a measure (schematic boundaries)."""
    features = []
    for f in _features():
        code = f["properties"]["code"]
        props = {"code": code, "name": region_name(code, lang()), "value": values.get(code, 0)}
        features.append({**f, "properties": props})
    data = alt.Data(values=features, format=alt.DataFormat(type="json"))
    base = alt.Chart(data).mark_geoshape(stroke="white", strokeWidth=1.2).encode(
        color=alt.Color("properties.value:Q", title=measure_label, scale=alt.Scale(scheme="blues")),
        tooltip=[alt.Tooltip("properties.name:N", title=t("field.city")),
                 alt.Tooltip("properties.value:Q", title=measure_label, format=",.1f")],
    ).project(type="mercator")
    points = pd.DataFrame([{"lon": lon, "lat": lat, "name": region_name(code, lang())}
                           for code, (lon, lat) in _centres().items()])
    labels = alt.Chart(points).mark_text(fontSize=12, fontWeight="bold", color="#111827").encode(
        longitude="lon:Q", latitude="lat:Q", text="name:N",
    ).project(type="mercator")
    return styled(alt.layer(base, labels), height=460)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def budget_frame(usage: list, *, per_city: bool, kind: str | None) -> pd.DataFrame:
    """Budget, approved and paid per region (per city when per_city, cities and counties otherwise),
    for one claim kind or all kinds together. A handful of budget rows, summed here."""
    totals: dict[str, list] = {}
    for u in usage:
        if kind and u.kind != kind:
            continue
        region = city_of(u.region_code) if per_city else u.region_code
        row = totals.setdefault(region, [0, 0, 0])
        row[0] += u.budget or 0
        row[1] += u.committed
        row[2] += u.paid
    return pd.DataFrame([{
        t("dash.col.region"): region_name(code, lang()), t("dash.col.budget"): float(b),
        t("dash.col.approved"): float(a), t("dash.col.paid"): float(p),
        t("dash.col.used"): float(a / b) if b else None} for code, (b, a, p) in totals.items()])


def budget_formats() -> dict[str, str]:
    """The number formats of budget_frame's columns, for its download."""
    money = (t("dash.col.budget"), t("dash.col.approved"), t("dash.col.paid"))
    return {**dict.fromkeys(money, MONEY), t("dash.col.used"): PERCENT_1}


def budget_chart(frame: pd.DataFrame) -> alt.Chart:
    """A bullet chart per region: the budget (wide grey bar), approved (amber) and paid (thin green)
    drawn on top, in 10 000 yuan."""
    region, budget, approved, paid = (t("dash.col.region"), t("dash.col.budget"), t("dash.col.approved"),
                                      t("dash.col.paid"))
    measure, wan = t("dash.col.measure"), t("dash.col.wan")
    long = frame.melt(id_vars=[region], value_vars=[budget, approved, paid], var_name=measure, value_name=wan)
    long[wan] = long[wan] / 10000
    colour = alt.Color(f"{measure}:N", title=None,
                       scale=alt.Scale(domain=[budget, approved, paid], range=["#d1d5db", "#f59e0b", "#059669"]))
    layers = []
    for name, size in ((budget, 20), (approved, 11), (paid, 5)):
        layers.append(alt.Chart(long).transform_filter(alt.datum[measure] == name).mark_bar(size=size).encode(
            y=alt.Y(f"{region}:N", title=None, sort=list(frame[region])),
            x=alt.X(f"{wan}:Q", title=wan), color=colour,
            tooltip=[alt.Tooltip(f"{region}:N"), alt.Tooltip(f"{measure}:N"),
                     alt.Tooltip(f"{wan}:Q", format=",.2f")]))
    return styled(alt.layer(*layers), height=max(120, 38 * len(frame)))
