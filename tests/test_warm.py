"""The start-up warm-up: the page modules it imports, and every step run on a demo database
(the search index built, the province's figures cached) on SQLite and PostgreSQL."""

from __future__ import annotations

from portal.core import cache
from portal.web import warm


def test_it_finds_the_pages_imports() -> None:
    modules = warm.page_modules()
    assert "portal.ui" in modules and "streamlit" in modules and "pandas" in modules
    assert all(not m.startswith(".") for m in modules)
    assert "portal.ui.signin" not in modules  # its cookie component must be declared inside a script run


def test_every_step_runs_and_leaves_the_province_figures_cached(world, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(warm, "configure", lambda: None)  # keep the test's engine
    cache.invalidate()
    took = warm.warm()
    assert set(took) == {"database", "imports", "tokenizer", "search index", "province figures", "pool"}
    held = {k[2] for k in cache.cached_keys() if k[1] is None}
    assert {"funnel", "cities", "trends", "home_per_city", "pool_owners", "pool_count", "activity"} <= held


def test_it_can_be_switched_off(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PORTAL_WARM_UP", "0")
    assert warm.warm_in_background() is None
