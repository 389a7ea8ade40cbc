"""The session's language, kept where a user expects it to be kept, and Streamlit's own words in it
where Streamlit lets us choose them.

- The choice lives in the URL (`?lang=en`: a reload and a shared link keep it) and in a cookie
  (`portal_lang`, a year: a link typed by hand keeps it too). Chinese is the default and adds nothing.
- Streamlit writes some words itself. Where a widget takes them as a parameter (a select box's
  placeholder, a multiselect's "Select all"), `speak_streamlit` makes every select box and
  multiselect use the catalogue's words; the uploader's and the text inputs' hints (HTML we cannot
  reach from Python) are restyled by CSS in Chinese. The size limit is the portal's
  (`server.maxUploadSize`, set by `portal serve`). What no parameter or style reaches is listed in
  README ("Language").
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from portal.core import i18n
from portal.core.settings import get_settings
from portal.ui import lang, remember_language

PARAM = "lang"
COOKIE = "portal_lang"
COOKIE_DAYS = 365
WRITTEN = "lang_cookie_written"

# Streamlit's uploader and input hints, in Chinese: the words are replaced by CSS generated content
# (the English text is shrunk to nothing, the Chinese drawn after it).
ZH_CSS = """<style>
[data-testid="InputInstructions"] {{ display: none !important; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: "{choose}"; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{limit}"; font-size: 0.875rem; }}
</style>"""


def _chosen() -> str:
    """The language asked for by the URL, else remembered by the cookie, else the default."""
    asked = st.query_params.get(PARAM)
    if asked in i18n.LANGUAGES:
        return asked
    kept = st.context.cookies.get(COOKIE)
    return kept if kept in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


def choose_language() -> str:
    """The sidebar's English switch, started from the URL or the cookie once per session; the URL
    and the cookie follow the switch. Returns the language of this run."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = _chosen()
    english = st.sidebar.toggle("English", value=st.session_state["lang"] == "en", key="lang_toggle")
    current = "en" if english else "zh"
    st.session_state["lang"] = current
    remember_language(current)
    # a page switch drops the query string: put the choice back on every run (writing it costs no rerun)
    if current == i18n.DEFAULT_LANGUAGE:
        if PARAM in st.query_params:
            del st.query_params[PARAM]
    elif st.query_params.get(PARAM) != current:
        st.query_params[PARAM] = current
    if st.session_state.get(WRITTEN, st.context.cookies.get(COOKIE) or i18n.DEFAULT_LANGUAGE) != current:
        _write_cookie(current)
    return current


def _write_cookie(value: str) -> None:
    """Set the language cookie from the browser (Streamlit can read cookies, not write them); value
    is one of LANGUAGES, never user text."""
    assert value in i18n.LANGUAGES
    st.session_state[WRITTEN] = value
    with st.sidebar:
        st.iframe(f'<script>document.cookie = "{COOKIE}={value}; path=/; max-age={COOKIE_DAYS * 86400}; '
                  f'SameSite=Lax";</script>', height=1)


def streamlit_in_chinese() -> None:
    """Streamlit's own hints in Chinese, in a Chinese run (English runs keep Streamlit's)."""
    if lang() == "zh":
        st.html(ZH_CSS.format(choose=i18n.t("ui.upload_button", "zh"),
                              limit=i18n.t("ui.upload_limit", "zh", mb=get_settings().max_attachment_mb)))


def _speaking(method: Callable[..., Any], *, many: bool) -> Callable[..., Any]:
    """method with the catalogue's placeholder (and, for a multiselect in Chinese, no English
    "Select all" entry) unless the call names its own."""

    @functools.wraps(method)
    def call(self: DeltaGenerator, label: str, options: Any = (), *args: Any, **kwargs: Any) -> Any:
        options = list(options) if not hasattr(options, "__len__") else options
        if kwargs.get("placeholder") is None:
            key = "ui.no_options" if len(options) == 0 else ("ui.choose_many" if many else "ui.choose_one")
            kwargs["placeholder"] = i18n.t(key, lang())
        if many and lang() == "zh":
            kwargs.setdefault("select_all", False)
        return method(self, label, options, *args, **kwargs)

    call.__portal_speaks__ = True
    return call


def speak_streamlit() -> None:
    """Give every select box and multiselect (st.x and any container's .x) the catalogue's
    placeholders; once per process, idempotent."""
    for name, many in (("selectbox", False), ("multiselect", True)):
        method = getattr(DeltaGenerator, name)
        if not getattr(method, "__portal_speaks__", False):
            setattr(DeltaGenerator, name, _speaking(method, many=many))
        # `st.selectbox` was bound to the main container before the class changed
        setattr(st, name, getattr(DeltaGenerator, name).__get__(st._main))
