"""User text is never live Markdown or HTML: with a payload of both in every user text column of
every table, every page each demo role may open (and the public QR page) renders none of it as a
link, image, tag, strikethrough, bold, heading or math."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from portal import navigation
from portal.web.public import routes
from seed.demo import DEMO_ACCOUNTS
from tests.pages.conftest import signed_in
from tests.pages.markup import MARK, PAYLOAD, html_bodies, live_markup, markdown_bodies, poison

# Lists whose selected row opens a detail with more user text (demand, result, match, claim).
SELECTABLE = ("demands_table", "pool_table", "mine_table", "matches_table", "claims_table")


class Census:
    """What the pages handed to the Markdown renderer: how many bodies, how many carried the
    payload, and every one that would render part of it live."""

    def __init__(self) -> None:
        self.checked = 0
        self.carrying: Counter[str] = Counter()
        self.live: list[str] = []

    def read(self, at: AppTest, where: str) -> None:
        assert not at.exception, (where, at.exception)
        for kind, body in markdown_bodies(at):
            self.checked += 1
            if MARK in body:
                self.carrying[where] += 1
            if found := live_markup(body):
                self.live.append(f"{where} {kind}: {found} in {body[:120]!r}")
        for body in html_bodies(at):
            self.checked += 1
            if MARK in body:
                self.carrying[f"{where} html"] += 1
            if "<img src=x" in body or "<script>alert" in body:
                self.live.append(f"{where} html: raw payload tag in {body[:120]!r}")


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _open(at: AppTest, spec: navigation.PageSpec, census: Census, username: str, db: Path) -> None:
    where = f"{username}:{spec.key}"
    if spec.key == "contract":  # opened with a contract of the role's list
        at.switch_page("../pages/contracts.py").run()
        numbers = [f.value.iloc[0, 0] for f in at.dataframe if len(f.value)]
        if not numbers:
            return
        at.switch_page("../pages/contract_detail.py")
        at.query_params["no"] = numbers[0]
    elif spec.key == "presenter":  # a published roadshow's first card
        at.switch_page("../pages/presenter.py")
        shows = _rows(db, "SELECT id FROM roadshow WHERE status = 'published' ORDER BY starts_at")
        at.query_params["show"] = str(shows[0][0])
        at.query_params["card"] = "1"
    else:
        at.switch_page(f"../pages/{spec.file}")
    at.run()
    census.read(at, where)
    for key in SELECTABLE:
        if any(getattr(f, "key", None) == key and len(f.value) for f in at.dataframe):
            at.session_state[key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
            at.run()
            census.read(at, f"{where}[{key}]")
    at.query_params.clear()


@pytest.fixture
def poisoned(own_demo: Path) -> Path:
    assert poison(own_demo) >= 60  # every user text column of every table
    return own_demo


def test_no_page_renders_user_markdown_or_html(poisoned: Path) -> None:
    census = Census()
    for username, *_ in DEMO_ACCOUNTS:
        at = signed_in(username)
        census.read(at, f"{username}:home")
        for spec in navigation.PAGES:
            try:
                _open(at, spec, census, username, poisoned)
            except ValueError:  # not in the role's navigation: it may not open the page
                continue
    token = _rows(poisoned, "SELECT i.token FROM roadshow_item i JOIN roadshow r ON r.id = i.roadshow_id "
                            "WHERE r.status = 'published'")[0][0]
    public = TestClient(Starlette(routes=routes)).get("/intent", params={"t": token}).text
    assert "<img" not in public and "<script" not in public  # plain HTML, every value escaped
    census.carrying["public:intent"] += int(MARK in public and "&lt;img src=x" in public)

    print(f"\nMarkdown bodies checked: {census.checked}; carrying the payload: {sum(census.carrying.values())} "
          f"on {len(census.carrying)} page views")
    per_view = Counter(line.split(" ", 2)[0] + " " + line.split(" ", 2)[1] for line in census.live)
    assert not census.live, f"{len(census.live)} live: {dict(per_view)}\n" + "\n".join(census.live[:40])
    # the payload reached the pages that show each kind of user text
    for where in ("hz_operator:demands[demands_table]", "hz_operator:pool[pool_table]", "hz_operator:contract",
                  "hz_operator:roadshows", "hz_operator:expiring", "hz_operator:matches[matches_table]",
                  "hz_operator:pilot_platforms", "hz_operator:claims", "hz_operator:recommend",
                  "hz_operator:home", "hz_operator:presenter html", "public:intent"):
        assert census.carrying[where], (where, sorted(census.carrying))


def test_the_check_finds_the_raw_payload_live() -> None:
    """The checker itself: every part of the unescaped payload is found, none of the escaped one."""
    from portal.ui import md

    assert set(live_markup(PAYLOAD)) == {"link", "image", "html", "strikethrough", "bold", "heading", "math",
                                         "bare link"}
    assert live_markup(md(PAYLOAD)) == []
