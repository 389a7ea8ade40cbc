"""Deck export: PPTX and PDF with a cover and one card per slide/page, Chinese text present (and
embedded in the PDF), and QR codes that decode to each item's intent URL."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from portal.core.errors import NotFound
from portal.roadshows import decks
from portal.roadshows.cards import cards as roadshow_cards
from tests.conftest import unavailable
from tests.test_roadshows import plan


@pytest.fixture
def show(world):  # noqa: ANN001, ANN201
    """A published Hangzhou roadshow with two results."""
    show, items = plan(world.hz, title="杭州新材料“先用后转”专场路演", n_items=2, publish=True)
    return world, show, roadshow_cards(actor=world.hz.operator, roadshow_id=show.id)


def _decode(png: bytes) -> list[str]:
    try:
        from PIL import Image
        from pyzbar.pyzbar import decode
    except ImportError as exc:  # pyzbar, or Debian's libzbar0 under it
        unavailable(f"QR decoder: {exc} (pip install pyzbar; apt-get install libzbar0)")
    return [symbol.data.decode() for symbol in decode(Image.open(io.BytesIO(png)))]


def test_qr_png_decodes_to_the_url() -> None:
    url = "http://127.0.0.1:8501/intent?t=Zx9-abc_DEF123"
    assert _decode(decks.qr_png(url)) == [url]


def test_pptx_has_a_cover_and_one_slide_per_card(show) -> None:  # noqa: ANN001
    from pptx import Presentation

    world, rs, cards = show
    data = decks.deck_pptx(actor=world.hz.operator, roadshow_id=rs.id)
    prs = Presentation(io.BytesIO(data))
    slides = list(prs.slides)
    assert len(slides) == 1 + len(cards) == 3
    cover = " ".join(sh.text_frame.text for sh in slides[0].shapes if sh.has_text_frame)
    assert "杭州新材料“先用后转”专场路演" in cover and "共 2 项成果" in cover
    for slide, card in zip(slides[1:], cards, strict=True):
        text = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
        assert card.title in text and card.institution in text and f"{card.position} / 2" in text
        assert "扫码登记合作意向" in text and "免费试用 12 个月" in text
        pictures = [sh for sh in slide.shapes if sh.shape_type == 13]
        assert len(pictures) == 1
        assert _decode(pictures[0].image.blob) == [card.url]
    # East Asian runs name a CJK typeface, so PowerPoint does not fall back to a Latin font
    assert b'<a:ea typeface="Microsoft YaHei"/>' in _slide_xml(data)


def _slide_xml(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("ppt/slides/slide2.xml")


def test_pdf_embeds_a_cjk_font_and_has_one_page_per_card(show, tmp_path: Path) -> None:  # noqa: ANN001
    world, rs, cards = show
    for tool in ("pdftotext", "pdffonts", "pdftoppm", "pdfinfo"):
        if not shutil.which(tool):
            unavailable(f"{tool} (apt-get install poppler-utils)")
    pdf = tmp_path / "deck.pdf"
    pdf.write_bytes(decks.deck_pdf(actor=world.hz.operator, roadshow_id=rs.id))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+3$", info, re.M), info
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "PortalCJK" in line or "+" in line]
    assert cjk and all(" yes " in line for line in cjk)  # embedded (subset)
    for page, card in enumerate(cards, start=2):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        flat = "".join(text.split())
        assert "".join(card.title.split()) in flat and card.institution in flat
        assert "扫码登记合作意向" in flat and f"{card.position}/2" in flat
        subprocess.run(["pdftoppm", "-r", "110", "-f", str(page), "-l", str(page), "-png", str(pdf),
                        str(tmp_path / f"p{page}")], check=True)
        png = next(tmp_path.glob(f"p{page}*.png")).read_bytes()
        assert _decode(png) == [card.url]


def test_english_deck_and_scope(show) -> None:  # noqa: ANN001
    from pptx import Presentation

    world, rs, _ = show
    prs = Presentation(io.BytesIO(decks.deck_pptx(actor=world.hz.operator, roadshow_id=rs.id, lang="en")))
    assert "Scan to register interest" in " ".join(
        sh.text_frame.text for sh in list(prs.slides)[1].shapes if sh.has_text_frame)
    with pytest.raises(NotFound):
        decks.deck_pdf(actor=world.nb.operator, roadshow_id=rs.id)
    with pytest.raises(NotFound):
        decks.deck_pptx(actor=world.nb.presenter, roadshow_id=rs.id)
