"""Click-to-settled timings in a real Chromium, against a `portal serve` this script starts.

    python -m bench.browser_pages --data-dir /tmp/scale [--user zj_manager] [--runs 5] [--cold]

Signs in once, then for each page clicks its sidebar link and waits until the page has settled:
the app's run has gone from running back to not running and nothing on the page changed for
500 ms. Two moments are reported: the last DOM change of any kind ("settled"), and the last one
that is not a canvas's fallback content ("seen"). They differ on every page with an st.dataframe:
its grid (glide-data-grid) keeps an accessibility table inside its <canvas>, content the browser
never paints, and rewrites it 200 ms after each draw (a debounce in the grid); "settled" waits
for that, "seen" ends when the grid's picture is drawn.
The first click on each page after the server started is reported apart from the later ones
(p50 of --runs): the first is what the first visitor pays. `account` (the lightest page a signed-in
user has: a title and three lines) is the floor each page is compared with, timed in the same
server. `--cold` starts the server with PORTAL_WARM_UP=0 (what the start-up warm-up saves).
Prints only.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load import free_port, usage, wait_healthy  # noqa: E402
from portal.core.i18n import t  # noqa: E402

PAGES = ["home", "dashboard", "recommend", "pilot_calendar", "approvals", "pool", "matches", "rankings", "contracts"]
FLOOR = "account"
CHROMIUM = os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium")

# window.__last: the last DOM change; window.__seen: the last one that is not a canvas's fallback
# content (see above): a change inside a <canvas>, or children added to or removed from one. A
# canvas's own attributes (its size: the grid redrawn at a new width) still count.
WATCH = """() => {
  window.__last = 0; window.__seen = 0;
  const fallback = (m) => !!m.target.parentElement?.closest('canvas')
    || (m.type === 'childList' && m.target.nodeName === 'CANVAS');
  new MutationObserver((changes) => {
    const now = performance.now();
    window.__last = now;
    if (changes.some((m) => !fallback(m))) window.__seen = now;
  }).observe(document.body, {attributes: true, subtree: true, childList: true, characterData: true});
}"""
IDLE = "() => !document.querySelector('[data-test-script-state=running]')"


def click_and_settle(page, label: str, quiet_ms: int = 500) -> tuple[float, float]:  # noqa: ANN001
    """Milliseconds from clicking the sidebar link labelled label until the page's last change, and
    until its last change outside a canvas: the app is not running and nothing on the page has
    changed for quiet_ms."""
    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True)
    start = page.evaluate("() => performance.now()")
    link.click()
    last, seen = wait_settled(page, start, quiet_ms)
    return last - start, max(seen, start) - start


def wait_settled(page, start: float, quiet_ms: int = 500) -> tuple[float, float]:  # noqa: ANN001
    """The page's clock at its last change and at its last change outside a canvas, once the app
    is not running and nothing has changed since start for quiet_ms."""
    while True:
        page.wait_for_timeout(quiet_ms / 5)
        now, last, seen, idle = page.evaluate(
            f"() => [performance.now(), window.__last, window.__seen, ({IDLE})()]")
        if idle and last > start and now - last >= quiet_ms:
            return last, seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder of portal.db (default: PORTAL_DATA_DIR)")
    parser.add_argument("--database-url")
    parser.add_argument("--user", default="zj_manager")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="no start-up warm-up")
    parser.add_argument("--pages", nargs="*", default=PAGES)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_LOGIN_SLEEP_TIME="0", PYTHONPATH=str(ROOT), PORTAL_WARM_UP="0" if args.cold else "1",
               PORTAL_COOKIE_KEY="browser-bench-cookie-key-" + "x" * 32)
    if args.data_dir:
        env["PORTAL_DATA_DIR"] = str(Path(args.data_dir).resolve())
    if args.database_url:
        env["PORTAL_DATABASE_URL"] = args.database_url
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env["PORTAL_PUBLIC_BASE_URL"] = base
    proc = subprocess.Popen([sys.executable, "-m", "portal.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        wait_healthy(f"{base}/_stcore/health", proc)
        started = time.time()
        if not args.cold:  # the warm-up prints one line when it is done
            for line in proc.stdout:
                if line.startswith("portal warm-up:"):
                    print(line.strip())
                    break
        print(f"server ready after {time.time() - started:.1f} s")
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # keep the pipe empty
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
            page.set_default_timeout(120_000)
            page.goto(base)
            page.get_by_role("textbox", name="用户名").fill(args.user)
            page.get_by_role("textbox", name="密码").fill("Demo@2026")
            page.get_by_role("button", name="登录").click()
            page.get_by_test_id("stSidebarNav").wait_for()
            page.evaluate(WATCH)
            labels = {key: t(f"nav.{key}") for key in [FLOOR, *args.pages]}
            nav = page.get_by_test_id("stSidebarNav").inner_text()
            rows = []
            for key in [FLOOR, *args.pages]:
                if labels[key] not in nav:
                    print(f"{key}: not in {args.user}'s navigation")
                    continue
                first, _ = click_and_settle(page, labels[key])
                warm = []
                for _ in range(args.runs):
                    click_and_settle(page, labels[FLOOR] if key != FLOOR else t("nav.home"))  # away, then back
                    warm.append(click_and_settle(page, labels[key]))
                rows.append((key, first, statistics.median(w[0] for w in warm), max(w[0] for w in warm),
                             statistics.median(w[1] for w in warm)))
            browser.close()
        floor = next(r[2] for r in rows if r[0] == FLOOR)
        floor_seen = next(r[4] for r in rows if r[0] == FLOOR)
        cpu, rss = usage(proc.pid)
        print(f"user {args.user} · {'no warm-up' if args.cold else 'warm-up at start'} · floor ({FLOOR}) "
              f"p50 {floor:.0f} ms settled, {floor_seen:.0f} ms seen")
        print("| page | first visit ms | later p50 ms | later max ms | first ÷ later | later ÷ floor "
              "| seen p50 ms | seen ÷ floor |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for key, first, p50, worst, seen in rows:
            print(f"| {key} | {first:.0f} | {p50:.0f} | {worst:.0f} | {first / p50:.1f} | {p50 / floor:.1f} "
                  f"| {seen:.0f} | {seen / floor_seen:.1f} |")
        load = os.getloadavg()
        print(f"server CPU {cpu:.1f} s, memory {rss / 2**20:.0f} MiB; load average {load[0]:.2f} {load[1]:.2f} "
              f"{load[2]:.2f}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
