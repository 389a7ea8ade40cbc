"""The nginx configuration `portal proxy nginx` prints (and deploy/nginx/portal.conf ships): the
ports of the layout, the upload limit, and nginx itself accepts it; several processes on SQLite
are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal.cli import main
from portal.core.settings import get_settings
from portal.web.proxy import Layout, check_config, nginx_config, private_nginx
from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Settings from the environment the test sets (and the cache cleared around it)."""
    monkeypatch.delenv("PORTAL_MAX_ATTACHMENT_MB", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_the_layout_and_the_upload_limit(settings_env) -> None:  # noqa: ANN001
    settings_env.setenv("PORTAL_MAX_ATTACHMENT_MB", "35")
    get_settings.cache_clear()
    text = nginx_config(Layout(3, 9000), listen="443 ssl", server_name="portal.hz.gov.cn")
    assert [line.split()[1] for line in text.splitlines() if line.strip().startswith("server 127")] == [
        "127.0.0.1:9000", "127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]  # the last: the public page
    assert "client_max_body_size 36m;" in text and "listen 443 ssl;" in text and "hash $portal_route consistent;" in text
    assert "@" not in text.replace("@2026", "")  # every placeholder filled


def test_the_shipped_file_is_what_the_command_prints(settings_env, capsys) -> None:  # noqa: ANN001
    assert main(["proxy", "nginx", "--workers", "2", "--backend-port", "8501",
                 "--server-name", "portal.example.gov.cn"]) == 0
    assert capsys.readouterr().out == (ROOT / "deploy" / "nginx" / "portal.conf").read_text(encoding="utf-8")


def test_nginx_accepts_the_configuration(tmp_path: Path, settings_env) -> None:  # noqa: ANN001
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        unavailable("nginx is not installed (apt-get install nginx-light)")
    check_config(private_nginx(Layout(2, 18_950), tmp_path, listen="127.0.0.1:18949"))


def test_several_processes_on_sqlite_are_refused(tmp_path: Path, settings_env, capsys) -> None:  # noqa: ANN001
    settings_env.delenv("PORTAL_DATABASE_URL", raising=False)
    assert main(["db", "upgrade", "--data-dir", str(tmp_path)]) == 0
    assert main(["--lang", "en", "serve", "--workers", "2", "--data-dir", str(tmp_path)]) == 2
    assert "several processes need a PostgreSQL database" in capsys.readouterr().err
