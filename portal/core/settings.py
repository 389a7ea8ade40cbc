"""Process settings from PORTAL_* environment variables and an optional .env file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'portal.db').resolve()}"

    def resolved_cookie_key(self) -> str:
        """The cookie key from settings, else one generated once and kept beside the data."""
        if self.cookie_key:
            return self.cookie_key
        path = self.data_dir / "cookie.key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cleared by tests through get_settings.cache_clear())."""
    return Settings()
