"""Roadshow decks: a PPTX (python-pptx) and a PDF (reportlab), a cover and one card per slide/page,
each card with the QR code of its public intent page.

The PDF embeds a TrueType CJK font. Noto Sans CJK (Debian's fonts-noto-cjk) has CFF outlines,
which reportlab cannot embed, so the PDF uses WenQuanYi Micro Hei (fonts-wqy-microhei) or another
TrueType CJK font found on the machine; PORTAL_CJK_FONT may name one. The PPTX names Microsoft
YaHei for East Asian text (every Windows PowerPoint has it; LibreOffice falls back to Noto CJK).
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from db.engine import read_session
from portal.core import i18n
from portal.core.actor import Actor
from portal.core.clock import local
from portal.core.errors import ConfigError
from portal.core.regions import region_name
from portal.core.service import reader
from portal.roadshows.cards import Card, cards_of
from portal.roadshows.links import phones_cannot_open, public_base_url
from portal.roadshows.listing import RoadshowRow, row_of
from portal.roadshows.records import load_show
from portal.roadshows.rules import ROADSHOW
from portal.search.text import words

# python-pptx and reportlab are imported inside the functions that build a deck: they are heavy,
# and most page runs never build one.

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
PPTX_EA_FONT = "Microsoft YaHei"
PDF_FONT = "PortalCJK"
TEXT_FRAME_WIDTH = 620.0  # the PDF card's text column, in points
TITLE_WIDTH = TEXT_FRAME_WIDTH - 12  # what a Frame leaves a paragraph (its 6 pt padding each side)
NAVY, ACCENT, GREY, WHITE = (0x12, 0x2B, 0x4A), (0xC8, 0x10, 0x2E), (0x55, 0x5F, 0x6D), (0xFF, 0xFF, 0xFF)


def qr_png(url: str, *, box: int = 10) -> bytes:
    """A QR code of url as PNG bytes (error correction M, quiet zone of 2 modules)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box, border=2)
    code.add_data(url)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


def _deck(actor: Actor, roadshow_id: uuid.UUID) -> tuple[RoadshowRow, list[Card]]:
    """The roadshow and its cards, if actor may take its deck (a presenter: while it is published)."""
    with read_session() as s:
        show = load_show(s, actor, "deck", roadshow_id)
        return row_of(s, show), cards_of(s, show)


def local_warning(lang: str) -> str | None:
    """The cover's warning while the QR codes point at this machine only (no phone can open them)."""
    return i18n.t("public.deck_local", lang, url=public_base_url()) if phones_cannot_open() else None


def _when(show: RoadshowRow) -> str:
    start = local(show.starts_at)
    text = start.strftime("%Y-%m-%d %H:%M")
    if show.ends_at is not None:
        text += local(show.ends_at).strftime("–%H:%M")
    return text


def _facts(card: Card, lang: str) -> list[tuple[str, str]]:
    """The label/value lines a card prints beside its text."""
    tr = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    slots = tr("decks.unlimited") if card.slots_left is None else tr(
        "decks.slots_value", left=card.slots_left, max=card.max_licensees)
    contact = " ".join(x for x in (card.contact_name, card.contact_phone) if x)
    return [
        (tr("decks.field"), i18n.label("field", card.field, lang)),
        (tr("decks.trl"), f"TRL {card.trl}"),
        (tr("decks.trial"), tr("decks.trial_value", months=card.trial_months)),
        (tr("decks.slots"), slots),
        (tr("decks.contact"), f"{card.agency_name} {contact}".strip()),
    ]


# --- PPTX --------------------------------------------------------------------------------------

def _run_font(run, size: int, *, bold: bool = False, color=NAVY) -> None:  # noqa: ANN001
    from pptx.dml.color import RGBColor
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = RGBColor(*color)
    run.font.name = PPTX_EA_FONT
    rpr = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):  # East Asian glyphs take their font from <a:ea>
        el = rpr.find(qn(tag))
        if el is None:
            el = rpr.makeelement(qn(tag), {})
            rpr.append(el)
        el.set("typeface", PPTX_EA_FONT)


def _text(slide, left, top, width, height, lines, *, size: int, bold: bool = False, color=NAVY):  # noqa: ANN001, ANN202
    """A text box of lines in one style."""
    return _flow(slide, left, top, width, height, [(line, size, bold, color) for line in lines])


def _flow(slide, left, top, width, height, paras):  # noqa: ANN001, ANN202
    """A text box whose paragraphs (text, size, bold, colour) flow one after another."""
    from pptx.util import Pt

    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for n, (line, size, bold, color) in enumerate(paras):
        para = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
        para.space_after = Pt(size * 0.45)
        _run_font(para.add_run(), size, bold=bold, color=color)
        para.runs[0].text = line
    return box


def _band(slide, width, height) -> None:  # noqa: ANN001
    """The navy header band, as on the presenter's card."""
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE

    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, width, height)
    band.fill.solid()
    band.fill.fore_color.rgb = RGBColor(*NAVY)
    band.line.fill.background()


@reader(ROADSHOW, "deck")
def deck_pptx(*, actor: Actor, roadshow_id: uuid.UUID, lang: str = "zh") -> bytes:
    """The roadshow as a 16:9 PPTX: a cover, then one slide per result card."""
    from pptx import Presentation
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Emu, Inches

    show, deck = _deck(actor, roadshow_id)
    tr = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank = prs.slide_layouts[6]
    W = prs.slide_width

    cover = prs.slides.add_slide(blank)
    _text(cover, Inches(0.8), Inches(2.0), W - Inches(1.6), Inches(1.6), [show.title], size=40, bold=True)
    place = show.venue or show.online_link
    _text(cover, Inches(0.8), Inches(3.8), W - Inches(1.6), Inches(2.5),
          [_when(show), f"{region_name(show.city_code, lang)} · {place}", show.agency_name,
           tr("decks.results_count", n=len(deck))], size=22, color=GREY)
    if warning := local_warning(lang):  # printed where whoever hands the deck out sees it first
        _text(cover, Inches(0.8), Inches(0.5), W - Inches(1.6), Inches(1.2), [warning], size=20, bold=True,
              color=ACCENT)

    for card in deck:
        slide = prs.slides.add_slide(blank)
        _band(slide, W, Inches(0.8))
        _text(slide, Inches(0.5), Inches(0.18), Inches(10.5), Inches(0.5), [show.title], size=16, color=WHITE)
        _text(slide, Inches(11.0), Inches(0.14), Inches(1.9), Inches(0.5), [f"{card.position} / {card.total}"],
              size=22, bold=True, color=WHITE).text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT
        paras = [(f"{i18n.label('field', card.field, lang)} · TRL {card.trl}", 14, True, ACCENT),
                 (card.title, 30, True, NAVY), (card.institution, 18, False, GREY), (card.summary, 20, False, NAVY)]
        if card.advantages:
            paras += [(tr("decks.advantages"), 16, True, ACCENT)] + [(f"• {a}", 18, False, NAVY)
                                                                     for a in card.advantages]
        _flow(slide, Inches(0.6), Inches(1.1), Inches(8.6), Inches(5.6), paras)
        qr = io.BytesIO(qr_png(card.url))
        slide.shapes.add_picture(qr, Inches(9.95), Inches(1.1), Emu(Inches(2.7)), Emu(Inches(2.7)))
        _text(slide, Inches(9.6), Inches(3.85), Inches(3.4), Inches(0.5), [tr("decks.scan")], size=15,
              bold=True, color=ACCENT).text_frame.paragraphs[0].alignment = PP_ALIGN.CENTER
        facts = [f"{k}：{v}" if lang == "zh" else f"{k}: {v}" for k, v in _facts(card, lang)]
        _text(slide, Inches(9.6), Inches(4.5), Inches(3.4), Inches(2.6), facts, size=12, color=GREY)
        if card.presenter_name:
            _text(slide, Inches(0.6), Inches(6.9), Inches(8), Inches(0.4),
                  [i18n.t("presenter.presenter_line", lang, name=card.presenter_name)], size=11, color=GREY)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


# --- PDF ---------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """A TrueType CJK font reportlab can embed (ConfigError naming the Debian package if none)."""
    for candidate in (os.environ.get("PORTAL_CJK_FONT"), *CJK_FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ConfigError("decks.error.no_cjk_font")


@lru_cache(maxsize=1)
def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = cjk_font_path()
    kwargs = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
    pdfmetrics.registerFont(TTFont(PDF_FONT, str(path), **kwargs))
    return PDF_FONT


def balanced_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """text broken between words only (jieba) into as few lines of at most width as it needs, each
    as long as the others can make it: the PDF's title, which reportlab would otherwise break
    anywhere and end on a stub of two characters. A word wider than a line stays whole."""
    parts = words(text)

    def fill(limit: float) -> list[str]:
        lines = [""]
        for part in parts:
            if lines[-1] and measure(lines[-1] + part) > limit:
                lines.append(part.lstrip())
            else:
                lines[-1] += part
        return lines

    fewest = len(fill(width))
    low, high = 0.0, width  # the narrowest limit that still needs no more lines
    for _ in range(20):
        mid = (low + high) / 2
        low, high = (low, mid) if len(fill(mid)) <= fewest else (mid, high)
    return fill(high)


@reader(ROADSHOW, "deck")
def deck_pdf(*, actor: Actor, roadshow_id: uuid.UUID, lang: str = "zh") -> bytes:
    """The roadshow as a landscape 16:9 PDF: a cover, then one page per result card."""
    from reportlab.lib.colors import Color
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Frame, Paragraph

    show, deck = _deck(actor, roadshow_id)
    font = _register_font()
    tr = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    navy, grey, accent = (Color(*(c / 255 for c in rgb)) for rgb in (NAVY, GREY, ACCENT))
    W, H = 960.0, 540.0

    def style(size: float, color=navy, leading: float = 1.35) -> ParagraphStyle:  # noqa: ANN001
        return ParagraphStyle("s", fontName=font, fontSize=size, leading=size * leading, textColor=color,
                              wordWrap="CJK", spaceAfter=size * 0.35)

    def para(text: str, st: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(text), st)

    def title(text: str) -> Paragraph:
        st = style(28)
        lines = balanced_lines(text, TITLE_WIDTH, lambda s: stringWidth(s, font, st.fontSize))
        return Paragraph("<br/>".join(escape(line) for line in lines), st)

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(W, H))
    pdf.setTitle(show.title)
    pdf.setAuthor(show.agency_name)
    place = show.venue or show.online_link
    warning = local_warning(lang)  # printed where whoever hands the deck out sees it first
    Frame(60, 60, W - 120, H - (100 if warning else 180), showBoundary=0).addFromList(
        [*([para(warning, style(18, accent))] if warning else []),
         para(show.title, style(34)), para(_when(show), style(18, grey)),
         para(f"{region_name(show.city_code, lang)} · {place}", style(18, grey)),
         para(show.agency_name, style(18, grey)), para(tr("decks.results_count", n=len(deck)), style(18, grey))],
        pdf)
    pdf.showPage()
    white = Color(1, 1, 1)
    for card in deck:
        pdf.setFillColor(navy)  # a header band, like the presenter's card
        pdf.rect(0, H - 52, W, 52, stroke=0, fill=1)
        pdf.setFillColor(white)
        pdf.setFont(font, 14)
        pdf.drawString(40, H - 33, show.title)
        pdf.setFont(font, 20)
        pdf.drawRightString(W - 40, H - 35, f"{card.position} / {card.total}")
        story = [para(f"{i18n.label('field', card.field, lang)} · TRL {card.trl}", style(13, accent)),
                 title(card.title), para(card.institution, style(16, grey)),
                 para(card.summary, style(17))]
        if card.advantages:
            story.append(para(tr("decks.advantages"), style(15, accent)))
            story += [para(f"• {a}", style(15)) for a in card.advantages]
        Frame(40, 40, TEXT_FRAME_WIDTH, H - 110, showBoundary=0).addFromList(story, pdf)
        qr = ImageReader(io.BytesIO(qr_png(card.url)))
        pdf.drawImage(qr, 705, H - 285, width=200, height=200)
        pdf.setFont(font, 14)
        pdf.setFillColor(accent)
        pdf.drawCentredString(805, H - 305, tr("decks.scan"))
        sep = "：" if lang == "zh" else ": "
        facts = [para(f"{k}{sep}{v}", style(11, grey)) for k, v in _facts(card, lang)]
        Frame(690, 30, 240, H - 345, showBoundary=0).addFromList(facts, pdf)
        if card.presenter_name:
            pdf.setFont(font, 10)
            pdf.setFillColor(grey)
            pdf.drawString(40, 22, i18n.t("presenter.presenter_line", lang, name=card.presenter_name))
        pdf.showPage()
    pdf.save()
    return out.getvalue()
