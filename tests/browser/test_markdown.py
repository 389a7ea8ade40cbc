"""User text in a real browser: escaped by portal.ui.md it reads exactly as typed in every place
Streamlit renders Markdown, and with a payload of Markdown and HTML in every user text column the
public QR page and signed-in pages hold no link or image to an outside host and request nothing
from it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import _free_port, sign_in, wait_for_cookie
from tests.markdown_cases import CASES
from tests.pages.markup import poison

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).resolve().parent / "markdown_probe.py"
OUTSIDE = "example.com"


def _serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("the server did not start: " + (proc.stdout.read().decode() if proc.stdout else ""))


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture(scope="module")
def probe() -> Iterator[str]:
    """The probe script served by streamlit; yields its URL."""
    port = _free_port()
    proc = _serve([sys.executable, "-m", "streamlit", "run", str(PROBE), "--server.port", str(port),
                   "--server.address", "127.0.0.1", "--server.headless", "true",
                   "--browser.gatherUsageStats", "false"], _clean_env(), port)
    yield f"http://127.0.0.1:{port}"
    _stop(proc)


@pytest.fixture(scope="module")
def poisoned_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The portal over a demo database whose every user text column holds the payload."""
    data = tmp_path_factory.mktemp("poisoned")
    port = _free_port()
    env = _clean_env() | {"PORTAL_DATA_DIR": str(data), "PORTAL_LOGIN_SLEEP_TIME": "0",
                          "PORTAL_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "PORTAL_EMBEDDINGS": "off"}
    prepare = subprocess.run([sys.executable, "-m", "portal.cli", "demo", "--no-serve"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=180)
    assert prepare.returncode == 0, prepare.stderr
    assert poison(data / "portal.db") >= 60
    proc = _serve([sys.executable, "-m", "portal.cli", "serve", "--port", str(port), "--host", "127.0.0.1"],
                  env, port)
    yield f"http://127.0.0.1:{port}", data / "portal.db"
    _stop(proc)


def _record_outside(page) -> list[str]:  # noqa: ANN001
    """Every request the page makes to the outside host (each refused, so none leaves the machine)."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if OUTSIDE in r.url else None)
    page.route(f"**/*{OUTSIDE}*/**", lambda route: route.abort())
    return asked


READ = """(count) => {
  const places = ['markdown', 'caption', 'info', 'button', 'expander', 'radio', 'metric', 'table'];
  const out = [];
  for (let i = 0; i < count; i++) for (const place of places) {
    const box = document.querySelector(`.st-key-${place}-${i}`);
    const found = box.querySelectorAll(place === 'table' ? 'tbody td'
      : place === 'caption' ? '[data-testid=stCaptionContainer]' : '[data-testid=stMarkdownContainer]');
    // a metric's first Markdown is its label; a radio's last is its option
    const el = place === 'metric' ? found[0] : found[found.length - 1];
    const tags = el ? [...el.querySelectorAll('*')].map(e => e.tagName.toLowerCase()) : ['(none)'];
    out.push([i, place, el ? el.innerText : null, [...new Set(tags)]]);
  }
  return out;
}"""


def _words(text: str | None) -> str:
    """Text as a reader compares it: word joiners dropped, white space collapsed."""
    return " ".join((text or "").replace("\u2060", "").split())


def test_escaped_text_reads_as_typed_everywhere_markdown_renders(probe: str, page) -> None:  # noqa: ANN001
    asked = _record_outside(page)
    page.goto(probe)
    page.locator(f".st-key-table-{len(CASES) - 1} td").wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # lazily loaded Markdown plugins (math, emoji) get their chance
    wrong = []
    for i, place, text, tags in page.evaluate(READ, len(CASES)):
        markup = set(tags) - {"p", "br", "div"}  # a paragraph and its line breaks are all there may be
        if _words(text) != _words(CASES[i]) or markup:
            wrong.append(f"{place}: {CASES[i]!r} shows {text!r} with {sorted(markup)}")
    assert not wrong, f"{len(wrong)} of {len(CASES) * 8}:\n" + "\n".join(wrong[:30])
    assert not asked


def _no_outside_markup(page) -> None:  # noqa: ANN001
    html = page.content()
    assert page.locator(f'a[href*="{OUTSIDE}"]').count() == 0, "a live link to the outside host"
    assert page.locator(f'img[src*="{OUTSIDE}"]').count() == 0, "an image from the outside host"
    assert page.locator('img[src="x"]').count() == 0 and "<script>alert" not in html
    assert page.locator("[data-testid=stMarkdownContainer] :is(del, strong:text-is('粗'), .katex)").count() == 0
    assert not page.evaluate("() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]"
                             ".some(h => h.innerText.trim().startsWith('标题'))"), "the payload's heading"


def _check(page) -> None:  # noqa: ANN001
    """Once the payload is on the page: none of it live, all of it shown as text."""
    page.wait_for_function("() => document.querySelector('[data-testid=stMain]')?.innerText.includes('点我')"
                           " && document.querySelector('[data-test-script-state=notRunning]')", timeout=60_000)
    page.wait_for_timeout(1000)  # images and Markdown plugins load after the text
    _no_outside_markup(page)
    shown = page.evaluate("() => document.body.innerText.replaceAll('\\u2060', '')")
    assert "[点我](https://example.com/phish) ![](https://example.com/track.png) <img src=x" in shown


def test_the_public_qr_page_and_signed_in_pages_show_the_payload_as_text(poisoned_server, page) -> None:  # noqa: ANN001
    base, db = poisoned_server
    with sqlite3.connect(db) as conn:
        show, token = conn.execute("SELECT r.id, i.token FROM roadshow_item i JOIN roadshow r ON r.id = i.roadshow_id "
                                   "WHERE r.status = 'published' ORDER BY r.starts_at, i.position").fetchone()
    asked = _record_outside(page)
    page.goto(f"{base}/intent?t={token}")  # plain HTML (portal/web/public.py): no Streamlit run to wait for
    page.get_by_role("button", name="提交意向").wait_for(timeout=60_000)
    _no_outside_markup(page)
    assert "[点我](https://example.com/phish) ![](https://example.com/track.png) <img src=x" in \
        page.evaluate("() => document.body.innerText")

    sign_in(page, base, "hz_operator")
    wait_for_cookie(page)
    for path in ("", "roadshows", "expiring", "recommend", "pilot_platforms", f"presenter?show={show}&card=1"):
        page.goto(f"{base}/{path}")
        _check(page)
    assert not asked, asked
