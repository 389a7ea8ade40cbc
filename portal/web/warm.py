"""Warm a server process in the background as it starts, so that nobody's first visit pays for
what every first visitor would: the modules the pages import, the router's and pages' compiled
bytecode, the Chinese tokenizer's dictionary, the search index, the province's dashboard figures
for the default period and the pool's first view (computed as a province manager: province-wide
figures are cached by scope, not by user, so every province reader's first visit finds them).

Each step is timed and logged; a step that fails is logged and skipped (the page then pays as
before, nothing else changes).
"""

from __future__ import annotations

import ast
import importlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from db.engine import check_connection, configure
from db.models.enums import Role
from portal.core import cache
from portal.core.actor import Actor
from portal.dashboards import figures, home
from portal.dashboards.period import period_presets
from portal.pool.browse import PoolFilter, pool_owners, search_pool
from portal.scoring import activity
from portal.search.store import current_index
from portal.search.text import tokens

log = logging.getLogger("portal.warm")
ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [ROOT / "portal" / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
# a reader of the whole province, for figures cached per scope (no user, no audit: reads only)
# Imported at a session's first run only: streamlit-authenticator's cookie component declares
# itself when imported, and declared outside a script run its frame never loads (no sign-in cookie).
NOT_AHEAD = ("portal.ui.signin", "streamlit_authenticator", "extra_streamlit_components")
PROVINCE_READER = Actor(user_id=None, username="warm-up", display_name="warm-up", role=Role.MANAGER)


def page_modules(scripts: list[Path] = SCRIPTS) -> list[str]:
    """The modules the router and the pages import at their top level."""
    names: set[str] = set()
    for path in scripts:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    return sorted(n for n in names if not n.startswith(NOT_AHEAD))


def _imports() -> None:
    # Streamlit warns once per cached function defined outside a script run; nothing is wrong here
    quiet = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        for name in page_modules():
            importlib.import_module(name)
    finally:
        quiet.setLevel(level)


def _province_figures() -> None:
    start, end = period_presets()["this_year"]
    figures.funnel(actor=PROVINCE_READER, start=start, end=end)
    figures.city_figures(actor=PROVINCE_READER, start=start, end=end)
    figures.monthly_trends(actor=PROVINCE_READER, start=start, end=end)
    home.per_city()
    activity.activity_index(actor=PROVINCE_READER, level=activity.LEVELS[0], start=start, end=end)  # rankings' first view


def _pool() -> None:
    # the pool page's first view: every city, no filter (the same key the page asks with)
    pool_owners(actor=PROVINCE_READER, city_code="")
    search_pool(actor=PROVINCE_READER, filters=PoolFilter(field="", type=""), page=1, page_size=25)


def warm(script_cache: object | None = None) -> dict[str, float]:
    """Run every step; seconds each took (a failed step is missing)."""
    steps: list[tuple[str, Callable[[], object]]] = [
        ("database", lambda: (configure(), check_connection(), cache.listening(timeout=5))),
        ("imports", _imports),
        ("tokenizer", lambda: tokens("预热新材料电池")),
        ("search index", current_index),
        ("province figures", _province_figures),
        ("pool", _pool),
    ]
    if script_cache is not None:
        steps.insert(2, ("compiled scripts", lambda: [script_cache.get_bytecode(str(p)) for p in SCRIPTS]))
    took: dict[str, float] = {}
    for name, step in steps:
        started = time.perf_counter()
        try:
            step()
        except Exception:  # noqa: BLE001 — a cold page is the worst that happens
            log.warning("warm-up step %s failed", name, exc_info=True)
            continue
        took[name] = time.perf_counter() - started
    # printed, not only logged: the server's output (journalctl -u portal) is where operators look
    print(f"portal warm-up: {sum(took.values()):.1f} s (" + ", ".join(f"{k} {v * 1000:.0f} ms"
                                                           for k, v in took.items()) + ")", flush=True)
    return took


def warm_in_background(script_cache: object | None = None) -> threading.Thread | None:
    """warm() on a daemon thread (the server answers meanwhile); PORTAL_WARM_UP=0 turns it off
    (to measure what it saves: bench/browser_pages.py --cold)."""
    if os.environ.get("PORTAL_WARM_UP", "1") == "0":
        return None
    thread = threading.Thread(target=warm, args=(script_cache,), name="portal-warm-up", daemon=True)
    thread.start()
    return thread
