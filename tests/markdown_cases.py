"""User texts that Streamlit's Markdown would turn into markup (and some ordinary ones that must
stay as they are): each must read exactly as typed once escaped by portal.ui.md."""

import re

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash before ASCII punctuation shows the punctuation


def readable(source: str) -> str:
    """Markdown source as a reader sees it when it holds no markup, e.g. user text escaped by
    portal.ui.md: escapes resolved, word joiners dropped, hard breaks as line breaks."""
    return _ESCAPE.sub(r"\1", source.replace("\u2060", "").replace("  \n", "\n"))


CASES = [
    # links, images, autolinks and e-mail
    "[点我](https://example.com/phish)", "![](https://example.com/track.png)", "![x](data:image/png;base64,AAAA)",
    "<https://example.com/auto>", "https://example.com/bare", "www.example.com", "WWW.EXAMPLE.COM",
    "user@example.com", "[ref]: https://example.com/ref\n\n[ref]", "[x]: <https://example.com>",
    "\\[点我\\](https://example.com/x)", "javascript:alert(1)", "![", "](http",
    # HTML
    "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "<a href=\"https://example.com/a\">a</a>",
    "<div>html</div>", "<!-- comment -->", "&amp; &lt;b&gt; &#42;", "&nbsp;",
    # emphasis, strikethrough, code, math
    "~~删除~~", "~单~", "**粗**", "*斜*", "_斜_", "__粗__", "`代码`", "```\ncode\n```", "~~~\ncode\n~~~",
    "$x$", "$$x^2$$", "$$\nx\n$$", "价格 $5 到 $10",
    # blocks: headings, lists, quotes, breaks, tables, indented code, footnotes
    "# 标题", "## 二级", "标题\n===", "标题\n---", "- 列表", "+ 列表", "* 列表", "1. 列表", "1) 列表", "> 引用",
    "---", "***", "___", "| a | b |\n|---|---|\n| 1 | 2 |", "    缩进代码", "前\n\n    缩进代码", "\t\t缩进",
    "[^1]\n\n[^1]: note", ">_<",
    # Streamlit's own: colours, badges, directives, icons, emoji
    ":red[红色]", ":blue-badge[徽章]", "::red[x]", ":::note\ncontent\n:::", ":material/home:", ":smile:",
    # escapes and ordinary text that must pass unchanged
    "a\\*b\\", "反斜杠\\", "\\\\", "2026-12-21~2026-12-23; BK-1: 2026-12-20~2026-12-24",
    "全角标点：（）【】《》“”！？。，、；", "第一行\n第二行\n\n第三段", "R&D 100%", "a_b_c hz_operator",
    "{{x}} %s {0}", "时间:下午 Note:abc 14:00", "1.5 倍", "2026. 年", "#话题#", "C# 语言", "+86 138", "=号",
    "a\tb  c",
    # the page tests' payload
    "[点我](https://example.com/phish) ![](https://example.com/track.png) <img src=x onerror=alert(1)> "
    "~~删除~~ **粗**\n# 标题\n$x$ <script>alert(1)</script>",
]
