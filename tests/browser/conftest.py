"""Browser tests: a real `portal serve` on a demo database, driven by Playwright in Debian's chromium.

Under CI=true a missing chromium or Playwright fails the run (see tests/conftest.unavailable).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import unavailable

CHROMIUM = os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The portal served on a free port over a fresh demo database; yields its base URL."""
    data = tmp_path_factory.mktemp("live")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_DATA_DIR=str(data), PORTAL_LOGIN_SLEEP_TIME="0",
               PORTAL_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
               PORTAL_EMBEDDINGS="off")  # `portal demo` would embed its 300 results (tests/test_matching_semantic.py)
    prepare = subprocess.run([sys.executable, "-m", "portal.cli", "demo", "--no-serve"], env=env,
                             capture_output=True, text=True, timeout=180)
    assert prepare.returncode == 0, prepare.stderr
    proc = subprocess.Popen([sys.executable, "-m", "portal.cli", "serve", "--port", str(port), "--host", "127.0.0.1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the portal did not start: " + (proc.stdout.read().decode() if proc.stdout else ""))
    yield url
    stop_server(proc)


def stop_server(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a server started in its own session by its process group (SIGKILL if it lingers)."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    """Debian's chromium under Playwright (its own browser download does not work here)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        unavailable(f"chromium not found at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield instance
        instance.close()


@pytest.fixture
def page(browser):  # noqa: ANN001, ANN201
    """A fresh browser context (no cookies) at 1440×900."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def sign_in(page, base_url: str, username: str, password: str = "Demo@2026", path: str = "",  # noqa: ANN001
            settle: bool = True) -> None:
    """Open base_url/path and sign in through the real login form; unless settle is False, wait
    until the sign-in has settled (a click in the instant the cookie's report reruns the page can
    be lost to a Streamlit race, which a loaded CI machine widens to seconds)."""
    page.goto(f"{base_url}/{path}")
    page.get_by_role("textbox", name="用户名").fill(username)
    page.get_by_role("textbox", name="密码").fill(password)
    page.get_by_role("button", name="登录").click()
    if settle:
        wait_signed_in(page)


def wait_for_cookie(page, name: str = "xianyong_portal", timeout: float = 20) -> None:  # noqa: ANN001
    """Wait until the sign-in cookie is written (its component loads after the page shows)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(c["name"] == name for c in page.context.cookies()):
            return
        time.sleep(0.2)
    raise AssertionError(f"cookie {name} was not set within {timeout} s")


def wait_signed_in(page, timeout: float = 30) -> None:  # noqa: ANN001
    """Wait until the sign-in has settled: the cookie written, and the rerun its component's report
    starts has finished (the hidden login form's place is empty only then)."""
    from playwright.sync_api import expect

    wait_for_cookie(page, timeout=timeout)
    expect(page.locator(".st-key-signin [data-testid=stForm]")).to_have_count(0, timeout=timeout * 1000)


def shot(page, name: str) -> Path:  # noqa: ANN001
    """Save a full-page screenshot under tests/browser/screenshots/ (kept out of git)."""
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
