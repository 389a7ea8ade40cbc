"""The portal's one entry point: page config, language, sign-in, navigation by role.

Run with `portal demo` / `portal serve`, or `streamlit run portal/app.py`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run portal/app.py` from a source checkout
    sys.path.insert(0, str(ROOT))

from db.engine import check_connection, configure  # noqa: E402
from portal import navigation  # noqa: E402
from portal.core.errors import PortalError  # noqa: E402
from portal.core.settings import get_settings  # noqa: E402
from portal.ui import lang, refusal, settle_heap, t  # noqa: E402
from portal.ui.language import choose_language, speak_streamlit, streamlit_in_chinese  # noqa: E402
from portal.ui.signin import sign_in_gate  # noqa: E402

PAGES_DIR = ROOT / "pages"
log = logging.getLogger("portal")

st.set_page_config(page_title="先用后转 Portal", page_icon=":material/handshake:", layout="wide")


speak_streamlit()  # Streamlit's select boxes take the catalogue's placeholders


def _refusal() -> None:
    st.error(t("auth.no_access"))


def _nothing() -> None:
    """The body of every page while signed out: the login form above is all there is."""


# The default page is served at "/" while its url_path stays reserved and unserved: "/home" (typed, or
# a link) showed Streamlit's English "Page not found". The default page reserves this path instead,
# and "/home" is a hidden page of its own.
ROOT_PATH = "start"


def _page(spec: navigation.PageSpec, *, allowed: bool, default: bool = False, hidden: bool = False) -> st.Page:
    title = t(f"nav.{spec.key}")
    if allowed:
        return st.Page(PAGES_DIR / spec.file, title=title, icon=spec.icon, url_path=ROOT_PATH if default else spec.key,
                       default=default, visibility="hidden" if hidden else "visible")
    return st.Page(_refusal, title=title, url_path=spec.key, visibility="hidden")


def _signed_in_navigation(actor) -> st.navigation:  # noqa: ANN001
    sections: dict[str, list[st.Page]] = {}
    allowed = navigation.pages_for(actor)
    for spec in allowed:
        sections.setdefault(t(f"nav.section.{spec.section}"), []).append(
            _page(spec, allowed=True, default=spec.key == "home"))
    hidden = [_page(spec, allowed=False) for spec in navigation.PAGES if spec not in allowed]
    # "/home" is the home page too (not a redirect: a switch in the run that signs in loses the cookie)
    hidden += [_page(spec, allowed=True, hidden=True) for spec in allowed if spec.key == "home"]
    if hidden:
        sections.setdefault(t("nav.section.main"), []).extend(hidden)
    return st.navigation(sections, expanded=True)  # every page in view, no "View more" link


def _signed_out_navigation() -> st.navigation:
    # Every known URL path stays registered, so a deep link survives signing in.
    pages = [st.Page(_nothing, title=t("auth.form_name"), url_path=ROOT_PATH, default=True)]
    pages += [st.Page(_nothing, title=t(f"nav.{p.key}"), url_path=p.key, visibility="hidden")
              for p in navigation.PAGES]
    return st.navigation(pages, position="hidden")


def _run(nav) -> None:  # noqa: ANN001
    """Run the chosen page; an unexpected error is logged, and the user reads a message, not a traceback."""
    try:
        nav.run()
    except PortalError as err:  # a refusal a page forgot to catch
        st.error(refusal(err, lang()))
    except Exception:  # noqa: BLE001
        if get_settings().raise_errors:  # tests want the real exception
            raise
        log.exception("page %s failed", getattr(nav, "url_path", "?"))
        st.error(t("error.unexpected"))


def main() -> None:
    choose_language()
    streamlit_in_chinese()
    try:
        configure()
        check_connection()
        get_settings().resolved_cookie_key()  # a short key is refused before anyone signs in
    except PortalError as err:
        st.error(refusal(err, lang()))
        st.stop()
    nav = None
    if not st.session_state.get("authentication_status"):
        nav = _signed_out_navigation()
    actor = sign_in_gate()
    if actor is None:
        _run(nav or _signed_out_navigation())
        return
    # Signed in (possibly in this very run: no rerun, see STACK_NOTES): the role's navigation.
    _run(_signed_in_navigation(actor))
    settle_heap()


main()
