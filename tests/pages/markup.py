"""The Markdown and HTML payload the page tests write into every user text column, and what finds
it live in an AppTest tree: a link, an image, raw HTML, strikethrough, bold, a heading, math."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import SQLModel

import db.models  # noqa: F401 — registers every table

PAYLOAD = ("[点我](https://example.com/phish) ![](https://example.com/track.png) <img src=x onerror=alert(1)> "
           "~~删除~~ **粗**\n# 标题\n$x$ <script>alert(1)</script>")
MARK = "点我"  # found in every body that carries the payload, escaped or not

# Text columns that are not text a user types: codes, enumerations, keys, generated numbers, the
# region list, stored search terms (poisoned on their own, in their 'term:count' form).
NOT_USER_TEXT = {
    *(f"{table}.{column}" for table, column in (
        ("action_key", "key"), ("action_key", "action"), ("action_key", "entity"), ("action_key", "entity_id"),
        ("approval_step", "action"), ("approval_step", "from_status"), ("approval_step", "to_status"),
        ("attachment", "entity"), ("attachment", "content_type"),
        ("audit_entry", "action"), ("audit_entry", "entity"), ("audit_entry", "entity_id"),
        ("budget", "kind"), ("contract", "kind"), ("contract", "licence_type"), ("contract", "number"),
        ("contract", "status"), ("contract", "termination_reason"), ("contract_template", "kind"),
        ("demand", "field"), ("demand", "cooperation"), ("demand", "status"), ("demand", "terms"),
        ("fee_claim", "reference"), ("fee_claim", "kind"), ("fee_claim", "status"), ("fee_claim", "idempotency_key"),
        ("intent", "source"), ("intent", "wants"), ("match_record", "channel"), ("match_record", "stage"),
        ("match_record", "drop_reason"), ("number_counter", "kind"), ("objection", "status"),
        ("organization", "kind"), ("organization", "size"), ("pilot_booking", "reference"),
        ("pilot_booking", "status"), ("points_event", "kind"), ("points_event", "entity"),
        ("points_event", "entity_id"), ("public_notice", "state"), ("region", "code"), ("region", "name_zh"),
        ("region", "name_en"), ("region", "level"), ("region", "parent_code"), ("result", "type"),
        ("result", "field"), ("result", "exclusion_reason"), ("result", "status"), ("result_terms", "terms"),
        ("result_terms", "field"), ("roadshow", "theme_field"), ("roadshow", "status"), ("roadshow_item", "token"),
        ("search_state", "epoch"), ("user_account", "username"), ("user_account", "password_hash"),
        ("user_account", "role"), ("voucher", "code"), ("voucher", "status"))),
}
_REGION = re.compile(r"(^|_)(city|county|region|parent)_code$")


def user_text_columns() -> dict[str, list[str]]:
    """Every String/Text column of every table that holds text a user typed."""
    out: dict[str, list[str]] = {}
    for name, table in sorted(SQLModel.metadata.tables.items()):
        cols = [c.name for c in table.columns if isinstance(c.type, sa.String | sa.Text)
                and f"{name}.{c.name}" not in NOT_USER_TEXT and not _REGION.search(c.name)]
        if cols:
            out[name] = cols
    return out


def poison(db: Path) -> int:
    """Write PAYLOAD into every user text column of every row (and the city programme labels, and
    the stored search terms as payload words); the number of columns written."""
    columns = user_text_columns()
    words = " ".join(f"{w}:3" for w in PAYLOAD.split())  # the shared words a recommendation names
    with sqlite3.connect(db) as conn:
        for table, cols in columns.items():
            # the row number keeps unique columns (names, policy numbers) unique
            conn.execute(f"UPDATE {table} SET " + ", ".join(f"{c} = ? || ' ' || rowid" for c in cols),
                         [PAYLOAD] * len(cols))
        conn.execute("UPDATE demand SET terms = ?", [words])
        conn.execute("UPDATE result_terms SET terms = ?", [words])
        for row_id, data in conn.execute("SELECT id, data FROM policy_version").fetchall():
            data = json.loads(data)
            data["labels"] = {k: PAYLOAD for k in (*data.get("labels", {}), "operating_subsidy", "scheme")}
            conn.execute("UPDATE policy_version SET data = ? WHERE id = ?", [json.dumps(data), row_id])
    return sum(len(c) for c in columns.values())


# A part of the payload rendered as markup: the pattern, found where its first character is not
# escaped by a backslash.
LIVE = {
    "link": re.compile(r"\]\("), "image": re.compile(r"!\["), "html": re.compile(r"<(img|script)\b"),
    "strikethrough": re.compile(r"~~"), "bold": re.compile(r"\*\*粗"), "heading": re.compile(r"(?m)^ {0,3}# 标题"),
    "math": re.compile(r"\$x\$"), "bare link": re.compile(r"https?://example"),
}


def _escaped(text: str, at: int) -> bool:
    run = len(text[:at]) - len(text[:at].rstrip("\\"))
    return run % 2 == 1


def live_markup(body: str) -> list[str]:
    """The payload parts that body would render as markup."""
    return [name for name, pattern in LIVE.items()
            if any(not _escaped(body, m.start()) for m in pattern.finditer(body))]


MARKDOWN_ELEMENTS = {"markdown", "caption", "title", "header", "subheader", "error", "warning", "info",
                     "success", "toast"}


def markdown_bodies(at) -> Iterator[tuple[str, str]]:  # noqa: ANN001
    """(element kind, text) of every string the page hands to Streamlit's Markdown renderer: bodies of
    Markdown elements, labels and help of widgets and containers, radio options, metric values,
    st.table cells. Plain-text places (st.text, st.code, st.dataframe, selectbox options) are left out."""
    for node in at._tree:
        kind = getattr(node, "type", "")
        if kind in MARKDOWN_ELEMENTS:
            yield kind, str(node.value)
        elif kind == "metric":
            yield from ((kind, str(v)) for v in (node.label, node.value, node.delta) if v)
        elif kind == "table":
            frame = node.value.reset_index()
            yield from ((kind, str(v)) for v in frame.astype(str).to_numpy().ravel())
        elif kind == "radio":
            yield from ((kind, str(o)) for o in node.options)
        for attr in ("label", "help"):
            value = getattr(node, attr, None) or getattr(getattr(node, "proto", None), attr, None)
            if isinstance(value, str) and value and kind != "metric":
                yield f"{kind}.{attr}", value


def html_bodies(at) -> Iterator[str]:  # noqa: ANN001
    """The markup of every st.html element (the presenter's card)."""
    for node in at._tree:
        if getattr(node, "type", "") == "html":
            yield node.value
