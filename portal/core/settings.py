"""Process settings from PORTAL_* environment variables and an optional .env file."""

from __future__ import annotations

import os
import secrets
import time
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from portal.core.errors import ConfigError

MIN_COOKIE_KEY_BYTES = 32  # HS256 wants a key as long as its hash (PyJWT warns below it)


class Settings(BaseSettings):
    """Where the data lives and how the server signs its cookies."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="folder of the embedded SQLite file")
    database_url: str | None = Field(default=None, description="e.g. postgresql+psycopg://…")
    cookie_name: str = "xianyong_portal"
    cookie_key: str | None = None  # ≥ 32 bytes; generated into data_dir when unset
    cookie_expiry_days: float = 7.0
    login_sleep_time: float = 0.5  # slows password guessing; 0 in tests
    public_base_url: str = "http://localhost:8501"  # printed in QR codes
    default_language: str = "zh"
    max_attachment_mb: int = 20  # every uploaded file: patent PDFs, pilot reports, claim evidence
    raise_errors: bool = False  # tests: let page exceptions surface instead of a friendly message
    # guessing is bounded per account (portal.core.auth): this many failed sign-ins within the
    # window and the account waits, even for the right password
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: float = Field(default=15, gt=0)
    login_lock_minutes: float = Field(default=15, gt=0)
    # e-mail of reminders (portal.notify): no host, and e-mails wait in the outbox
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = True
    smtp_ssl: bool = False  # implicit TLS (port 465) instead of STARTTLS
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""  # e.g. "杭州市技术转移中心 <notice@example.cn>"; defaults to smtp_user
    smtp_timeout: float = Field(default=20, gt=0)

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'portal.db').resolve()}"

    def resolved_cookie_key(self) -> str:
        """The cookie key from settings, else one generated once and kept beside the data;
        ConfigError when it is shorter than 32 bytes (a short key makes the cookie forgeable)."""
        key = self.cookie_key if self.cookie_key else _key_file(self.data_dir / "cookie.key")
        if len(key.encode()) < MIN_COOKIE_KEY_BYTES:
            source = "PORTAL_COOKIE_KEY" if self.cookie_key else str(self.data_dir / "cookie.key")
            raise ConfigError("error.cookie_key_short", field="cookie_key", source=source,
                              length=len(key.encode()), minimum=MIN_COOKIE_KEY_BYTES)
        return key


def _key_file(path: Path) -> str:
    """The key kept in path, made on first use: created with mode 0600 (never readable by others,
    not even for a moment) and exclusively, so two processes starting at once agree on one key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it just now: read theirs
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
                fh.flush()
                os.fsync(fh.fileno())
    for _ in range(50):  # the other process may not have written it yet
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cleared by tests through get_settings.cache_clear())."""
    return Settings()
