"""User text made inert for every Streamlit call that renders Markdown.

st.markdown, st.caption, st.write of a str, the alerts, titles and headers, st.table cells, and
the labels, options and help of widgets, expanders, tabs, popovers and metrics all read their text
as GitHub-flavoured Markdown with Streamlit's extras (`:red[…]`, `:material/…:`, `$…$` math). A
demand titled `[点我](https://example.com/phish)` would be a live link there, and
`![](https://example.com/track.png)` an image fetched from an outside host. `md()` escapes what
users typed so that it reads exactly as typed; `fill()` (pages call it as `portal.ui.tmd`, in the
session's language) fills a catalogue text, whose own Markdown stays, with escaped values;
`refusal()` does the same for a PortalError's message, `md_table()` for the cells of st.table.
Apply them to user text only, once: catalogue text is ours and keeps its Markdown.

Backslash escapes, not entities: they are the one form every Markdown context honours (labels
too), and a reader sees each character once. What Streamlit recognises after escapes are resolved
(bare links, emoji, icons) is split by an invisible word joiner. Chinese punctuation is never
Markdown, so it passes unchanged; so does ordinary text (dates, times, 1.5, C#).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from portal.core import i18n
from portal.core.errors import PortalError

# Escaped wherever they stand: emphasis, code, links and images, raw HTML and autolinks, entities,
# strikethrough, math, GFM tables.
_ALWAYS = frozenset("\\`*_[]<>&~$|")
_DIRECTIVE = re.compile(r":(?=[A-Za-z])")  # Streamlit's `:red[…]`, `:blue-badge[…]`, even a bare `:red`
# Escaped only where a line starts: headings, lists, setext underlines and thematic breaks.
_LINE_START = frozenset("#+-=")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=[ \t]|$)")  # '1. ' or '1) ' opens an ordered list
_INDENT = re.compile(r"^[ \t]+")  # four spaces would open a code block, where escapes show
# What Streamlit finds in the text after escapes are resolved, so no backslash stops it: GFM's bare
# links (https://…, www.…, a@b.cn), `:smile:` emoji and `:material/…:` icons (the latter replaced
# in the raw source). An invisible word joiner (U+2060) splits each without changing what a reader
# sees; ordinary text (14:00, 100%, R&D) gets none.
JOINER = "\u2060"
_SPLIT = re.compile(r"""(?ix)
    (?<=https)(?=://) | (?<=http)(?=://) | (?<=www)(?=\.)   # bare links
    | (?<=[-.\w+])(?=@[-\w]+\.[-\w])                         # e-mail addresses
    | (?<=:)(?=[\w+-]+:) | (?<=:)(?=material/)                 # :emoji: and :material/icons:
""")
_NUMBERS = (int, float, Decimal, date, datetime)


class Markdown(str):
    """Markdown source that is safe to render: escaped user text, or catalogue text filled with it.
    md() passes it through unchanged, so nothing is escaped twice."""


def _line(text: str) -> str:
    indent = _INDENT.match(text)
    lead = ""
    if indent:  # kept visible as no-break spaces, which Markdown does not count as indentation
        lead = indent.group().replace("\t", "    ").replace(" ", "\u00a0")
        text = text[indent.end():]
    out = _DIRECTIVE.sub(r"\\:", "".join("\\" + ch if ch in _ALWAYS else ch for ch in text))
    out = _ORDERED.sub(r"\1\\\2", out)
    if out[:1] in _LINE_START:
        out = "\\" + out
    return lead + out


def md(value: Any) -> Markdown:
    """value (user text) as Markdown that renders as exactly that text: no link, image, HTML,
    emphasis, heading, list, math or strikethrough; line breaks kept. None is ''."""
    if isinstance(value, Markdown):
        return value
    if value is None:
        return Markdown("")
    text = _SPLIT.sub(JOINER, str(value).replace("\r\n", "\n").replace("\r", "\n"))
    return Markdown("  \n".join(_line(line) for line in text.split("\n")))


def _param(value: Any) -> Any:
    """A catalogue parameter made safe; numbers and dates keep their type for format specs."""
    if isinstance(value, _NUMBERS) and not isinstance(value, bool):
        return value
    return md(value)


def fill(key: str, language: str, **params: Any) -> Markdown:
    """Catalogue text in language, its own Markdown kept, every value escaped."""
    return Markdown(i18n.t(key, language, **{k: _param(v) for k, v in params.items()}))


def refusal(err: PortalError, language: str) -> Markdown:
    """A refusal's message for Markdown: its values may be user text (a platform's name, the
    clashing days '2026-12-21~2026-12-23' that would otherwise strike themselves through)."""
    safe = PortalError(err.key, field=err.field, **{k: _param(v) for k, v in err.params.items()})
    return Markdown(safe.message(language))


def md_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of frame for st.table, whose cells are Markdown, with every text cell and index
    value escaped (st.dataframe shows plain text and needs none of this)."""
    def cell(value: Any) -> Any:
        return md(value) if isinstance(value, str) else value

    out = frame.map(cell)  # the headers are catalogue text and stay as they are
    out.index = out.index.map(cell)
    return out
