"""The server `portal serve` runs: the Streamlit app (portal/app.py) as an ASGI application, with
the public intent page answered as plain HTML beside it and Streamlit's static bundles sent
compressed. `streamlit run portal/server.py` finds `app` and serves it with uvicorn.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run portal/server.py` from a source checkout
    sys.path.insert(0, str(ROOT))

from portal.web.public import routes as public_routes  # noqa: E402
from portal.web.static import GzipStatic  # noqa: E402
from portal.web.warm import warm_in_background  # noqa: E402

APP_SCRIPT = Path(__file__).resolve().parent / "app.py"


@asynccontextmanager
async def warmed(streamlit_app: st.App) -> AsyncIterator[None]:
    """Start the warm-up as the server starts (it answers meanwhile); nothing to do at the end."""
    runtime = getattr(streamlit_app, "_runtime", None)  # its compiled-script cache, when Streamlit has one
    warm_in_background(getattr(runtime, "_script_cache", None))
    yield


app = st.App(APP_SCRIPT, routes=public_routes, middleware=[Middleware(GzipStatic)], lifespan=warmed)
