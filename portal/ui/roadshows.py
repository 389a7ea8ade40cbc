"""Page helpers for roadshows: the presenter's full-screen card (HTML with every value escaped),
the CSS that hides Streamlit's chrome, keyboard paging, the deck downloads, the warning while QR
codes point at this machine only, and small formatters."""

from __future__ import annotations

import base64
import html
from datetime import datetime

import streamlit as st

from portal.core.actor import Actor
from portal.core.clock import local
from portal.roadshows import decks
from portal.roadshows.cards import Card
from portal.roadshows.links import phones_cannot_open, public_base_url
from portal.roadshows.listing import RoadshowRow
from portal.search.text import words
from portal.ui import label, lang, t

# Hides the sidebar, header, toolbar and footer, and lets the card fill a 16:9 projector.
PRESENTER_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="collapsedControl"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], footer, #MainMenu { display: none !important; }
[data-testid="stAppViewContainer"], [data-testid="stMain"] { background: #eef1f5; }
/* the sign-in cookie's component (extra-streamlit-components, key "init") keeps running, out of the way */
.st-key-init { position: fixed !important; left: -10000px; top: 0; }
:root { --rs-controls: clamp(40px, 4.6vh, 96px); }  /* the height of the paging buttons' row */
[data-testid="stMainBlockContainer"], .block-container {
  padding: 1.6vh 2.2vw 0 2.2vw !important; max-width: 100% !important; }
.rs-card { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  background: #fff; border-radius: 1.2vw; box-shadow: 0 .4vh 2vh rgba(18,43,74,.12);
  height: calc(100vh - 1.6vh - 1rem - var(--rs-controls) - 10px); display: flex; flex-direction: column; overflow: hidden;
  color: #122b4a; }
/* Chinese breaks only between words (a wbr element at each jieba word boundary), lines balanced:
   no title ends on a line of two or three characters, no word is split across lines. No tag may be
   written in this sheet: st.html's sanitizer drops a style element whose text holds one. */
.rs-title, .rs-summary, .rs-adv li, .rs-inst { word-break: keep-all; overflow-wrap: anywhere; }
.rs-title { text-wrap: balance; }
.rs-summary, .rs-adv li, .rs-inst { text-wrap: pretty; }
.rs-top { background: #122b4a; color: #fff; display: flex; justify-content: space-between; gap: 2vw;
  align-items: center; padding: 1.6vh 2.4vw; font-size: clamp(15px, 1.45vw, 40px); }
.rs-top span:first-child { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.rs-top .rs-progress { font-weight: 700; font-size: clamp(18px, 2vw, 56px); letter-spacing: .1em;
  white-space: nowrap; }
.rs-body { flex: 1; display: flex; gap: 3vw; padding: 3vh 2.8vw 1vh 2.8vw; min-height: 0; }
.rs-main { flex: 1; min-width: 0; display: flex; flex-direction: column; }
.rs-chips span { display: inline-block; background: #e8eef7; color: #122b4a; border-radius: 99px;
  padding: .5vh 1.1vw; margin-right: .8vw; font-size: clamp(13px, 1.3vw, 36px); font-weight: 600; }
.rs-chips span.rs-trl { background: #fde8ec; color: #c8102e; }
.rs-title { font-size: clamp(26px, min(3.1vw, 5.4vh), 88px); font-weight: 800; line-height: 1.22;
  margin: 2vh 0 1.2vh 0; }
.rs-inst { font-size: clamp(15px, min(1.55vw, 2.7vh), 44px); color: #555f6d; margin-bottom: 2.2vh; }
.rs-summary { font-size: clamp(17px, min(1.85vw, 3.3vh), 52px); line-height: 1.5; margin: 0 0 2.2vh 0; }
.rs-adv-h { font-size: clamp(15px, min(1.45vw, 2.6vh), 40px); font-weight: 700; color: #c8102e; margin-bottom: 1vh; }
.rs-adv { margin: 0; padding-left: 1.6em; }
.rs-adv li { font-size: clamp(16px, min(1.7vw, 3vh), 48px); line-height: 1.45; margin-bottom: .8vh; }
.rs-side { width: 25vw; flex: none; display: flex; flex-direction: column; align-items: center; text-align: center; }
.rs-qr { width: min(19vw, 32vh); height: min(19vw, 32vh); image-rendering: pixelated; }
div.rs-qr { display: flex; align-items: center; justify-content: center; background: #e8eef7;
  color: #555f6d; border: 2px dashed #9aa7b8; font-size: clamp(13px, 1.3vw, 36px); }
.rs-scan { font-size: clamp(15px, min(1.5vw, 2.7vh), 42px); font-weight: 700; color: #c8102e; margin: 1vh 0 2vh 0; }
.rs-terms { background: #122b4a; color: #fff; border-radius: .8vw; padding: 1.6vh 1.4vw; width: 100%;
  box-sizing: border-box; font-size: clamp(15px, min(1.5vw, 2.7vh), 42px); line-height: 1.55; }
.rs-terms .rs-terms-h { font-size: clamp(12px, 1.1vw, 30px); opacity: .75; letter-spacing: .15em; }
.rs-contact { margin-top: 2vh; font-size: clamp(13px, 1.2vw, 34px); color: #555f6d; line-height: 1.5; }
.rs-foot { border-top: 1px solid #e3e8ef; padding: 1.2vh 2.8vw; color: #555f6d;
  font-size: clamp(12px, 1.15vw, 32px); display: flex; justify-content: space-between; }
.st-key-presenter_controls { flex-wrap: nowrap !important; align-items: center; }
.st-key-presenter_controls { height: var(--rs-controls); }
.st-key-presenter_controls button { min-height: 0 !important; height: var(--rs-controls); padding: 0 1em; }
.st-key-presenter_controls button, .st-key-presenter_controls button p {
  font-size: clamp(15px, min(1.3vw, 2.4vh), 36px) !important; white-space: nowrap; }
.st-key-presenter_controls [data-testid="stCaptionContainer"] { white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; min-width: 0; }
</style>
"""

# Arrow keys, PageUp/PageDown (what clickers send) and space page; "f" toggles full screen.
# The listener sits on the app's document (the component's iframe is same-origin) once per tab.
KEYS_JS = """
<script>
const doc = window.parent.document;
if (!doc.__rsKeys) {
  doc.__rsKeys = true;
  doc.addEventListener("keydown", (e) => {
    if (["INPUT", "TEXTAREA"].includes((e.target.tagName || "").toUpperCase())) return;
    const go = (key) => { const b = doc.querySelector(".st-key-" + key + " button"); if (b) { b.click(); e.preventDefault(); } };
    if (["ArrowRight", "PageDown", " "].includes(e.key)) go("presenter_next");
    else if (["ArrowLeft", "PageUp"].includes(e.key)) go("presenter_prev");
    else if (e.key === "f" && doc.querySelector(".rs-card")) {
      if (doc.fullscreenElement) doc.exitFullscreen(); else doc.documentElement.requestFullscreen();
    }
  });
}
</script>
"""


def _e(value: object) -> str:
    return html.escape(str(value or ""))


def _words(value: object) -> str:
    """value escaped, with a line-break opportunity (<wbr>) between its words only: with the card's
    `word-break: keep-all` a Chinese title wraps at word ends, never inside a word."""
    return "<wbr>".join(_e(w) for w in words(str(value or "")))


def hm(moment: datetime | None) -> str:
    """'14:05' in local time, or ''."""
    return local(moment).strftime("%H:%M") if moment is not None else ""


def when(show: RoadshowRow) -> str:
    """'2026-12-01 14:00–17:00' in local time."""
    text = local(show.starts_at).strftime("%Y-%m-%d %H:%M")
    return text + (f"–{hm(show.ends_at)}" if show.ends_at else "")


def slot(start: datetime | None, end: datetime | None) -> str:
    """'14:00–14:15', or '' without a slot."""
    return f"{hm(start)}–{hm(end)}" if start and end else hm(start)


def qr_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def card_html(card: Card, qr_png: bytes | None) -> str:
    """The presenter's card for one result; every value escaped. Without a QR code (a preview of
    a result not yet on a roadshow) a placeholder takes its place."""
    slots = (t("presenter.slots_unlimited") if card.slots_left is None
             else t("presenter.slots_left", left=card.slots_left, max=card.max_licensees))
    advantages = "".join(f"<li>{_words(a)}</li>" for a in card.advantages)
    adv_block = (f'<div class="rs-adv-h">{_e(t("presenter.advantages"))}</div><ul class="rs-adv">{advantages}</ul>'
                 if advantages else "")
    contact = " ".join(x for x in (card.contact_name, card.contact_phone) if x)
    foot_right = slot(card.slot_start, card.slot_end)
    return (
        '<div class="rs-card">'
        f'<div class="rs-top"><span>{_e(card.roadshow_title)}</span>'
        f'<span class="rs-progress">{card.position} / {card.total}</span></div>'
        '<div class="rs-body"><div class="rs-main">'
        f'<div class="rs-chips"><span>{_e(label("field", card.field))}</span>'
        f'<span class="rs-trl">TRL {card.trl}</span></div>'
        f'<div class="rs-title">{_words(card.title)}</div>'
        f'<div class="rs-inst">{_e(t("presenter.institution"))}：{_words(card.institution)}</div>'
        f'<p class="rs-summary">{_words(card.summary)}</p>{adv_block}</div>'
        '<div class="rs-side">'
        + (f'<img class="rs-qr" alt="QR" src="{qr_data_uri(qr_png)}"/>' if qr_png is not None
           else f'<div class="rs-qr">{_e(t("cards.qr_placeholder"))}</div>') +
        f'<div class="rs-scan">{_e(t("presenter.scan"))}</div>'
        f'<div class="rs-terms"><div class="rs-terms-h">{_e(t("presenter.trial_terms"))}</div>'
        f'<div>{_e(t("presenter.free_months", months=card.trial_months))}</div><div>{_e(slots)}</div></div>'
        + (f'<div class="rs-contact">{_e(t("presenter.contact"))}：{_e(card.agency_name)}<br/>{_e(contact)}</div>'
           if card.agency_name or contact else "") +
        '</div></div>'
        '<div class="rs-foot"><span>'
        + (_e(t("presenter.presenter_line", name=card.presenter_name)) if card.presenter_name else "") +
        f'</span><span>{_e(foot_right)}</span></div>'
        '</div>'
    )


def qr_warning(url: str | None = None) -> bool:
    """Warn loudly, naming the address (default: the public base URL), while the QR codes point at
    a loopback or unspecified address no phone in the room can open; whether it warned."""
    if not phones_cannot_open():
        return False
    st.error(t("public.qr_local", url=url or public_base_url()), icon=":material/phonelink_off:")
    return True


def deck_buttons(me: Actor, show: RoadshowRow, *, warn: bool = True) -> None:
    """The PDF and PPTX deck downloads of show (built on click), under the QR warning if need be."""
    if warn:
        qr_warning()
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


# The preview renders the very card a projector shows, in a 1280×720 document scaled to the column:
# the card's sizes are in vw/vh, which inside the inner frame are the projector's.
PREVIEW_W, PREVIEW_H = 1280, 720
PREVIEW_FRAME = """<!doctype html><html><head><style>
html, body {{ margin: 0; overflow: hidden; background: transparent; }}
#box {{ position: relative; width: 100%; aspect-ratio: 16 / 9; overflow: hidden; border-radius: 6px;
  outline: 1px solid #d5dbe3; }}
#card {{ position: absolute; left: 0; top: 0; width: {w}px; height: {h}px; border: 0; transform-origin: 0 0; }}
</style></head><body><div id="box"><iframe id="card" title="preview" srcdoc="{doc}"></iframe></div>
<script>
const box = document.getElementById("box"), card = document.getElementById("card");
const fit = () => {{ card.style.transform = "scale(" + box.clientWidth / {w} + ")"; }};
new ResizeObserver(fit).observe(box); fit();
</script></body></html>"""


def preview_document(card: Card) -> str:
    """The projector's page for card alone (no QR code yet), as the inner frame's document."""
    inner = ('<!doctype html><html><head><meta charset="utf-8">' + PRESENTER_CSS +
             '<style>body { margin: 0; background: #eef1f5; padding: 1.6vh 2.2vw; box-sizing: border-box; }'
             '.rs-card { height: calc(100vh - 3.2vh); }</style></head><body>' + card_html(card, None) + '</body></html>')
    return PREVIEW_FRAME.format(w=PREVIEW_W, h=PREVIEW_H, doc=html.escape(inner, quote=True))


def card_preview(card: Card) -> None:
    """The live projector preview of a card (every value escaped twice: in the card and in srcdoc)."""
    st.iframe(preview_document(card), height="content")
