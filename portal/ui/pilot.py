"""Page helpers for pilot testing: tables, the calendar heat map, utilization charts, forms."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from portal.core.actor import Actor
from portal.core.errors import PermissionDenied
from portal.core.regions import cities, region_name
from portal.core.scope import scope_key
from portal.core.spreadsheet import DATE, MONEY, PERCENT_1
from portal.core.workflow import may
from portal.pilot import platforms as pf
from portal.pilot.bookings import BookingRow
from portal.pilot.calendar import (
    CalendarView,
    UtilizationRow,
    city_utilization,
    month_of,
    utilization,
    week_of,
)
from portal.pilot.rules import PLATFORM
from portal.ui import done, label, lang, refusals, t, tables, tmd
from portal.ui.forms import form_key, instance, succeeded


def city_choice(me: Actor, *, key: str, allow_all: bool = True) -> str | None:
    """A city picker: the actor's city first; the province may choose any (or all)."""
    codes = [c.code for c in cities()]
    if me.city_code:
        codes.remove(me.city_code)
        codes.insert(0, me.city_code)
    options = ([None] if allow_all else []) + codes
    index = options.index(me.city_code) if me.city_code in options else 0
    return st.selectbox(t("field.city"), options, index=index, key=key,
                        format_func=lambda c: region_name(c, lang()) if c else t("pilot.all_cities"))


def bookings_frame(rows: list[BookingRow], *, with_city: bool = False) -> pd.DataFrame:
    """A booking list as a table with columns in the user's language."""
    out = []
    for r in rows:
        row = {t("pilot.col.ref"): r.ref}
        if with_city:
            row[t("pilot.col.city")] = region_name(r.city_code, lang())
        row.update({
            t("pilot.col.platform"): r.platform_name, t("pilot.col.resource"): r.resource_name,
            t("pilot.col.enterprise"): r.enterprise_name, t("pilot.col.result"): r.result_title,
            t("pilot.col.start"): r.start_date, t("pilot.col.end"): r.end_date,
            t("pilot.col.days"): r.days, t("pilot.col.status"): label("booking_status", r.status),
            t("pilot.col.cost"): r.cost,
            t("pilot.col.outcome"): r.outcome or r.cancel_reason,
            t("pilot.col.request_note"): r.request_note,  # what an enterprise asking for it wants tested
        })
        out.append(row)
    return pd.DataFrame(out)


def bookings_table(rows: list[BookingRow], *, with_city: bool = False) -> None:
    """The bookings as a table: dates as dates, the cost as money (sorted by amount)."""
    tables.show(bookings_frame(rows, with_city=with_city), {
        t("pilot.col.start"): DATE, t("pilot.col.end"): DATE, t("pilot.col.cost"): MONEY})


def utilization_table(rows: list[UtilizationRow]) -> None:
    """The utilisation figures as a table, the rate as a percentage (sorted by value)."""
    tables.show(utilization_frame(rows), {t("pilot.rate"): PERCENT_1})


def booking_label(r: BookingRow) -> str:
    """How a booking reads in a picker."""
    return (f"{r.ref} · {r.enterprise_name} · {r.resource_name} · {r.start_date:%m-%d}~{r.end_date:%m-%d}"
            f" · {label('booking_status', r.status)}")


def calendar_chart(view: CalendarView) -> alt.Chart:
    """Resources × days: each cell shows free slots, coloured from full (red) to free (green)."""
    frame = pd.DataFrame([{
        "resource": c.resource_name, "day": c.day.isoformat(), "order": c.day.toordinal(),
        "label": f"{c.day:%m-%d} " + ("一二三四五六日"[c.day.weekday()] if lang() == "zh" else f"{c.day:%a}"),
        "free": c.free, "capacity": c.capacity, "share": c.free / c.capacity if c.capacity else 0,
        "text": f"{c.free}/{c.capacity}",
    } for c in view.cells])
    if frame.empty:
        return alt.Chart(pd.DataFrame({"x": []})).mark_rect()
    # sort by the date itself: the browser keeps an earlier view's values first otherwise
    x = alt.X("label:O", title=t("pilot.day"), sort=alt.EncodingSortField("order", op="min"),
              axis=alt.Axis(labelAngle=0))
    y = alt.Y("resource:N", title=t("pilot.col.resource"))
    base = alt.Chart(frame).encode(x=x, y=y)
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("share:Q", scale=alt.Scale(domain=[0, 1], range=["#d73027", "#fee08b", "#1a9850"]),
                        legend=None),
        tooltip=[alt.Tooltip("day:N", title=t("pilot.day")), alt.Tooltip("resource:N", title=t("pilot.col.resource")),
                 alt.Tooltip("text:N", title=t("pilot.free_of"))])
    text = base.mark_text(fontSize=13, fontWeight="bold").encode(
        text="text:N", color=alt.condition("datum.share > 0.6", alt.value("white"), alt.value("#222")))
    return (rect + text).properties(height=calendar_height(view))


def calendar_height(view: CalendarView) -> int:
    """Pixels for the heat map: a row per resource plus the axis."""
    return 70 + 46 * len({c.resource_id for c in view.cells})


def cached_utilization(me: Actor, city_code: str | None, last_month: date, months: int) -> list[UtilizationRow]:
    """utilization() for five minutes, for whoever may read it. The key is the actor's scope
    (`scope_key`) and the chosen city, never a user's data alone, so one city's figures never
    reach another city's user; whether this user may read them is asked first, every time."""
    if not may(me, "utilization", PLATFORM.entity):
        raise PermissionDenied()
    return _utilization(scope_key(me)[0], city_code, last_month, months, _actor=me)


@st.cache_data(ttl=300, show_spinner=False, max_entries=200)
def _utilization(scope: tuple, city_code: str | None, last_month: date, months: int,
                 _actor: Actor) -> list[UtilizationRow]:
    return utilization(actor=_actor, last_month=last_month, months=months, city_code=city_code)


def utilization_charts(rows: list[UtilizationRow]) -> tuple[alt.Chart, alt.Chart]:
    """Monthly utilization lines per platform and per city."""
    per_platform = pd.DataFrame([{
        t("pilot.month_col"): r.month.strftime("%Y-%m"), t("pilot.platform"): r.platform_name,
        t("pilot.rate"): float(r.rate),  # chart coordinates only; figures are shown from Decimals
    } for r in rows])
    per_city = pd.DataFrame([{
        t("pilot.month_col"): m.strftime("%Y-%m"), t("field.city"): region_name(c, lang()),
        t("pilot.rate"): float(rate),
    } for m, c, rate in city_utilization(rows)])

    def line(frame: pd.DataFrame, colour: str) -> alt.Chart:
        return alt.Chart(frame).mark_line(point=True).encode(
            x=alt.X(f"{t('pilot.month_col')}:O", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{t('pilot.rate')}:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=f"{colour}:N",
            tooltip=[f"{t('pilot.month_col')}:O", f"{colour}:N",
                     alt.Tooltip(f"{t('pilot.rate')}:Q", format=".1%")],
        ).properties(height=340)

    return line(per_platform, t("pilot.platform")), line(per_city, t("field.city"))


def utilization_frame(rows: list[UtilizationRow]) -> pd.DataFrame:
    """The figures behind the charts (a province has thousands of rows: labels looked up once)."""
    month, platform, booked, capacity, rate = (t(k) for k in (
        "pilot.month_col", "pilot.platform", "pilot.booked_days", "pilot.capacity_days", "pilot.rate"))
    return pd.DataFrame([{
        month: r.month.strftime("%Y-%m"), platform: r.platform_name, booked: r.booked_days,
        capacity: r.capacity_days, rate: r.rate,
    } for r in rows])


def platform_form(me: Actor, *, key: str, platform: pf.PlatformRow | None = None,
                  city_code: str | None = None) -> None:
    """Add a platform (platform None) or edit one."""
    query = st.text_input(t("pilot.find_host"), key=f"{key}_host_q")
    names = {h.id: h.name for h in pf.host_options(actor=me, city_code=platform.city_code if platform else city_code,
                                                   query=query)}
    if platform is not None:  # the current host stays choosable whatever the search shows
        names = {platform.host_org_id: platform.host_name, **names}
    if not names:
        st.info(t("pilot.no_hosts"))
        return
    host_ids = list(names)
    with st.form(key if platform else instance(key)):  # a new platform's form is empty again once added
        name = st.text_input(t("field.pilot_platform_name"), value=platform.name if platform else "")
        host = st.selectbox(t("field.pilot_host"), host_ids, format_func=names.get,
                            index=host_ids.index(platform.host_org_id) if platform else 0)
        capabilities = st.text_area(t("field.pilot_capabilities"), value=platform.capabilities if platform else "")
        tags = st.text_input(t("field.pilot_tags"), value=",".join(platform.tags) if platform else "")
        c1, c2, c3 = st.columns(3)
        hours = c1.text_input(t("field.pilot_opening_hours"), value=platform.opening_hours if platform else "")
        contact = c2.text_input(t("field.pilot_contact_name"), value=platform.contact_name if platform else "")
        phone = c3.text_input(t("field.pilot_contact_phone"), value=platform.contact_phone if platform else "")
        if st.form_submit_button(t("pilot.save")):
            with refusals():
                fields = dict(name=name, host_org_id=host, capabilities=capabilities, tags=tags,
                              opening_hours=hours, contact_name=contact, contact_phone=phone)
                if platform is None:
                    made = pf.create_platform(actor=me, city_code=city_code, idempotency_key=form_key(key), **fields)
                    succeeded(key)
                    done(tmd("pilot.platform_added", name=made.name))
                else:
                    pf.update_platform(actor=me, platform_id=platform.id, county_code=platform.county_code,
                                       **fields)
                    done(t("pilot.saved"))


def resource_form(me: Actor, platform: pf.PlatformRow, *, key: str) -> None:
    """Add a resource to platform, or edit one of its resources."""
    options = [None, *platform.resources]
    current = st.selectbox(t("pilot.edit_resource"), options, key=f"{key}_pick",
                           format_func=lambda r: t("pilot.add_resource") if r is None else r.name)
    form = f"{key}_{current.id if current else 'new'}"
    with st.form(form if current else instance(form)):  # a new resource's form is empty again once added
        name = st.text_input(t("field.pilot_resource_name"), value=current.name if current else "")
        c1, c2 = st.columns(2)
        capacity = c1.number_input(t("field.pilot_capacity"), min_value=1, max_value=1000, step=1,
                                   value=current.capacity if current else 1)
        price = c2.text_input(t("field.pilot_price_per_day"), value=str(current.price_per_day) if current else "")
        if st.form_submit_button(t("pilot.save")):
            with refusals():
                if current is None:
                    made = pf.add_resource(actor=me, platform_id=platform.id, name=name, capacity=capacity,
                                           price_per_day=price, idempotency_key=form_key(form))
                    succeeded(form)
                    done(tmd("pilot.resource_added", name=made.name))
                else:
                    pf.update_resource(actor=me, resource_id=current.id, name=name, capacity=capacity,
                                       price_per_day=price)
                    done(t("pilot.saved"))


def today_range(anchor: date, view: str) -> tuple[date, date]:
    """The week or month around anchor."""
    return week_of(anchor) if view == "week" else month_of(anchor)

