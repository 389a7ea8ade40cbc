"""How fast can parallel browsers guess one account's password through a served portal?

Serves a fresh demo database with `portal serve` (default settings: the sign-in sleep and the
per-account limits as shipped), opens N chromium sessions that submit wrong passwords for one
account as fast as the page answers, and counts per minute the guesses the server checked
("用户名或密码不正确") and those it refused unchecked (the account waits). At the end one more
session tries the right password.

    python bench/signin_guessing.py --clients 4 --seconds 60 --user hz_operator
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium")
CHECKED, WAITING, SIGNED_IN = "用户名或密码不正确", "锁定", "您好"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(data: Path, **settings: str):  # noqa: ANN201
    """`portal demo --no-serve` then `portal serve` on a free port (settings: PORTAL_* variables,
    else the defaults); yields the base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_DATA_DIR=str(data), PYTHONPATH=str(ROOT), **settings)
    subprocess.run([sys.executable, "-m", "portal.cli", "demo", "--no-serve"], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "portal.cli", "serve", "--port", str(port), "--host", "127.0.0.1"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


async def _answer(page, previous: int) -> str:  # noqa: ANN001
    """Wait for the script run our click started to end; the alert it left."""
    app = page.get_by_test_id("stApp")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the run must start (the run counter moves) …
        if int(await page.evaluate("window.__runs || 0")) > previous:
            break
        await asyncio.sleep(0.02)
    while time.monotonic() < deadline:  # … and end
        if await app.get_attribute("data-test-script-state") == "notRunning":
            break
        await asyncio.sleep(0.02)
    alerts = page.get_by_test_id("stAlert")
    return " ".join(await alerts.all_inner_texts()) if await alerts.count() else ""


COUNT_RUNS = """() => {
  window.__runs = 0;
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


async def _guesser(browser, url: str, user: str, ready: asyncio.Barrier, seconds: float,  # noqa: ANN001
                   log: list) -> None:
    context = await browser.new_context(locale="zh-CN")
    page = await context.new_page()
    await page.goto(url)
    await page.get_by_role("textbox", name="用户名").wait_for()
    await page.evaluate(COUNT_RUNS)
    await ready.wait()  # every session open: the clock starts now, for all of them
    start = time.monotonic()
    n = 0
    while time.monotonic() < start + seconds:
        n += 1
        await page.get_by_role("textbox", name="用户名").fill(user)
        await page.get_by_role("textbox", name="密码").fill(f"wrong-guess-{n}a")
        runs = int(await page.evaluate("window.__runs"))
        await page.get_by_role("button", name="登录").click()
        text = await _answer(page, runs)
        kind = "checked" if CHECKED in text else "waiting" if WAITING in text else "other"
        log.append((int((time.monotonic() - start) // 60), kind, time.monotonic() - start))
    await context.close()


async def _right_password(browser, url: str, user: str) -> str:  # noqa: ANN001
    context = await browser.new_context(locale="zh-CN")
    page = await context.new_page()
    await page.goto(url)
    await page.get_by_role("textbox", name="用户名").fill(user)
    await page.get_by_role("textbox", name="密码").fill("Demo@2026")
    await page.evaluate(COUNT_RUNS)
    await page.get_by_role("button", name="登录").click()
    await _answer(page, 0)
    body = await page.get_by_test_id("stMain").inner_text()
    await context.close()
    return "signed in" if SIGNED_IN in body else "refused: " + body.split("\n")[-1][:60]


async def measure(url: str, clients: int, seconds: float, user: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        log: list[tuple[int, str, float]] = []
        ready = asyncio.Barrier(clients)
        await asyncio.gather(*(_guesser(browser, url, user, ready, seconds, log) for _ in range(clients)))
        elapsed = max(at for _, _, at in log)  # the last answer
        right = await _right_password(browser, url, user)
        await browser.close()
    per_minute = Counter((m, kind) for m, kind, _ in log)
    total = Counter(kind for _, kind, _ in log)
    print(f"{clients} clients, {elapsed:.0f} s, account {user}")
    for minute in sorted({m for m, _, _ in log}):
        print(f"  minute {minute + 1}: checked {per_minute[(minute, 'checked')]}, "
              f"refused unchecked {per_minute[(minute, 'waiting')]}, other {per_minute[(minute, 'other')]}")
    print(f"  total: checked {total['checked']} ({total['checked'] / elapsed:.2f}/s), "
          f"refused unchecked {total['waiting']}, other {total['other']}")
    print(f"  the right password afterwards: {right}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--user", default="hz_operator")
    parser.add_argument("--url", help="an already served portal (default: serve a fresh demo)")
    args = parser.parse_args()
    if args.url:
        asyncio.run(measure(args.url, args.clients, args.seconds, args.user))
        return
    with tempfile.TemporaryDirectory() as tmp, served(Path(tmp)) as url:
        asyncio.run(measure(url, args.clients, args.seconds, args.user))


if __name__ == "__main__":
    main()
