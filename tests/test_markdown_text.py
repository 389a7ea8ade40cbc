"""portal.ui.text: user text escaped for Streamlit's Markdown reads exactly as typed and carries no
markup; catalogue text keeps its own Markdown and is never escaped twice. (What a real browser
renders of every case is checked in tests/browser/test_markdown.py.)"""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd
import pytest

from portal.core.errors import PermissionDenied, ValidationError
from portal.ui.text import JOINER, Markdown, fill, md, md_table, refusal
from tests.markdown_cases import CASES, readable
from tests.pages.markup import PAYLOAD, live_markup


def _indented(text: str) -> str:
    """text with each line's leading tabs as four spaces (how md() keeps indentation)."""
    return "\n".join(re.sub(r"^[ \t]+", lambda m: m.group().replace("\t", "    "), line) for line in text.split("\n"))


@pytest.mark.parametrize("text", CASES)
def test_escaped_text_reads_as_typed(text: str) -> None:
    shown = readable(md(text)).replace("\u00a0", " ")  # leading indentation is kept as no-break spaces
    assert shown == _indented(text)


@pytest.mark.parametrize(("typed", "escaped"), [
    ("[点我](https://example.com/phish)", f"\\[点我\\](https{JOINER}://example.com/phish)"),  # link
    ("![](https://example.com/track.png)", f"!\\[\\](https{JOINER}://example.com/track.png)"),  # image
    ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>"),  # raw HTML
    ("<https://a.cn>", f"\\<https{JOINER}://a.cn\\>"),  # autolink
    ("https://a.cn/x", f"https{JOINER}://a.cn/x"),  # GFM's bare link, found after escapes resolve
    ("www.a.cn", f"www{JOINER}.a.cn"),
    ("wang@a.cn", f"wang{JOINER}@a.cn"),  # e-mail autolink
    ("~~删除~~", "\\~\\~删除\\~\\~"), ("~删除~", "\\~删除\\~"),  # strikethrough (GFM takes one tilde too)
    ("**粗** *斜* _斜_", "\\*\\*粗\\*\\* \\*斜\\* \\_斜\\_"),  # emphasis
    ("`x`", "\\`x\\`"),  # code
    ("$x$ $$y$$", "\\$x\\$ \\$\\$y\\$\\$"),  # math
    ("&amp;", "\\&amp;"),  # an entity would show as '&'
    ("| a | b |", "\\| a \\| b \\|"),  # tables
    ("a\\b", "a\\\\b"),  # a backslash of the user's own
    ("# 标题", "\\# 标题"), ("## 二级", "\\## 二级"),  # headings
    ("- a", "\\- a"), ("+ a", "\\+ a"), ("* a", "\\* a"), ("1. a", "1\\. a"), ("12) a", "12\\) a"),  # lists
    ("> 引用", "\\> 引用"),  # quote
    ("标题\n===", "标题  \n\\==="), ("标题\n---", "标题  \n\\---"),  # setext headings, thematic break
    ("    code", "\u00a0\u00a0\u00a0\u00a0code"),  # indented code, where escapes would show
    (":red[红]", "\\:red\\[红\\]"), (":blue-badge[x]", "\\:blue-badge\\[x\\]"),  # Streamlit's directives
    (":smile:", f":{JOINER}smile:"), (":material/home:", f":{JOINER}material/home:"),  # emoji, icons
    ("第一行\n第二行", "第一行  \n第二行"), ("a\r\nb", "a  \nb"),  # line breaks kept
])
def test_each_construct_is_escaped(typed: str, escaped: str) -> None:
    assert md(typed) == escaped


@pytest.mark.parametrize("text", [
    "杭州恒拓智能科技有限公司", "全角标点：（）【】《》“”！？。，、；", "2026-12-21", "14:00–17:00", "1.5 倍",
    "C# 语言", "100%", "项目（一期）", "a-b", "1,234.50",
])
def test_ordinary_text_and_chinese_punctuation_pass_unchanged(text: str) -> None:
    assert md(text) == text


def test_the_payload_loses_every_live_part() -> None:
    assert set(live_markup(PAYLOAD)) >= {"link", "image", "html", "strikethrough", "bold", "heading", "math"}
    assert live_markup(md(PAYLOAD)) == []


def test_nothing_is_escaped_twice() -> None:
    once = md("[点我](x) **粗**")
    assert isinstance(once, Markdown) and md(once) == once
    assert md(None) == "" and md(42) == "42"


def test_catalogue_markdown_stays_and_values_are_escaped() -> None:
    formula = fill("rank.formula", "zh", listed="**1**", trials=2, conversions=3, amount=Decimal("0.5"),
                   timeliness=1)
    assert formula.startswith("**活跃指数** = \\*\\*1\\*\\* × 上架成果数 + 2 × 试用数")  # ours bold, theirs not
    saved = fill("hub.saved", "zh", title="~~删除~~")
    assert "\\~\\~删除\\~\\~" in saved and "~~" not in saved


def test_numbers_keep_their_format_specs() -> None:
    line = fill("scale.table_rows", "en", table="a_b", rows=5)
    assert "a\\_b" in line and line.endswith("        5 rows")


def test_a_refusal_names_the_field_and_its_values_stay_text() -> None:
    """The double-booking refusal: its days read '2026-12-21~2026-12-23', not struck through."""
    err = ValidationError("pilot.error.over_capacity", field="pilot_dates", resource="**离心机**", capacity=2,
                          days="2026-12-21~2026-12-23", clashes="BK-1: 2026-12-20~2026-12-24",
                          clash_ids=[], full_days=[])
    shown = refusal(err, "zh")
    assert shown.startswith(err.message("zh").split("“")[0])  # the field prefix, as the catalogue has it
    assert "~~" not in shown.replace("\\~", "") and "\\~" in shown
    assert readable(shown) == err.message("zh")  # reads exactly as the plain message
    assert live_markup(shown) == []
    assert refusal(PermissionDenied(), "en") == PermissionDenied().message("en")


def test_st_table_cells_and_index_are_escaped_numbers_and_headers_kept() -> None:
    frame = pd.DataFrame({"标题": ["[点我](https://a.cn)", "普通"], "数": [1, 2]}).set_index(pd.Index(["~~x~~", "y"]))
    safe = md_table(frame)
    assert list(safe.columns) == ["标题", "数"] and list(safe["数"]) == [1, 2]
    assert safe.iloc[0, 0] == f"\\[点我\\](https{JOINER}://a.cn)" and safe.iloc[1, 0] == "普通"
    assert list(safe.index) == ["\\~\\~x\\~\\~", "y"]
    assert frame.iloc[0, 0] == "[点我](https://a.cn)"  # a copy: the caller's frame is left alone
