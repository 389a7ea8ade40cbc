"""Two portal processes on PostgreSQL behind Debian's nginx (`portal serve --workers 2 --proxy
nginx`): signing in through the proxy in chromium, the public page routed to its own process,
static bundles compressed and cached, and a killed process's new sessions going to the other."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit

from tests.browser.conftest import _free_port, sign_in, stop_server, wait_for_cookie
from tests.conftest import pg_database, unavailable

pytestmark = pytest.mark.browser


def _pids_listening_on(port: int) -> list[int]:
    """Processes whose command line names the Streamlit port (the supervisor's children)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"--server.port" in cmd and cmd[cmd.index(b"--server.port") + 1] == str(port).encode():
                found.append(int(entry))
    return found


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx on a free port in front of two Streamlit processes and the public page, on a new
    PostgreSQL database with the demo data; yields nginx's base URL."""
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        unavailable("nginx is not installed (apt-get install nginx-light; scripts/test does)")
    with pg_database("portal_proxy") as url:
        data = tmp_path_factory.mktemp("proxied")
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        env.update(PORTAL_DATA_DIR=str(data), PORTAL_DATABASE_URL=url, PORTAL_LOGIN_SLEEP_TIME="0",
                   PORTAL_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
        prepare = subprocess.run([sys.executable, "-m", "portal.cli", "demo", "--no-serve"], env=env,
                                 capture_output=True, text=True, timeout=300)
        assert prepare.returncode == 0, prepare.stderr
        log = (data / "serve.log").open("wb")  # a pipe nobody reads would block the processes
        proc = subprocess.Popen([sys.executable, "-m", "portal.cli", "serve", "--workers", "2", "--proxy", "nginx",
                                 "--host", "127.0.0.1", "--port", str(port), "--debug-headers",
                                 "--proxy-dir", str(data / "nginx")],
                                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200 and all(_pids_listening_on(port + n) for n in (1, 2)):
                        break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("the proxied portal did not start: " + (data / "serve.log").read_text())
        time.sleep(3)  # both processes up (the health check answers from either)
        yield base
        stop_server(proc, timeout=30)


def _upstream(response) -> str:  # noqa: ANN001
    """The Streamlit process that finally answered (nginx lists the ones it tried)."""
    return response.headers["x-portal-upstream"].split(",")[-1].strip()


def test_sign_in_through_nginx_and_the_public_page_has_its_own_process(proxied: str, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in(page, proxied, "hz_operator")
    page.get_by_text("您好，杭州运营专员").first.wait_for()
    wait_for_cookie(page)
    route = next(c for c in context.cookies() if c["name"] == "portal_route")
    assert route["httpOnly"]
    # the session stays on its process: a reload and a page change still answer there
    first = _upstream(page.goto(f"{proxied}/"))
    assert _upstream(page.goto(f"{proxied}/pool")) == first
    page.get_by_text("成果池").first.wait_for()
    page.goto(f"{proxied}/roadshows")
    token_link = page.request.get(f"{proxied}/intent?t=unknown")
    assert token_link.status == 404 and "链接无效" in token_link.text()
    port = int(proxied.rsplit(":", 1)[1])
    assert token_link.headers["x-portal-upstream"] == f"127.0.0.1:{port + 3}"  # the public page's process
    bundle = next((Path(streamlit.__file__).parent / "static" / "static" / "js").glob("index.*.js")).name
    script = page.request.get(f"{proxied}/static/js/{bundle}", headers={"Accept-Encoding": "gzip"})
    assert script.headers.get("content-encoding") == "gzip" and "immutable" in script.headers["cache-control"]
    context.close()


def test_killing_one_process_sends_new_sessions_to_the_other(proxied: str, browser) -> None:  # noqa: ANN001
    port = int(proxied.rsplit(":", 1)[1])
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    victim = _upstream(page.goto(f"{proxied}/"))
    pinned = next(c for c in context.cookies() if c["name"] == "portal_route")
    context.close()
    (pid,) = _pids_listening_on(int(victim.rsplit(":", 1)[1]))
    os.kill(pid, signal.SIGKILL)
    others = {f"127.0.0.1:{port + n}" for n in (1, 2)} - {victim}
    # new visitors right away (before the supervisor has started it again), the first with the dead
    # process's route cookie: each is answered by the other process
    contexts = []
    for n in range(3):
        context = browser.new_context(locale="zh-CN")
        if n == 0:
            context.add_cookies([pinned])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        assert _upstream(page.goto(f"{proxied}/")) in others
    page = contexts[0].pages[0]
    page.get_by_role("textbox", name="用户名").fill("nb_operator")
    page.get_by_role("textbox", name="密码").fill("Demo@2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("您好，宁波运营专员").first.wait_for()  # and signs in there
    for context in contexts:
        context.close()
