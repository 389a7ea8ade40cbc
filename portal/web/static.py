"""Streamlit's static bundles, gzip-compressed once per process.

Streamlit serves its JavaScript uncompressed (it leaves compression to a proxy): a phone's first
visit downloads ~2.8 MB. Without a proxy in front (one `portal serve`), this middleware answers
`/static/…` requests that accept gzip from an in-memory copy compressed on first use; the bundles
are content-hashed, so the copy never goes stale, and Streamlit's own `immutable` cache header is
kept. Behind nginx the proxy compresses and caches instead (deploy/nginx/portal.conf).
"""

from __future__ import annotations

import gzip
import mimetypes
import threading
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send
from streamlit import file_util

COMPRESSIBLE = {".js", ".css", ".svg", ".json", ".map", ".html", ".txt", ".ttf", ".otf"}
MIN_BYTES = 1024
ONE_YEAR = "public, immutable, max-age=31536000"

_lock = threading.Lock()
_packed: dict[Path, tuple[bytes, str]] = {}


def streamlit_static_dir() -> Path:
    """Where Streamlit keeps its frontend build."""
    return Path(file_util.get_static_dir()).resolve()


def packed(path: Path) -> tuple[bytes, str] | None:
    """The gzip body and content type of a static file (compressed once), or None."""
    with _lock:
        hit = _packed.get(path)
    if hit is not None:
        return hit
    if path.suffix not in COMPRESSIBLE or not path.is_file() or path.stat().st_size < MIN_BYTES:
        return None
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in {"application/javascript", "application/json", "image/svg+xml"}:
        kind += "; charset=utf-8" if "charset" not in kind and not kind.startswith("image/") else ""
    entry = (gzip.compress(path.read_bytes(), compresslevel=6, mtime=0), kind)
    with _lock:
        _packed[path] = entry
    return entry


class GzipStatic:
    """ASGI middleware: GET /static/… with Accept-Encoding gzip → the packed copy."""

    def __init__(self, app: ASGIApp, static_dir: Path | None = None) -> None:
        self.app = app
        self.root = (static_dir or streamlit_static_dir()).resolve()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in {"GET", "HEAD"} or \
                not scope.get("path", "").startswith("/static/"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if b"gzip" not in headers.get(b"accept-encoding", b""):
            await self.app(scope, receive, send)
            return
        target = (self.root / scope["path"].removeprefix("/")).resolve()
        entry = packed(target) if target.is_relative_to(self.root) else None
        if entry is None:
            await self.app(scope, receive, send)
            return
        body, kind = entry
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", kind.encode()), (b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding"),
            (b"content-length", str(len(body)).encode()), (b"cache-control", ONE_YEAR.encode())]})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
