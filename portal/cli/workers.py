"""`portal serve --workers N`: N Streamlit processes and the public page's process on consecutive
ports (and, with --proxy nginx, a private nginx in front), kept running: a process that exits is
started again after a pause; SIGTERM or Ctrl-C stops them all. `portal proxy nginx` prints the
configuration for the system's nginx instead.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from portal.cli.common import say
from portal.web.proxy import Layout, check_config, nginx_config, private_nginx

RESTART_PAUSE = 2.0


def public_command(port: int, host: str) -> list[str]:
    """The command line of the public page's process."""
    return [sys.executable, "-m", "uvicorn", "--factory", "portal.web.public:create_app", "--host", host,
            "--port", str(port), "--no-access-log", "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1",
            "--timeout-graceful-shutdown", "5"]


def supervise(commands: dict[str, list[str]], env: dict[str, str]) -> int:
    """Run every command, start again any that exits, stop all on SIGTERM / SIGINT."""
    procs: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    died: dict[str, float] = {}
    for name, cmd in commands.items():
        procs[name] = subprocess.Popen(cmd, env=env)
        print(f"started {name} (pid {procs[name].pid})", flush=True)
    while not stopping:
        time.sleep(0.2)
        for name, proc in procs.items():
            if proc.poll() is None:
                continue
            if name not in died:
                died[name] = time.monotonic()
                print(f"{name} exited with {proc.returncode}; starting it again in {RESTART_PAUSE:g} s",
                      file=sys.stderr, flush=True)
            elif time.monotonic() - died[name] >= RESTART_PAUSE:
                del died[name]
                procs[name] = subprocess.Popen(commands[name], env=env)
                print(f"started {name} again (pid {procs[name].pid})", flush=True)
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


def serve_workers(args: argparse.Namespace, streamlit_command, base_url: str) -> int:  # noqa: ANN001
    """Start the layout args ask for (the caller has checked the database)."""
    backend = args.backend_port or (args.port + 1 if args.proxy else args.port)
    layout = Layout(args.workers, backend, "127.0.0.1" if args.proxy else args.host)
    commands = {f"streamlit:{port}": streamlit_command(port, layout.host, development=args.development)
                for port in layout.streamlit_ports}
    commands[f"public:{layout.public_port}"] = public_command(layout.public_port, layout.host)
    made = None
    if args.proxy:
        prefix = Path(args.proxy_dir or tempfile.mkdtemp(prefix="portal-nginx-"))
        made = None if args.proxy_dir else prefix
        nginx = private_nginx(layout, prefix, listen=f"{args.host}:{args.port}", debug=args.debug_headers)
        check_config(nginx)
        commands["nginx"] = nginx
        say(args, "web.proxy_started", url=f"http://{args.host}:{args.port}", logs=str(prefix / "logs"))
    else:
        say(args, "web.workers_started", first=layout.streamlit_ports[0], last=layout.streamlit_ports[-1],
            public=layout.public_port)
    env = dict(os.environ, PORTAL_PUBLIC_BASE_URL=base_url)
    try:
        return supervise(commands, env)
    finally:
        if made is not None:  # a temporary folder of ours: its logs and cache go with it
            shutil.rmtree(made, ignore_errors=True)


def register(sub: argparse._SubParsersAction) -> None:
    """`portal proxy nginx`."""
    proxy = sub.add_parser("proxy", help="print the reverse-proxy configuration for several processes")
    proxy.add_argument("kind", choices=["nginx"])
    proxy.add_argument("--workers", type=int, default=2, help="Streamlit processes (as given to portal serve)")
    proxy.add_argument("--backend-port", type=int, default=8501, help="the first process's port")
    proxy.add_argument("--listen", default="80", help="nginx's listen directive, e.g. 80 or 443 ssl")
    proxy.add_argument("--server-name", default="_")
    proxy.add_argument("--cache-dir", default="/var/cache/nginx/portal")
    proxy.set_defaults(handler=proxy_cmd)


def proxy_cmd(args: argparse.Namespace) -> int:
    """Print the configuration."""
    print(nginx_config(Layout(args.workers, args.backend_port), listen=args.listen, server_name=args.server_name,
                       cache_dir=args.cache_dir))
    return 0
