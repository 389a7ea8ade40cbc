"""Page tests: AppTest runs of the real router on a SQLite database with the demo data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel
from streamlit.testing.v1 import AppTest

import db.models  # noqa: F401
from db import engine as db_engine
from db.reference import ensure_regions
from portal.core.settings import get_settings
from seed.demo import load_demo
from tests.markdown_cases import readable

APP = str(Path(__file__).resolve().parents[2] / "portal" / "app.py")


@pytest.fixture(scope="session")
def demo_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One migrated demo database for all page tests of this process (pages only read it,
    or write rows that no other page test counts on)."""
    path = tmp_path_factory.mktemp("demo") / "portal.db"
    url = f"sqlite:///{path}"
    eng = db_engine.configure(url)
    SQLModel.metadata.create_all(eng)  # migrations are tested on their own (test_migrations.py)
    with Session(eng) as s:
        ensure_regions(s)
        load_demo(s)
        s.commit()
    return url


@pytest.fixture
def demo_db(demo_db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point settings and the process engine at the demo database."""
    monkeypatch.setenv("PORTAL_DATABASE_URL", demo_db_url)
    get_settings.cache_clear()
    db_engine.configure(demo_db_url)
    yield demo_db_url
    get_settings.cache_clear()


@pytest.fixture
def own_demo(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo database, for page tests that write (others count on the shared one)."""
    import sqlite3

    source = Path(demo_db_url.removeprefix("sqlite:///"))
    db_engine.configure("sqlite://")  # let go of the shared file before copying it
    target = tmp_path / "portal.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    get_settings.cache_clear()
    db_engine.configure(url)
    yield target
    get_settings.cache_clear()


def signed_in(username: str, *, lang: str = "zh") -> AppTest:
    """An AppTest of the router, signed in as username (session state seeded as the
    authenticator leaves it after a successful sign-in) and run once."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(demo_db: str) -> Callable[..., AppTest]:
    """signed_in(username) on the demo database."""
    return signed_in


def tables(at: AppTest) -> list:
    """Every table and dataframe on the page as a pandas frame with its index as columns."""
    return [e.value.reset_index() for e in [*at.dataframe, *at.table]]


def texts(at: AppTest) -> str:
    """Everything a user reads on the page, joined (titles, markdown, metrics, captions, alerts,
    table cells), as read: Markdown escapes resolved."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success"):
        parts += [readable(str(e.value)) for e in getattr(at, kind)]
    parts += [f"{readable(m.label)} {m.value}" for m in at.metric]
    # st.table cells are Markdown, st.dataframe's are plain text
    for df, shown in [*((d, str) for d in at.dataframe), *((d, readable) for d in at.table)]:
        frame = df.value.reset_index()
        parts += [str(c) for c in frame.columns]
        parts += [shown(str(v)) for v in frame.astype(str).to_numpy().ravel()]
    return "\n".join(parts)
