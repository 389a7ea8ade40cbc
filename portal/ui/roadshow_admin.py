"""The operator's roadshow page, one function per tab: read widgets → call portal.roadshows
inside refusals() → render. Which forms and buttons exist is asked of the roadshow and intent
tables (`may` / `allowed_actions`), never worked out here."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from db.models.enums import Field_
from portal.core import directory
from portal.core.actor import Actor
from portal.core.clock import fmt, local, today
from portal.core.regions import counties
from portal.core.workflow import allowed_actions, may
from portal.roadshows import attendance, cards, intents, items, merging, plans, summary
from portal.roadshows.listing import RoadshowRow
from portal.roadshows.plans import RoadshowInput
from portal.ui import confirm, done, label, lang, md, refusals, t, tmd
from portal.ui.forms import form_key, instance, succeeded
from portal.ui.paging import asked, pager
from portal.ui.roadshows import deck_buttons, qr_warning, slot

INTENT_PAGE_SIZE = 50

# --- details -----------------------------------------------------------------------------------

def plan_form(me: Actor, show: RoadshowRow | None) -> None:
    """The new-roadshow form (show None) or the details form of show."""
    if show is not None and not may(me, "update", show):
        st.markdown(md(show.description))
        return
    if show is None and not may(me, "create", "roadshow"):
        return
    key = f"plan_{show.id}" if show else instance("plan_new")  # a new plan's form is empty again once made
    agencies = directory.agencies(actor=me)  # what `create_roadshow` accepts (directory.acting_agency)
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
            made = plans.create_roadshow(actor=me, data=data, agency_id=agency.id if agency else None,
                                         idempotency_key=form_key("plan_new"))
            succeeded("plan_new")
            done(tmd("roadshows.created", title=made.title))
        else:
            plans.update_roadshow(actor=me, roadshow_id=show.id, data=data)
            done(t("roadshows.saved"))


def status_buttons(me: Actor, show: RoadshowRow) -> None:
    """Publish a draft, close a published roadshow (whichever the table allows now); while either
    is possible, the QR codes matter, so the warning shows when phones cannot open them."""
    actions = allowed_actions(me, show)
    if {"publish", "close"} & set(actions):
        qr_warning()
    if "publish" in actions and st.button(t("roadshows.publish"), type="primary", key=f"publish_{show.id}"):
        with refusals():
            plans.publish_roadshow(actor=me, roadshow_id=show.id)
            done(t("roadshows.published"))
    if "close" in actions and st.button(t("roadshows.close"), key=f"close_{show.id}"):
        confirm.ask(f"close_{show.id}")
    confirm.dialog(f"close_{show.id}", title=t("confirm.close_roadshow_title"),
                   says=tmd("confirm.close_roadshow_says", title=show.title),
                   action=lambda _: plans.close_roadshow(actor=me, roadshow_id=show.id), then=t("roadshows.closed"))


# --- running order -----------------------------------------------------------------------------

def items_tab(me: Actor, show: RoadshowRow) -> None:
    """The running order, and (while it may be arranged) its controls and the add-a-result form."""
    rows = items.list_items(actor=me, roadshow_id=show.id)
    if not rows:
        st.info(t("roadshows.no_items"))
    else:
        st.dataframe(pd.DataFrame([{
            t("roadshows.col.position"): i.position, t("roadshows.col.result"): i.result_title,
            t("roadshows.col.institution"): i.institution, t("roadshows.col.presenter"): i.presenter_name,
            t("roadshows.col.slot"): slot(i.slot_start, i.slot_end), t("roadshows.col.intents"): i.intents,
        } for i in rows]), hide_index=True, width="stretch")
    if not may(me, "arrange", show):
        return
    if rows:
        _order_controls(me, show, rows)
    _add_item(me, show, rows)


def _order_controls(me: Actor, show: RoadshowRow, rows: list[items.ItemRow]) -> None:
    pick = st.selectbox(t("roadshows.pick_result"), rows, key=f"order_pick_{show.id}",
                        format_func=lambda i: f"{i.position}. {i.result_title}")
    up, down, remove, _ = st.columns([1, 1, 1, 5])
    with refusals():
        if up.button(t("roadshows.up"), key=f"up_{show.id}", disabled=pick.position == 1):
            items.move_item(actor=me, item_id=pick.id, step=-1)
            done(t("roadshows.saved"))
        if down.button(t("roadshows.down"), key=f"down_{show.id}", disabled=pick.position == len(rows)):
            items.move_item(actor=me, item_id=pick.id, step=1)
            done(t("roadshows.saved"))
        if remove.button(t("roadshows.remove"), key=f"remove_{show.id}"):
            confirm.ask(f"remove_{show.id}", item_id=pick.id, title=pick.result_title)
    asked = confirm.asked(f"remove_{show.id}")
    confirm.dialog(f"remove_{show.id}", title=t("confirm.remove_item_title"),
                   says=tmd("confirm.remove_item_says", title=asked.get("title", ""), show=show.title),
                   action=lambda v: items.remove_item(actor=me, item_id=v["item_id"]), then=t("roadshows.removed"))
    with st.expander(t("roadshows.edit_item")):
        with st.form(f"edit_item_{show.id}_{pick.id}"):
            name, account, start, minutes = _presenter_inputs(me, show, pick.presenter_name,
                                                              pick.presenter_user_id, pick.slot_start, pick.slot_end)
            if st.form_submit_button(t("roadshows.save")):
                with refusals():
                    items.update_item(actor=me, item_id=pick.id, presenter_name=name,
                                          presenter_user_id=account, slot_start=start,
                                          slot_end=start + timedelta(minutes=minutes) if start else None)
                    done(t("roadshows.saved"))


def _presenter_inputs(me: Actor, show: RoadshowRow, name: str, user_id, start, end) -> tuple:  # noqa: ANN001
    people = items.list_presenters(actor=me, roadshow_id=show.id)
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


def _add_item(me: Actor, show: RoadshowRow, rows: list[items.ItemRow]) -> None:
    st.markdown(f"**{t('roadshows.add_item')}**")
    a, b = st.columns([3, 1])
    query = a.text_input(t("roadshows.search"), key=f"search_{show.id}", max_chars=60)
    fields = [""] + [f.value for f in Field_]
    field = b.selectbox(t("field.roadshow_theme"), fields, key=f"search_field_{show.id}",
                        index=fields.index(show.theme_field or ""),
                        format_func=lambda f: label("field", f) if f else t("roadshows.all"))
    with refusals():
        taken = {i.result_id for i in rows}
        found = [r for r in items.listed_results(actor=me, query=query, field=field or None)
                 if r.id not in taken]
        if not found:
            st.caption(t("roadshows.no_candidates"))
            return
        with st.form(instance(f"add_item_{show.id}")):
            result = st.selectbox(t("roadshows.pick_result"), found,
                                  format_func=lambda r: f"{r.title} · {r.institution} · {r.number}")
            last = rows[-1] if rows else None
            start = (last.slot_end or last.slot_start) if last else None
            name, account, begins, minutes = _presenter_inputs(me, show, "", None, start,
                                                               start + timedelta(minutes=15) if start else None)
            if st.form_submit_button(t("roadshows.add"), type="primary"):
                item = items.add_item(actor=me, roadshow_id=show.id, result_id=result.id, presenter_name=name,
                                          presenter_user_id=account, slot_start=begins,
                                          slot_end=begins + timedelta(minutes=minutes),
                                          idempotency_key=form_key(f"add_item_{show.id}"))
                succeeded(f"add_item_{show.id}")
                done(t("roadshows.added", position=item.position))


# --- attendance --------------------------------------------------------------------------------

def attendance_tab(me: Actor, show: RoadshowRow) -> None:
    """Who registered and who came, and (for those who may record it) the forms to say so."""
    rows = attendance.list_attendance(actor=me, roadshow_id=show.id)
    if not rows:
        st.info(t("roadshows.no_attendance"))
    else:
        st.dataframe(pd.DataFrame([{
            t("roadshows.col.company"): r.company_name, t("roadshows.col.credit_code"): r.credit_code,
            t("roadshows.col.present"): "✓" if r.present else "",
        } for r in rows]), hide_index=True, width="stretch")
    if not may(me, "attend", show):
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
                            attendance.set_present(actor=me, attendance_id=r.id, present=r.id in chosen)
                    done(t("roadshows.saved"))
    with st.form(instance(f"register_{show.id}")):
        st.markdown(f"**{t('roadshows.register')}**")
        a, b, c = st.columns([3, 2, 1])
        name = a.text_input(t("field.intent_company_name"), max_chars=120)
        code = b.text_input(t("field.credit_code"), max_chars=18)
        present = c.checkbox(t("roadshows.present"))
        if st.form_submit_button(t("roadshows.register")):
            with refusals():
                attendance.register_attendance(actor=me, roadshow_id=show.id, company_name=name, credit_code=code,
                                              present=present, idempotency_key=form_key(f"register_{show.id}"))
                succeeded(f"register_{show.id}")
                done(t("roadshows.registered"))


# --- intents -----------------------------------------------------------------------------------

def intents_tab(me: Actor, show: RoadshowRow) -> None:
    """The roadshow's intents, a page at a time (a company's repeat submissions marked), one
    company's submissions side by side with the merge, and turning an open one into a match."""
    rows = items.list_items(actor=me, roadshow_id=show.id)
    options = [None] + [i.result_id for i in rows]
    titles = {i.result_id: f"{i.position}. {i.result_title}" for i in rows}
    a, b, c = st.columns([3, 2, 1])
    result_id = a.selectbox(t("roadshows.filter_result"), options, key=f"intent_result_{show.id}",
                            format_func=lambda r: titles.get(r, t("roadshows.all")))
    b.write("")
    repeats_only = b.checkbox(t("roadshows.repeats_only"), key=f"intent_repeats_{show.id}")
    key = f"intent_page_{show.id}"
    page = intents.list_intents(actor=me, roadshow_id=show.id, result_id=result_id, repeats_only=repeats_only,
                                page=asked(key), page_size=INTENT_PAGE_SIZE)
    with c:
        pager(page, key)
    if not page.rows:
        st.info(t("roadshows.no_intents"))
        return
    st.dataframe(pd.DataFrame([{
        t("roadshows.col.updated"): fmt(r.created_at), t("roadshows.col.result"): r.result_title,
        t("roadshows.col.company"): r.company_name, t("roadshows.col.credit_code"): r.credit_code,
        t("roadshows.col.contact"): r.contact_person, t("roadshows.col.phone"): r.phone,
        t("roadshows.col.wants"): _wants(r.wants), t("roadshows.col.note"): r.note,
        t("roadshows.col.repeats"): _repeat_mark(r),
        t("roadshows.col.match"): t("roadshows.matched") if r.match_id else "",
    } for r in page.rows]), hide_index=True, width="stretch")
    repeated = [r for r in page.rows if r.repeats]
    if repeated:
        _compare(me, show, repeated)
    open_rows = [r for r in page.rows if may(me, "convert", r)]
    if not open_rows:
        return
    c, d = st.columns([3, 1])
    pick = c.selectbox(t("roadshows.choose_intent"), open_rows, key=f"intent_pick_{show.id}",
                       format_func=lambda r: f"{r.company_name} → {r.result_title}")
    d.write("")
    if d.button(t("roadshows.convert"), key=f"convert_{show.id}", type="primary"):
        with refusals():
            intents.convert_intent(actor=me, intent_id=pick.id)
            done(t("roadshows.converted"))


def _wants(wants: list[str]) -> str:
    return "、".join(label("intent_want", w) for w in wants)


def _repeat_mark(row: intents.IntentRow) -> str:
    if row.merged_into_id:
        return t("roadshows.merged_mark")
    return t("roadshows.repeats_mark", n=row.repeats) if row.repeats else ""


def _compare(me: Actor, show: RoadshowRow, repeated: list[intents.IntentRow]) -> None:
    """One company's submissions for one result, side by side, and (for the city's staff) the
    merge of the repeats into the one kept."""
    companies = list({(r.roadshow_item_id, r.credit_code): r for r in repeated}.values())
    with st.expander(t("roadshows.compare"), icon=":material/compare:", expanded=False):
        pick = st.selectbox(t("roadshows.compare_company"), companies, key=f"compare_pick_{show.id}",
                            format_func=lambda r: f"{r.credit_code} → {r.result_title}")
        with refusals():
            group = merging.company_submissions(actor=me, intent_id=pick.id)
            for col, (n, r) in zip(st.columns(len(group)), enumerate(group, start=1), strict=True):
                col.markdown(f"**{t('roadshows.submission', n=n, when=fmt(r.created_at))}**")
                col.text("\n".join([r.company_name, f"{r.contact_person} {r.phone}", _wants(r.wants), r.note]))
                col.caption(label("intent_state", r.status))
            mergeable = [r for r in group if may(me, "merge", r)]  # open ones, for the city's staff
            keepable = [r for r in group if not r.merged_into_id]
            if not mergeable or len(keepable) < 2:
                return
            numbers = {r.id: n for n, r in enumerate(group, start=1)}
            ask = lambda r: t("roadshows.submission", n=numbers[r.id], when=fmt(r.created_at))  # noqa: E731
            with st.form(f"merge_{show.id}_{pick.id}"):
                kept = st.radio(t("roadshows.keep"), keepable, format_func=ask, horizontal=True)
                repeats = st.multiselect(t("roadshows.merge_these"), mergeable, format_func=ask)
                if st.form_submit_button(t("roadshows.merge")):
                    merged = merging.merge_intents(actor=me, intent_id=kept.id, repeat_ids=[r.id for r in repeats])
                    done(t("roadshows.merged_done", n=len(merged)))


# --- numbers and export ------------------------------------------------------------------------

def numbers_tab(me: Actor, show: RoadshowRow) -> None:
    """What came of the roadshow."""
    n = summary.summary(actor=me, roadshow_id=show.id)
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
    """The decks, and the items' public intent links once their QR pages take intents."""
    warned = False
    if may(me, "deck", show):
        st.caption(t("roadshows.export_hint"))
        warned = qr_warning()
        deck_buttons(me, show, warn=False)
    if not may(me, "share_links", show):
        return
    if not warned:
        qr_warning()
    st.markdown(f"**{t('roadshows.qr_links')}**")
    for card in cards.cards(actor=me, roadshow_id=show.id):
        st.text(f"{card.position}. {card.title}")
        st.code(card.url, language=None)
