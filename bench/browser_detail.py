"""Where a page's click-to-settled time goes in Chromium: script runs per click, websocket bytes,
time on the server and time in the browser after the last message.

    python -m bench.browser_detail --data-dir /tmp/scale [--user zj_manager] [--runs 3] [--pages …]

Same server and sign-in as `bench.browser_pages`. For each later visit of a page it records every
websocket frame between the click and "settled" (decoded with Streamlit's protobufs):

- *runs*: `rerun_script` messages the browser sent (a second one is a rerun the page's own
  components, query-parameter sync or st.rerun asked for);
- *kB*: ForwardMsg bytes received; *deltas*: element messages;
- *click ms*: from Playwright's click call to the browser's `rerun_script` (the driver's own delay);
- *run ms*: from that `rerun_script` to the last `script_finished` (the server's run and transport);
- *server ms*: from the click to the last `script_finished`;
- *browser ms*: from that last message to the last DOM change (React, the grid's canvas, Vega);
- *settled ms*: the bench's click-to-settled (the last DOM change of any kind);
- *seen ms*: the last DOM change that is not a canvas's fallback content: the data grid's
  accessibility table inside its <canvas>, never painted, is rewritten 200 ms after each draw (a
  debounce in glide-data-grid); see bench/browser_pages.py.

`--bare` serves `bench/bare_app.py` instead (one dataframe of 20 rows and one chart, or an empty
page): what the framework costs on its own.
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

from bench.browser_pages import CHROMIUM, FLOOR, PAGES, WATCH, wait_settled  # noqa: E402
from bench.load import free_port, wait_healthy  # noqa: E402
from portal.core.i18n import t  # noqa: E402


class Frames:
    """The websocket frames of the page, timestamped with the browser's performance.now()."""

    def __init__(self) -> None:
        self.log: list[tuple[float, str, str, int]] = []  # (wall time, direction, kind, bytes)

    def attach(self, ws) -> None:  # noqa: ANN001
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        def received(payload) -> None:  # noqa: ANN001
            if isinstance(payload, str):
                return
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            self.log.append((time.perf_counter(), "in", msg.WhichOneof("type") or "?", len(payload)))

        def sent(payload) -> None:  # noqa: ANN001
            if isinstance(payload, str):
                return
            msg = BackMsg()
            msg.ParseFromString(payload)
            self.log.append((time.perf_counter(), "out", msg.WhichOneof("type") or "?", len(payload)))

        ws.on("framereceived", received)
        ws.on("framesent", sent)


def visit(page, frames: Frames, label: str, quiet_ms: int = 500) -> dict:  # noqa: ANN001
    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True)
    frames.log.clear()
    start_js = page.evaluate("() => performance.now()")
    start = time.perf_counter()
    link.click()
    last_js, seen_js = wait_settled(page, start_js, quiet_ms)
    settled = last_js - start_js
    log = list(frames.log)
    finished = [w for w, d, k, _ in log if d == "in" and k == "script_finished"]
    server = (finished[-1] - start) * 1000 if finished else float("nan")
    asked = [w for w, d, k, _ in log if d == "out" and k == "rerun_script"]
    return {
        "click": (asked[0] - start) * 1000 if asked else float("nan"),
        "run": (finished[-1] - asked[0]) * 1000 if asked and finished else float("nan"),
        "runs": sum(1 for _, d, k, _ in log if d == "out" and k == "rerun_script"),
        "kb": sum(n for _, d, _, n in log if d == "in") / 1000,
        "deltas": sum(1 for _, d, k, _ in log if d == "in" and k == "delta"),
        "server": server,
        "browser": settled - server,
        "settled": settled,
        "seen": seen_js - start_js,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--user", default="zj_manager")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", nargs="*", default=PAGES)
    parser.add_argument("--bare", action="store_true", help="serve bench/bare_app.py")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_LOGIN_SLEEP_TIME="0", PYTHONPATH=str(ROOT), PORTAL_WARM_UP="1",
               PORTAL_COOKIE_KEY="browser-bench-cookie-key-" + "x" * 32)
    if args.data_dir:
        env["PORTAL_DATA_DIR"] = str(Path(args.data_dir).resolve())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env["PORTAL_PUBLIC_BASE_URL"] = base
    if args.bare:
        command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "bench" / "bare_app.py"),
                   "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
                   "--server.fileWatcherType", "none", "--runner.postScriptGC", "false",
                   "--browser.gatherUsageStats", "false"]
    else:
        command = [sys.executable, "-m", "portal.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        wait_healthy(f"{base}/_stcore/health", proc)
        if not args.bare:
            for line in proc.stdout:
                if line.startswith("portal warm-up:"):
                    break
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
            page.set_default_timeout(120_000)
            frames = Frames()
            page.on("websocket", frames.attach)
            page.goto(base)
            if args.bare:
                keys, labels = ["empty", "table", "chart", "table_chart"], None
            else:
                page.get_by_role("textbox", name="用户名").fill(args.user)
                page.get_by_role("textbox", name="密码").fill("Demo@2026")
                page.get_by_role("button", name="登录").click()
                keys = [FLOOR, *args.pages]
            page.get_by_test_id("stSidebarNav").wait_for()
            page.evaluate(WATCH)
            labels = {k: k for k in keys} if args.bare else {k: t(f"nav.{k}") for k in [*keys, "home"]}
            nav = page.get_by_test_id("stSidebarNav").inner_text()
            for key in [k for k in keys if labels[k] not in nav]:
                print(f"{key}: not in {args.user}'s navigation")
                keys.remove(key)
            print("| page | runs | kB | deltas | click ms | run ms | server ms | browser ms | settled ms | seen ms |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            away = keys[0]
            for key in keys:
                visit(page, frames, labels[key])
                rows = []
                for _ in range(args.runs):
                    visit(page, frames, labels[away if key != away else keys[1]])
                    rows.append(visit(page, frames, labels[key]))
                med = {f: statistics.median(r[f] for r in rows) for f in rows[0]}
                print(f"| {key} | {med['runs']:.0f} | {med['kb']:.1f} | {med['deltas']:.0f} | {med['click']:.0f} "
                      f"| {med['run']:.0f} | {med['server']:.0f} "
                      f"| {med['browser']:.0f} | {med['settled']:.0f} | {med['seen']:.0f} |", flush=True)
            browser.close()
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
