"""Load benchmark against a server it starts: a room scanning a roadshow's QR code, or signed-in
operators clicking through the portal. Prints; asserts nothing.

    python -m bench.load --scenario qr-burst --visitors 200 --spread 60 [--db postgresql]
    python -m bench.load --scenario operators --users 30 --think 5 --duration 60 --db postgresql --workers 2
    python -m bench.load --scenario qr-burst --page streamlit --visitors 50 --spread 0 [--development]
    python -m bench.load --scenario sessions --visitors 30 [--development]

qr-burst: each visitor opens the intent link as a phone does and submits the form once.
`--page html` (default) is the plain page (`portal.web.public`): GET /intent?t=…, then POST the
form with its CSRF cookie and token; `--page streamlit` drives the old Streamlit page at the
websocket level (index.html, then the session's first run), as the browser would, to compare.
Time to the form = until the form is on screen (HTML received / the session's run finished);
time to the confirmation = from the tap to the receipt.

operators: each user signs in through the real form over Streamlit's websocket (no browser), then
every `--think` seconds (±50 %) opens one of its navigation's pages and waits until the run has
finished (the server's part of a click; the browser's own drawing is in bench/browser_pages.py).

sessions: new browser sessions one after the other, each opening the sign-in page: what the
first run of every new session costs the server.

The server runs on a fresh demo database (SQLite, or a new PostgreSQL database that is dropped
afterwards), or on `--database-url` as it is. `--workers N` starts N Streamlit processes behind
nginx (deploy/nginx). Server CPU and memory are read from /proc over the whole process tree.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

PG_ADMIN = os.environ.get("PORTAL_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
OPERATORS = ["hz_operator", "nb_operator", "wz_operator", "zj_admin", "hz_manager", "zj_manager"]
PASSWORD = "Demo@2026"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    """A free TCP port on the loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the server's process tree ------------------------------------------------------------------

def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def usage(root: int) -> tuple[float, int]:
    """CPU seconds (user + system) and resident bytes of root and its descendants."""
    cpu, rss = 0.0, 0
    for pid in _tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / CLK_TCK
        rss += int(fields[21]) * PAGE
    return cpu, rss


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Until url answers 200 (or the server died)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer {url}")


@dataclass
class Server:
    """A `portal serve` started for the run, and what it needs to be stopped and cleaned up."""

    base: str
    proc: subprocess.Popen
    env: dict
    drop_db: str | None = None
    data_dir: Path | None = None

    def stop(self) -> None:
        """Stop the server by its process group; drop the database and the folder made for it."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.drop_db:
            _admin_sql(f'DROP DATABASE IF EXISTS "{self.drop_db}" WITH (FORCE)')
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def _admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def start_server(args: argparse.Namespace) -> Server:
    """A demo database (unless --database-url) and `portal serve` on it."""
    data = Path(tempfile.mkdtemp(prefix=f"load-{args.tag}-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_DATA_DIR=str(data), PORTAL_LOGIN_SLEEP_TIME="0", PYTHONPATH=str(ROOT),
               PORTAL_COOKIE_KEY="load-bench-cookie-key-" + "x" * 32,
               PORTAL_LOGIN_MAX_FAILURES="1000")
    drop = None
    if args.database_url:
        env["PORTAL_DATABASE_URL"] = args.database_url
    elif args.db == "postgresql":
        drop = f"load_{args.tag.replace('-', '_')}_{os.getpid()}"
        _admin_sql(f'CREATE DATABASE "{drop}"')
        env["PORTAL_DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + drop
    if not args.database_url:
        done = subprocess.run([sys.executable, "-m", "portal.cli", "demo", "--no-serve"], env=env,
                              capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise SystemExit(done.stderr)
    port = free_port()
    env["PORTAL_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "portal.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if args.workers > 1:
        cmd += ["--workers", str(args.workers), "--proxy", "nginx"]
    if args.development:
        cmd.append("--development")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_healthy(f"{base}/_stcore/health", proc)
    return Server(base, proc, env, drop, data)


def any_token(env: dict) -> str:
    """The public token of one roadshow item that takes intents, read from the server's database."""
    from sqlalchemy import text

    from db.engine import make_engine

    url = env.get("PORTAL_DATABASE_URL") or f"sqlite:///{env['PORTAL_DATA_DIR']}/portal.db"
    engine = make_engine(url)
    with engine.connect() as conn:
        token = conn.execute(text("SELECT i.token FROM roadshow_item i JOIN roadshow r ON r.id = i.roadshow_id "
                                  "WHERE r.status IN ('published', 'closed') ORDER BY i.token LIMIT 1")).scalar()
    engine.dispose()
    return token


# --- Streamlit over its websocket ----------------------------------------------------------------

class Session:
    """One Streamlit browser session, driven at the websocket level."""

    def __init__(self, base: str, client: httpx.AsyncClient) -> None:
        self.base, self.client = base, client
        self.ws = None
        self.inputs: dict[str, str] = {}  # label → widget id of the last run
        self.buttons: dict[str, str] = {}
        self.pages: list[tuple[str, str]] = []  # (page_script_hash, url_pathname) of the navigation
        self.texts: list[str] = []

    async def open(self, path: str = "") -> None:
        """index.html (as the browser loads it), then the websocket."""
        (await self.client.get(f"{self.base}/{path}")).raise_for_status()
        ws_url = self.base.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], origin=self.base,
                                           max_size=None, open_timeout=120, ping_interval=None)

    async def run(self, *, page_name: str = "", query: str = "", page_hash: str = "",
                  widgets: list | None = None) -> None:
        """Ask for a run and read until it has finished (not one that ended early for a rerun)."""
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page_name
        msg.rerun_script.page_script_hash = page_hash
        for w in widgets or []:
            msg.rerun_script.widget_states.widgets.append(w)
        await self.ws.send(msg.SerializeToString())
        self.inputs, self.buttons, self.texts = {}, {}, []
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), 300))
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._note(fwd.delta.new_element)
            elif kind == "navigation":
                self.pages = [(p.page_script_hash, p.url_pathname) for p in fwd.navigation.app_pages
                              if not p.is_hidden]
            elif kind == "script_finished" and fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return

    def _note(self, el) -> None:  # noqa: ANN001
        which = el.WhichOneof("type")
        if which in ("text_input", "text_area"):
            widget = getattr(el, which)
            self.inputs[widget.label] = widget.id
        elif which == "button":
            self.buttons[el.button.label] = el.button.id
        elif which == "alert":
            self.texts.append(el.alert.body)
        elif which == "markdown":
            self.texts.append(el.markdown.body)

    def state(self, label: str, value: str | None = None):  # noqa: ANN201
        """A widget state: the text typed into the input labelled label, or a button's click."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        w = WidgetState()
        if value is None:
            w.id = self.buttons[label]
            w.trigger_value = True
        else:
            w.id = self.inputs[label]
            w.string_value = value
        return w

    async def close(self) -> None:
        """Close the websocket."""
        if self.ws is not None:
            await self.ws.close()


# --- visitors and operators ----------------------------------------------------------------------

@dataclass
class Tally:
    """What the visitors saw."""

    form: list[float] = field(default_factory=list)
    done: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def credit_code(n: int) -> str:
    """A valid unified social credit code, different for every n."""
    from portal.core.validation import credit_check_char

    body = f"91330106MA{n:07d}"[:17]
    return body + credit_check_char(body)


def visitor_fields(n: int) -> dict[str, str]:
    """What visitor n types."""
    return {"company_name": f"杭州负载测试第{n}号科技有限公司", "credit_code": credit_code(n),
            "contact_person": "王经理", "phone": f"138{n:08d}"[:11], "note": ""}


_transport: httpx.AsyncHTTPTransport | None = None


def transport() -> httpx.AsyncHTTPTransport:
    """One connection pool for all visitors (each keeps its own cookies): a client of its own
    each would cost the bench ~30 ms of CPU to build, and the bench would be what is measured."""
    global _transport
    if _transport is None:
        _transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=2000, max_keepalive_connections=500))
    return _transport


def client() -> httpx.AsyncClient:
    """A visitor's own browser: its own cookie jar, the shared connection pool."""
    return httpx.AsyncClient(timeout=300, transport=transport(), trust_env=False,
                             headers={"Accept-Language": "zh-CN,zh;q=0.9", "Accept-Encoding": "gzip"})


async def html_visitor(base: str, token: str, n: int, tally: Tally) -> None:
    """Open the plain page, then submit its form (with its CSRF cookie and token)."""
    client_ = client()  # not closed: that would close the shared pool
    try:
        start = time.perf_counter()
        page = await client_.get(f"{base}/intent", params={"t": token})
        if page.status_code != 200 or 'name="csrf"' not in page.text:
            tally.errors.append(f"form {page.status_code}")
            return
        tally.form.append(time.perf_counter() - start)
        hidden = dict(re.findall(r'name="(csrf|form_key|lang)" value="([^"]*)"', page.text))
        data = {**visitor_fields(n), **hidden, "wants": "trial"}
        start = time.perf_counter()
        sent = await client_.post(f"{base}/intent", params={"t": token}, data=data)
        if sent.status_code != 200 or 'class="receipt"' not in sent.text:
            tally.errors.append(f"submit {sent.status_code}")
            return
        tally.done.append(time.perf_counter() - start)
    except httpx.HTTPError as exc:
        tally.errors.append(type(exc).__name__)


async def streamlit_visitor(base: str, token: str, n: int, tally: Tally) -> None:
    """Open the Streamlit page as a new browser session, fill in its form and submit it."""
    from portal.core.i18n import t

    if True:  # the shared pool stays open
        session = Session(base, client())
        try:
            start = time.perf_counter()
            await session.open(f"intent?t={token}")
            await session.run(page_name="intent", query=f"t={token}")
            if t("intents.submit") not in session.buttons:
                tally.errors.append("no form")
                return
            tally.form.append(time.perf_counter() - start)
            typed = visitor_fields(n)
            widgets = [session.state(t(f"field.{key}"), typed[name]) for key, name in (
                ("intent_company_name", "company_name"), ("credit_code", "credit_code"),
                ("intent_contact_person", "contact_person"), ("phone", "phone"))]
            start = time.perf_counter()
            await session.run(page_name="intent", query=f"t={token}",
                              widgets=[*widgets, session.state(t("intents.submit"))])
            if not any(typed["company_name"] in x for x in session.texts):
                tally.errors.append("no receipt")
                return
            tally.done.append(time.perf_counter() - start)
        except (OSError, TimeoutError, httpx.HTTPError, websockets.WebSocketException) as exc:
            tally.errors.append(type(exc).__name__)
        finally:
            await session.close()


async def qr_burst(args: argparse.Namespace, base: str, token: str) -> Tally:
    """args.visitors visitors arriving evenly over args.spread seconds."""
    tally = Tally()
    visit = html_visitor if args.page == "html" else streamlit_visitor
    offset = random.randrange(10_000_000)

    async def one(n: int) -> None:
        await asyncio.sleep(args.spread * n / max(args.visitors, 1))
        await visit(base, token, offset + n, tally)

    await asyncio.gather(*(one(n) for n in range(args.visitors)))
    return tally


async def operator(base: str, username: str, args: argparse.Namespace, until: float, tally: Tally) -> None:
    """Sign in, then open a page every think seconds (±50 %) until `until`."""
    from portal.core.i18n import t

    if True:  # the shared pool stays open
        session = Session(base, client())
        try:
            await asyncio.sleep(random.uniform(0, args.think))
            start = time.perf_counter()
            await session.open()
            await session.run()
            await session.run(widgets=[session.state(t("auth.username"), username),
                                       session.state(t("auth.password"), PASSWORD),
                                       session.state(t("auth.login"))])
            if not session.pages:
                tally.errors.append(f"{username}: not signed in")
                return
            tally.form.append(time.perf_counter() - start)
            while time.time() < until:
                await asyncio.sleep(args.think * random.uniform(0.5, 1.5))
                page_hash, path = random.choice(session.pages)
                start = time.perf_counter()
                await session.run(page_name=path, page_hash=page_hash)
                tally.done.append(time.perf_counter() - start)
        except (OSError, TimeoutError, httpx.HTTPError, websockets.WebSocketException, KeyError) as exc:
            tally.errors.append(f"{username}: {type(exc).__name__} {exc}")
        finally:
            await session.close()


async def new_sessions(args: argparse.Namespace, base: str) -> Tally:
    """args.visitors new browser sessions one after the other, each only opening the sign-in page:
    the first run every session pays before anything of its own."""
    tally = Tally()
    for _ in range(args.visitors):
        session = Session(base, client())
        try:
            await session.open()
            start = time.perf_counter()
            await session.run()
            tally.done.append(time.perf_counter() - start)
        except (OSError, TimeoutError, httpx.HTTPError, websockets.WebSocketException) as exc:
            tally.errors.append(type(exc).__name__)
        finally:
            await session.close()
    return tally


async def operators(args: argparse.Namespace, base: str) -> Tally:
    """args.users signed-in users clicking for args.duration seconds."""
    tally = Tally()
    until = time.time() + args.duration
    await asyncio.gather(*(operator(base, OPERATORS[n % len(OPERATORS)], args, until, tally)
                           for n in range(args.users)))
    return tally


# --- report ---------------------------------------------------------------------------------------

def stats(label: str, samples: list[float]) -> str:
    """'label: p50 … p95 … max … (n)' in milliseconds."""
    if not samples:
        return f"{label}: none"
    s = sorted(samples)
    p95 = s[min(len(s) - 1, int(0.95 * len(s)))]
    return (f"{label}: p50 {statistics.median(s) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {s[-1] * 1000:.0f} ms (n={len(s)})")


def stored_intents(env: dict) -> int:
    """How many intents the database holds."""
    from sqlalchemy import text

    from db.engine import make_engine

    url = env.get("PORTAL_DATABASE_URL") or f"sqlite:///{env['PORTAL_DATA_DIR']}/portal.db"
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM intent")).scalar()
    engine.dispose()
    return int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=["qr-burst", "operators", "sessions"], required=True)
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--spread", type=float, default=60, help="seconds over which visitors arrive")
    parser.add_argument("--page", choices=["html", "streamlit"], default="html")
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--think", type=float, default=5)
    parser.add_argument("--duration", type=float, default=60, help="seconds the operators click")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--database-url", help="an existing, up-to-date database (e.g. a scale one)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--development", action="store_true", help="serve without the production settings")
    parser.add_argument("--tag", default="bench", help="part of the temporary database's name")
    args = parser.parse_args()
    random.seed(secrets.randbits(32))
    server = start_server(args)
    try:
        token = any_token(server.env)
        before_intents = stored_intents(server.env)
        time.sleep(3)  # let the start-up warm-up finish before counting CPU
        cpu0, rss0 = usage(server.proc.pid)
        started = time.perf_counter()
        if args.scenario == "qr-burst":
            tally = asyncio.run(qr_burst(args, server.base, token))
            sessions = args.visitors
        elif args.scenario == "sessions":
            tally = asyncio.run(new_sessions(args, server.base))
            sessions = args.visitors
        else:
            tally = asyncio.run(operators(args, server.base))
            sessions = args.users
        wall = time.perf_counter() - started
        cpu1, rss1 = usage(server.proc.pid)
        load = os.getloadavg()
        print(f"scenario {args.scenario} · page {args.page} · db {args.db} · workers {args.workers}"
              f"{' · development settings' if args.development else ''}")
        if args.scenario == "qr-burst":
            print(f"{args.visitors} visitors over {args.spread:g} s")
            print(stats("time to the form", tally.form))
            print(stats("time to the confirmation", tally.done))
            print(f"intents stored: {stored_intents(server.env) - before_intents} of {len(tally.done)} confirmed")
        elif args.scenario == "sessions":
            print(stats(f"{args.visitors} new sessions one after another, first run", tally.done))
        else:
            print(f"{args.users} users, a click every {args.think:g} s (±50 %), {args.duration:g} s")
            print(stats("sign-in (first page)", tally.form))
            print(stats("page (click until the run finished)", tally.done))
        print(f"errors: {len(tally.errors)}" + (f" ({', '.join(sorted(set(tally.errors))[:5])})" if tally.errors else ""))
        print(f"server CPU: {cpu1 - cpu0:.1f} s over {wall:.1f} s wall ({(cpu1 - cpu0) / wall:.2f} cores), "
              f"{(cpu1 - cpu0) / max(sessions, 1) * 1000:.0f} ms per session")
        print(f"server memory: {rss1 / 2**20:.0f} MiB resident ({(rss1 - rss0) / max(sessions, 1) / 2**10:.0f} KiB "
              f"more per session)")
        print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (machine: {os.cpu_count()} cores)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
