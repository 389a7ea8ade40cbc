"""The operator's roadshow page, one function per tab: read widgets → call portal.roadshows /
portal.intents / portal.decks inside refusals() → render."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from db.models.enums import Field_
from portal.core.actor import Actor
from portal.core.clock import fmt, local, today
from portal.core.regions import counties
from portal.roadshows import decks, intents
from portal.roadshows import events as roadshows
from portal.roadshows.events import RoadshowInput, RoadshowRow
from portal.ui import done, label, lang, refusals, t
from portal.ui.roadshows import slot

INTENT_PAGE_SIZE = 50


def _can_write(me: Actor, show: RoadshowRow | None) -> bool:
    return me.role in roadshows.WRITER_ROLES and (show is None or show.status != "closed")


# --- details -----------------------------------------------------------------------------------

def plan_form(me: Actor, show: RoadshowRow | None) -> None:
    """The new-roadshow form (show None) or the details form of show."""
    if show is not None and not _can_write(me, show):
        st.write(show.description)
        return
    key = f"plan_{show.id if show else 'new'}"
    agencies = roadshows.agencies_for(actor=me)
    if not agencies:
        return
    fields = [""] + [f.value for f in Field_]
    start = local(show.starts_at) if show else datetime.combine(today() + timedelta(days=14), time(14, 0))
    end = local(show.ends_at) if show and show.ends_at else start + timedelta(hours=3)
    with st.form(key):
        agency = None
        if show is None and len(agencies) > 1:
            agency = st.selectbox(t("field.agency"), agencies, format_func=lambda a: a.name)
        title = st.text_input(t("field.roadshow_title"), value=show.title if show else "", max_chars=200)
        a, b, c, d = st.columns(4)
        theme = a.selectbox(t("field.roadshow_theme"), fields, format_func=lambda f: label("field", f) if f else "—",
                            index=fields.index(show.theme_field or "") if show else 0)
        day = b.date_input(t("field.roadshow_date"), value=start.date())
        start_time = c.time_input(t("field.roadshow_start_time"), value=start.time().replace(tzinfo=None))
        end_time = d.time_input(t("field.roadshow_end_time"), value=end.time().replace(tzinfo=None))
        venue = st.text_input(t("field.roadshow_venue"), value=show.venue if show else "", max_chars=200)
        link = st.text_input(t("field.roadshow_online_link"), value=show.online_link if show else "", max_chars=300)
        city = show.city_code if show else (agency or agencies[0]).city_code
        options = [""] + [r.code for r in counties(city)]
        names = {r.code: r.name(lang()) for r in counties(city)}
        county = st.selectbox(t("field.county"), options, format_func=lambda code: names.get(code, "—"),
                              index=options.index(show.county_code) if show and show.county_code in options else 0)
        description = st.text_area(t("field.roadshow_description"), value=show.description if show else "",
                                   max_chars=4000)
        sent = st.form_submit_button(t("roadshows.save" if show else "roadshows.create"), type="primary")
    if not sent:
        return
    data = RoadshowInput(title=title, theme_field=theme or None, starts_at=datetime.combine(day, start_time),
                         ends_at=datetime.combine(day, end_time), venue=venue, online_link=link,
                         county_code=county or None, description=description)
    with refusals():
        if show is None:
            made = roadshows.create_roadshow(actor=me, data=data, agency_id=agency.id if agency else None)
            done(t("roadshows.created", title=made.title))
        else:
            roadshows.update_roadshow(actor=me, roadshow_id=show.id, data=data)
            done(t("roadshows.saved"))


def status_buttons(me: Actor, show: RoadshowRow) -> None:
    """Publish a draft, close a published roadshow."""
    if me.role not in roadshows.WRITER_ROLES or show.status == "closed":
        return
    if show.status == "draft" and st.button(t("roadshows.publish"), type="primary", key=f"publish_{show.id}"):
        with refusals():
            roadshows.publish_roadshow(actor=me, roadshow_id=show.id)
            done(t("roadshows.published"))
    if show.status == "published" and st.button(t("roadshows.close"), key=f"close_{show.id}"):
        with refusals():
            roadshows.close_roadshow(actor=me, roadshow_id=show.id)
            done(t("roadshows.closed"))


# --- running order -----------------------------------------------------------------------------

def items_tab(me: Actor, show: RoadshowRow) -> None:
    items = roadshows.list_items(actor=me, roadshow_id=show.id)
    if not items:
        st.info(t("roadshows.no_items"))
    else:
        st.dataframe(pd.DataFrame([{
            t("roadshows.col.position"): i.position, t("roadshows.col.result"): i.result_title,
            t("roadshows.col.institution"): i.institution, t("roadshows.col.presenter"): i.presenter_name,
            t("roadshows.col.slot"): slot(i.slot_start, i.slot_end), t("roadshows.col.intents"): i.intents,
        } for i in items]), hide_index=True, width="stretch")
    if not _can_write(me, show):
        return
    if items:
        _order_controls(me, show, items)
    _add_item(me, show, items)


def _order_controls(me: Actor, show: RoadshowRow, items: list) -> None:
    pick = st.selectbox(t("roadshows.pick_result"), items, key=f"order_pick_{show.id}",
                        format_func=lambda i: f"{i.position}. {i.result_title}")
    up, down, remove, _ = st.columns([1, 1, 1, 5])
    with refusals():
        if up.button(t("roadshows.up"), key=f"up_{show.id}", disabled=pick.position == 1):
            roadshows.move_item(actor=me, item_id=pick.id, step=-1)
            done(t("roadshows.saved"))
        if down.button(t("roadshows.down"), key=f"down_{show.id}", disabled=pick.position == len(items)):
            roadshows.move_item(actor=me, item_id=pick.id, step=1)
            done(t("roadshows.saved"))
        if remove.button(t("roadshows.remove"), key=f"remove_{show.id}"):
            roadshows.remove_item(actor=me, item_id=pick.id)
            done(t("roadshows.removed"))
    with st.expander(t("roadshows.edit_item")):
        with st.form(f"edit_item_{show.id}_{pick.id}"):
            name, account, start, minutes = _presenter_inputs(me, show, pick.presenter_name,
                                                              pick.presenter_user_id, pick.slot_start, pick.slot_end)
            if st.form_submit_button(t("roadshows.save")):
                with refusals():
                    roadshows.update_item(actor=me, item_id=pick.id, presenter_name=name,
                                          presenter_user_id=account, slot_start=start,
                                          slot_end=start + timedelta(minutes=minutes) if start else None)
                    done(t("roadshows.saved"))


def _presenter_inputs(me: Actor, show: RoadshowRow, name: str, user_id, start, end) -> tuple:  # noqa: ANN001
    people = roadshows.list_presenters(actor=me, roadshow_id=show.id)
    options = [None] + [p.id for p in people]
    names = {p.id: p.name for p in people}
    a, b, c, d = st.columns([2, 2, 1, 1])
    name = a.text_input(t("field.roadshow_presenter"), value=name, max_chars=60)
    account = b.selectbox(t("roadshows.presenter_account"), options, format_func=lambda u: names.get(u, "—"),
                          index=options.index(user_id) if user_id in options else 0)
    default_start = local(start) if start else local(show.starts_at)
    begins = c.time_input(t("field.roadshow_slot_start"), value=default_start.time().replace(tzinfo=None))
    minutes = d.number_input(t("roadshows.minutes"), min_value=5, max_value=120, step=5,
                             value=int((end - start).total_seconds() // 60) if start and end else 15)
    moment = datetime.combine(local(show.starts_at).date(), begins)
    return name, account, moment, int(minutes)


def _add_item(me: Actor, show: RoadshowRow, items: list) -> None:
    st.markdown(f"**{t('roadshows.add_item')}**")
    a, b = st.columns([3, 1])
    query = a.text_input(t("roadshows.search"), key=f"search_{show.id}", max_chars=60)
    fields = [""] + [f.value for f in Field_]
    field = b.selectbox(t("field.roadshow_theme"), fields, key=f"search_field_{show.id}",
                        index=fields.index(show.theme_field or ""),
                        format_func=lambda f: label("field", f) if f else t("roadshows.all"))
    with refusals():
        taken = {i.result_id for i in items}
        found = [r for r in roadshows.listed_results(actor=me, query=query, field=field or None)
                 if r.id not in taken]
        if not found:
            st.caption(t("roadshows.no_candidates"))
            return
        with st.form(f"add_item_{show.id}"):
            result = st.selectbox(t("roadshows.pick_result"), found,
                                  format_func=lambda r: f"{r.title} · {r.institution} · {r.number}")
            last = items[-1] if items else None
            start = (last.slot_end or last.slot_start) if last else None
            name, account, begins, minutes = _presenter_inputs(me, show, "", None, start,
                                                               start + timedelta(minutes=15) if start else None)
            if st.form_submit_button(t("roadshows.add"), type="primary"):
                item = roadshows.add_item(actor=me, roadshow_id=show.id, result_id=result.id, presenter_name=name,
                                          presenter_user_id=account, slot_start=begins,
                                          slot_end=begins + timedelta(minutes=minutes))
                done(t("roadshows.added", position=item.position))


# --- attendance --------------------------------------------------------------------------------

def attendance_tab(me: Actor, show: RoadshowRow) -> None:
    rows = roadshows.list_attendance(actor=me, roadshow_id=show.id)
    if not rows:
        st.info(t("roadshows.no_attendance"))
    else:
        st.dataframe(pd.DataFrame([{
            t("roadshows.col.company"): r.company_name, t("roadshows.col.credit_code"): r.credit_code,
            t("roadshows.col.present"): "✓" if r.present else "",
        } for r in rows]), hide_index=True, width="stretch")
    if me.role not in roadshows.WRITER_ROLES:
        return
    if rows:
        with st.form(f"presence_{show.id}"):
            here = st.multiselect(t("roadshows.present"), rows, default=[r for r in rows if r.present],
                                  format_func=lambda r: r.company_name)
            if st.form_submit_button(t("roadshows.mark_present")):
                with refusals():
                    chosen = {r.id for r in here}
                    for r in rows:
                        if (r.id in chosen) != r.present:
                            roadshows.set_present(actor=me, attendance_id=r.id, present=r.id in chosen)
                    done(t("roadshows.saved"))
    with st.form(f"register_{show.id}", clear_on_submit=True):
        st.markdown(f"**{t('roadshows.register')}**")
        a, b, c = st.columns([3, 2, 1])
        name = a.text_input(t("field.intent_company_name"), max_chars=120)
        code = b.text_input(t("field.credit_code"), max_chars=18)
        present = c.checkbox(t("roadshows.present"))
        if st.form_submit_button(t("roadshows.register")):
            with refusals():
                roadshows.register_attendance(actor=me, roadshow_id=show.id, company_name=name, credit_code=code,
                                              present=present)
                done(t("roadshows.registered"))


# --- intents -----------------------------------------------------------------------------------

def intents_tab(me: Actor, show: RoadshowRow) -> None:
    items = roadshows.list_items(actor=me, roadshow_id=show.id)
    options = [None] + [i.result_id for i in items]
    titles = {i.result_id: f"{i.position}. {i.result_title}" for i in items}
    a, b = st.columns([3, 1])
    result_id = a.selectbox(t("roadshows.filter_result"), options, key=f"intent_result_{show.id}",
                            format_func=lambda r: titles.get(r, t("roadshows.all")))
    _, total = intents.list_intents(actor=me, roadshow_id=show.id, result_id=result_id, limit=1)
    pages = max(1, math.ceil(total / INTENT_PAGE_SIZE))
    page = b.number_input(t("roadshows.page"), min_value=1, max_value=pages, value=1, key=f"intent_page_{show.id}")
    rows, total = intents.list_intents(actor=me, roadshow_id=show.id, result_id=result_id,
                                       offset=(page - 1) * INTENT_PAGE_SIZE, limit=INTENT_PAGE_SIZE)
    if not rows:
        st.info(t("roadshows.no_intents"))
        return
    st.dataframe(pd.DataFrame([{
        t("roadshows.col.updated"): fmt(r.created_at), t("roadshows.col.result"): r.result_title,
        t("roadshows.col.company"): r.company_name, t("roadshows.col.credit_code"): r.credit_code,
        t("roadshows.col.contact"): r.contact_person, t("roadshows.col.phone"): r.phone,
        t("roadshows.col.wants"): "、".join(label("intent_want", w) for w in r.wants),
        t("roadshows.col.note"): r.note, t("roadshows.col.match"): t("roadshows.matched") if r.match_id else "",
    } for r in rows]), hide_index=True, width="stretch")
    open_rows = [r for r in rows if r.match_id is None]
    if me.role not in intents.WRITER_ROLES or not open_rows:
        return
    c, d = st.columns([3, 1])
    pick = c.selectbox(t("roadshows.choose_intent"), open_rows, key=f"intent_pick_{show.id}",
                       format_func=lambda r: f"{r.company_name} → {r.result_title}")
    d.write("")
    if d.button(t("roadshows.convert"), key=f"convert_{show.id}", type="primary"):
        with refusals():
            intents.convert_intent(actor=me, intent_id=pick.id)
            done(t("roadshows.converted"))


# --- numbers and export ------------------------------------------------------------------------

def numbers_tab(me: Actor, show: RoadshowRow) -> None:
    n = roadshows.summary(actor=me, roadshow_id=show.id)
    figures = [("results_shown", n.results_shown), ("registered", n.registered), ("present", n.present),
               ("intents", n.intents), ("companies", n.companies), ("matches", n.matches),
               ("trials", n.trials), ("conversions", n.conversions)]
    for row in (figures[:4], figures[4:]):
        for col, (key, value) in zip(st.columns(4), row, strict=True):
            col.metric(t(f"roadshows.metric.{key}"), value)
    if n.per_result:
        st.markdown(f"**{t('roadshows.per_result')}**")
        st.dataframe(pd.DataFrame([{
            t("roadshows.col.position"): r.position, t("roadshows.col.result"): r.title,
            t("roadshows.col.intents"): r.intents, t("roadshows.col.wants_trial"): r.wants_trial,
            t("roadshows.col.matches"): r.matches,
        } for r in n.per_result]), hide_index=True, width="stretch")


def export_tab(me: Actor, show: RoadshowRow) -> None:
    st.caption(t("roadshows.export_hint"))
    language = lang()
    stem = f"roadshow-{local(show.starts_at):%Y%m%d}"
    a, b = st.columns(2)
    a.download_button(t("roadshows.download_pptx"), key=f"pptx_{show.id}", file_name=f"{stem}.pptx",
                      data=lambda: decks.deck_pptx(actor=me, roadshow_id=show.id, lang=language),
                      mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                      on_click="ignore", icon=":material/slideshow:")
    b.download_button(t("roadshows.download_pdf"), key=f"pdf_{show.id}", file_name=f"{stem}.pdf",
                      data=lambda: decks.deck_pdf(actor=me, roadshow_id=show.id, lang=language),
                      mime="application/pdf", on_click="ignore", icon=":material/picture_as_pdf:")
    if show.status == "draft":
        return
    st.markdown(f"**{t('roadshows.qr_links')}**")
    for card in roadshows.cards(actor=me, roadshow_id=show.id):
        st.text(f"{card.position}. {card.title}")
        st.code(card.url, language=None)
