"""Presenter mode: a published roadshow's result cards, one at a time, full screen for a projector;
and its deck to hand out."""

import uuid

import streamlit as st

from portal.core.workflow import may
from portal.roadshows.cards import cards
from portal.roadshows.decks import qr_png
from portal.roadshows.listing import list_roadshows
from portal.roadshows.rules import S
from portal.ui import actor, md, refusals, t
from portal.ui.roadshows import KEYS_JS, PRESENTER_CSS, card_html, deck_buttons, qr_warning, when

me = actor()


def _go(position: int | None) -> None:
    """Move to a card (1-based) or, with None, leave presenter mode."""
    if position is None:
        st.query_params.clear()
    else:
        st.query_params["card"] = str(position)


def _show_id() -> uuid.UUID | None:
    try:
        return uuid.UUID(st.query_params.get("show", ""))
    except ValueError:
        return None


def _present(show_id: uuid.UUID) -> None:
    deck = cards(actor=me, roadshow_id=show_id)
    if not deck:
        st.info(t("presenter.empty"))
        st.button(t("presenter.exit"), on_click=_go, args=(None,))
        return
    try:
        position = min(max(int(st.query_params.get("card", "1")), 1), len(deck))
    except ValueError:
        position = 1
    card = deck[position - 1]
    st.html(PRESENTER_CSS)
    st.html(card_html(card, qr_png(card.url, box=8)))
    # one row sized to its buttons' text, so none is cut at 1024×768; the hint gives way first
    with st.container(horizontal=True, key="presenter_controls", vertical_alignment="center"):
        st.button(t("presenter.prev"), key="presenter_prev", on_click=_go, args=(position - 1,),
                  disabled=position <= 1, width="content")
        st.button(t("presenter.next"), key="presenter_next", on_click=_go, args=(position + 1,),
                  disabled=position >= len(deck), width="content")
        st.caption(t("presenter.keys_hint"))
        st.space("stretch")
        st.button(t("presenter.exit"), key="presenter_exit", on_click=_go, args=(None,), width="content")
    # below the controls, naming the very address the QR code encodes: the setup screen already warned
    # loudly, and a banner above the card would push it off the projector
    qr_warning(card.url)
    st.iframe(KEYS_JS, height=1)  # static script, no user data: paging keys for clickers


show_id = _show_id()
if show_id is not None:
    shown = False
    with refusals():
        _present(show_id)
        shown = True
    if not shown:  # refused (e.g. the roadshow was closed meanwhile): offer the way back
        st.button(t("presenter.exit"), on_click=_go, args=(None,))
    st.stop()

st.title(t("presenter.title"))
st.caption(t("presenter.caption"))
with refusals():
    shows = list_roadshows(actor=me, status=S.PUBLISHED, page_size=100).rows  # what is on stage now
    if not shows:
        st.info(t("presenter.none"))
        st.stop()
    chosen = st.selectbox(t("presenter.choose"), shows, format_func=lambda r: f"{r.title}（{when(r)}）",
                          key="presenter_show")
    st.caption(f"{md(chosen.venue or chosen.online_link)} · {md(chosen.agency_name)} · "
               f"{t('roadshows.col.items')} {chosen.items}")
    start_at = st.number_input(t("presenter.start_at"), min_value=1, max_value=max(chosen.items, 1), value=1)
    if st.button(t("presenter.start"), type="primary"):
        st.query_params.update({"show": str(chosen.id), "card": str(int(start_at))})
        st.rerun()
    warned = qr_warning()  # before the show starts, while there is time to fix it
    if may(me, "deck", chosen):
        deck_buttons(me, chosen, warn=not warned)
