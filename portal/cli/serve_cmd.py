"""`portal demo` (database + demo data + server) and `portal serve` (server on existing data)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from portal.cli.common import add_database_options, apply_database_options, say

SERVER = Path(__file__).resolve().parent.parent / "server.py"  # app.py + the public page + gzip + warm-up
# What a server needs that a developer's `streamlit run` does not (measured in bench/RESULTS.md):
# no file watcher (it rescans every imported module), no full gc.collect after every script run
# (the router freezes the long-lived heap instead: portal.ui.settle_heap).
PRODUCTION = ["--server.fileWatcherType", "none", "--server.runOnSave", "false",
              "--runner.postScriptGC", "false"]


def register(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help="create a demo database (if missing) and start the portal")
    demo.add_argument("--reset", action="store_true", help="rebuild the demo database from scratch")
    demo.add_argument("--no-serve", action="store_true", help="prepare the data only")
    serve = sub.add_parser("serve", help="start the portal on an existing database")
    for p in (demo, serve):
        p.add_argument("--port", type=int, default=8501)
        p.add_argument("--host", default="0.0.0.0", help="address to listen on")
        p.add_argument("--development", action="store_true",
                       help="serve as `streamlit run` does: file watcher and per-run garbage collection on")
        add_database_options(p)
    serve.add_argument("--workers", type=int, default=1,
                       help="Streamlit processes (several need PostgreSQL); the public page gets the next port")
    serve.add_argument("--backend-port", type=int,
                       help="first process's port (default: --port, or --port + 1 behind --proxy)")
    serve.add_argument("--proxy", choices=["nginx"], help="run a private nginx on --port in front of the processes")
    serve.add_argument("--proxy-dir", help="folder of that nginx's configuration, logs and cache (default: a temporary one)")
    serve.add_argument("--debug-headers", action="store_true", help=argparse.SUPPRESS)  # X-Portal-Upstream, for tests
    demo.set_defaults(handler=demo_cmd)
    serve.set_defaults(handler=serve_cmd)


def _reset(engine) -> None:  # noqa: ANN001
    from sqlalchemy import text
    from sqlmodel import SQLModel

    import db.models  # noqa: F401

    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database or "")
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def prepare_demo(*, reset: bool = False) -> dict[str, int]:
    """Migrate the configured database and load demo data when it has none."""
    from db.engine import check_connection, get_engine, loading_session
    from db.migrate import upgrade
    from seed.demo import load_demo

    check_connection()
    if reset:
        _reset(get_engine())
    upgrade(get_engine())
    with loading_session() as s:
        return load_demo(s)


def public_base_url(port: int) -> str:
    """The address QR codes will print: PORTAL_PUBLIC_BASE_URL (environment or .env), else this
    machine on port (fine for a demo on one computer, useless to a phone in the room)."""
    from portal.core.settings import get_settings

    settings = get_settings()
    return settings.public_base_url if "public_base_url" in settings.model_fields_set else f"http://localhost:{port}"


def _say_ready(args: argparse.Namespace) -> None:
    """Where the portal answers, and whether phones can open its QR codes."""
    from portal.roadshows.links import phones_cannot_open

    say(args, "cli.demo_ready", url=f"http://localhost:{args.port}")
    base = public_base_url(args.port)
    if phones_cannot_open(base):
        say(args, "cli.qr_local", url=base, port=args.port)


def _upload_mb() -> int:
    """The portal's upload limit in MB (PORTAL_MAX_ATTACHMENT_MB), which the server enforces too."""
    from portal.core.settings import get_settings

    return get_settings().max_attachment_mb


def streamlit_command(port: int, host: str, *, development: bool = False) -> list[str]:
    """The command line of one Streamlit server process on port."""
    headless = not os.environ.get("DISPLAY") and sys.platform.startswith("linux")
    return [sys.executable, "-m", "streamlit", "run", str(SERVER),
            "--server.port", str(port), "--server.address", host,
            "--server.headless", "true" if headless else "false",
            "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
            "--client.showErrorDetails", "none",  # users read messages, never tracebacks
            "--server.maxUploadSize", str(_upload_mb()),  # the uploader states the portal's limit, not 200 MB
            *([] if development else PRODUCTION)]


def _run_streamlit(args: argparse.Namespace) -> int:
    cmd = streamlit_command(args.port, args.host, development=getattr(args, "development", False))
    # a PORTAL_PUBLIC_BASE_URL from .env is kept (it used to be overridden by localhost here)
    env = dict(os.environ, PORTAL_PUBLIC_BASE_URL=public_base_url(args.port))
    # Become the server (no child left behind when a supervisor or a test stops us by PID).
    os.execve(sys.executable, cmd, env)
    return 0  # not reached


def check_cookie_key() -> None:
    """Refuse to start with a cookie key shorter than 32 bytes (ConfigError naming it); make the
    key file (mode 0600) when none is set, before the server starts."""
    from portal.core.settings import get_settings

    get_settings().resolved_cookie_key()


def demo_cmd(args: argparse.Namespace) -> int:
    from db.engine import get_engine
    from seed.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    apply_database_options(args, create_dir=True)
    check_cookie_key()
    counts = prepare_demo(reset=args.reset)
    if counts:
        say(args, "cli.demo_loaded", results=counts["results"], cities=counts["cities"])
        from portal.cli.matching_cmd import embed_demo

        embed_demo(args)
    else:
        say(args, "cli.demo_kept", path=get_engine().url.render_as_string(hide_password=True))
    _say_ready(args)
    say(args, "cli.demo_accounts", password=DEMO_PASSWORD)
    from portal.core.i18n import label

    for username, display, role, _city, _binding in DEMO_ACCOUNTS:
        print(f"  {username:<12} {label('role', role, args.lang)} · {display}")
    sys.stdout.flush()
    if args.no_serve:
        return 0
    return _run_streamlit(args)


def serve_cmd(args: argparse.Namespace) -> int:
    from db.engine import check_connection, get_engine
    from db.migrate import current_revision, head_revision
    from portal.core.errors import ConfigError

    apply_database_options(args)
    check_cookie_key()
    check_connection()
    if current_revision(get_engine()) != head_revision():
        raise ConfigError("error.schema_outdated")
    if args.workers < 1:
        raise ConfigError("web.error.workers", field="workers")
    if args.workers > 1 and get_engine().dialect.name != "postgresql":
        # their caches agree through PostgreSQL's LISTEN/NOTIFY, and SQLite serializes writers anyway
        raise ConfigError("web.error.workers_need_postgresql", field="workers")
    _say_ready(args)
    sys.stdout.flush()
    if args.workers > 1 or args.proxy:
        from portal.cli.workers import serve_workers

        return serve_workers(args, streamlit_command, public_base_url(args.port))
    return _run_streamlit(args)
