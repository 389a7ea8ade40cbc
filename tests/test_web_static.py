"""Static bundles go out gzip-compressed (once per process) with Streamlit's immutable cache
header; anything else, or a client that does not take gzip, passes through untouched."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from portal.web.static import GzipStatic


def _client(root: Path) -> TestClient:
    async def fallback(request):  # noqa: ANN001, ANN202
        return PlainTextResponse("from streamlit")

    app = Starlette(routes=[Route("/{path:path}", fallback)], middleware=[Middleware(GzipStatic, static_dir=root)])
    return TestClient(app)


def test_bundles_are_compressed_and_cacheable(tmp_path: Path) -> None:
    (tmp_path / "static" / "js").mkdir(parents=True)
    script = ("console.log('先用后转');\n" * 400).encode()
    (tmp_path / "static" / "js" / "index.abc123.js").write_bytes(script)
    client = _client(tmp_path)
    answer = client.get("/static/js/index.abc123.js", headers={"Accept-Encoding": "gzip, br"})
    assert answer.status_code == 200 and answer.headers["content-encoding"] == "gzip"
    assert answer.headers["cache-control"] == "public, immutable, max-age=31536000"
    assert answer.content == script  # httpx decodes it
    assert int(answer.headers["content-length"]) < len(script) / 10
    plain = client.get("/static/js/index.abc123.js", headers={"Accept-Encoding": "identity"})
    assert plain.text == "from streamlit"  # no gzip wanted: Streamlit answers as before


def test_paths_outside_the_folder_and_unknown_files_pass_through(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path.parent / "secret.js").write_text("x" * 5000)
    client = _client(tmp_path)
    for path in ("/static/../../secret.js", "/static/%2e%2e/%2e%2e/secret.js", "/static/missing.js", "/intent"):
        answer = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert answer.text == "from streamlit", path
