"""Shared pieces of the CLI: data directory / database options and printing in the user's language."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from portal.core.errors import ConfigError
from portal.core.i18n import t


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """--data-dir and --database-url, which override PORTAL_DATA_DIR / PORTAL_DATABASE_URL."""
    parser.add_argument("--data-dir", help="folder of the embedded SQLite file (default ./data)")
    parser.add_argument("--database-url", help="e.g. postgresql+psycopg://user@host/db")


def apply_database_options(args: argparse.Namespace, *, create_dir: bool = False) -> None:
    """Export the options as settings (so a child Streamlit process sees them) and configure."""
    from db.engine import configure
    from portal.core.settings import get_settings

    if getattr(args, "data_dir", None):
        os.environ["PORTAL_DATA_DIR"] = str(Path(args.data_dir).expanduser().resolve())
    if getattr(args, "database_url", None):
        os.environ["PORTAL_DATABASE_URL"] = args.database_url
    get_settings.cache_clear()
    settings = get_settings()
    if not settings.database_url:
        if create_dir:
            try:
                settings.data_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError("error.missing_data_dir", field="data_dir", path=str(settings.data_dir)) from exc
        elif not settings.data_dir.is_dir():
            raise ConfigError("error.missing_data_dir", field="data_dir", path=str(settings.data_dir))
    configure(settings.resolved_database_url)


def say(args: argparse.Namespace, key: str, **params: object) -> None:
    """Print a catalogue message in the CLI's language."""
    print(t(key, args.lang, **params))
