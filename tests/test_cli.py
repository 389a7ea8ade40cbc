"""The `portal` command: users, db upgrade, demo preparation, and clear messages for bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import UserAccount
from portal.cli import main
from portal.core.auth import verify_password
from portal.core.settings import get_settings


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN202
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("PORTAL_DATA_DIR", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _url() -> str:
    return get_engine().url.render_as_string(hide_password=False)


def test_users_add_list_disable_reset(world, capsys: pytest.CaptureFixture) -> None:
    url = _url()
    assert main(["users", "add", "li_lei", "--name", "李雷", "--role", "city_operator",
                 "--agency", "hz技术转移中心", "--password", "Secret123", "--database-url", url]) == 0
    assert "已新增用户 li_lei" in capsys.readouterr().out
    assert main(["users", "list", "--database-url", url]) == 0
    listing = capsys.readouterr().out
    assert "li_lei" in listing and "市级运营人员" in listing
    assert main(["--lang", "en", "users", "disable", "li_lei", "--database-url", url]) == 0
    assert "User li_lei disabled." in capsys.readouterr().out
    assert main(["users", "reset-password", "li_lei", "--password", "Newpass123", "--database-url", url]) == 0
    with Session(get_engine()) as s:
        user = s.exec(select(UserAccount).where(UserAccount.username == "li_lei")).one()
    assert user.disabled and verify_password("Newpass123", user.password_hash)


@pytest.mark.parametrize("argv, expected", [
    (["users", "add", "x_user", "--name", "X", "--role", "wizard", "--password", "Secret123"], "【角色】“wizard”不是可选值。"),
    (["users", "add", "x_user", "--name", "X", "--role", "city_operator", "--agency", "不存在的机构", "--password", "Secret123"], "【运营机构】"),
    (["users", "add", "x_user", "--name", "X", "--role", "presenter", "--city", "330100", "--password", "123"], "【密码】"),
    (["users", "disable", "nobody"], "用户 nobody 不存在"),
])
def test_users_refusals_name_the_field_and_change_nothing(world, capsys, argv, expected) -> None:  # noqa: ANN001
    assert main([*argv, "--database-url", _url()]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    with Session(get_engine()) as s:
        assert s.exec(select(UserAccount).where(UserAccount.username == "x_user")).first() is None


def test_malformed_database_url_is_a_message(capsys: pytest.CaptureFixture) -> None:
    assert main(["db", "upgrade", "--database-url", "not a url"]) == 2
    assert "数据库地址“not a url”无法使用" in capsys.readouterr().err
    assert main(["--lang", "en", "db", "upgrade", "--database-url", "mysql://x@y/z"]) == 2
    assert "cannot be used" in capsys.readouterr().err


def test_unreachable_database_is_a_message(capsys: pytest.CaptureFixture) -> None:
    assert main(["db", "current", "--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none"]) == 2
    assert "无法连接数据库" in capsys.readouterr().err


def test_missing_data_dir_is_a_message(tmp_path, capsys: pytest.CaptureFixture) -> None:  # noqa: ANN001
    missing = tmp_path / "nowhere"
    assert main(["users", "list", "--data-dir", str(missing)]) == 2
    assert f"数据目录 {missing} 不存在" in capsys.readouterr().err


def test_demo_prepares_a_fresh_data_dir_and_keeps_it_on_rerun(tmp_path) -> None:  # noqa: ANN001
    data = tmp_path / "demo-data"
    run = [sys.executable, "-m", "portal.cli", "demo", "--no-serve", "--data-dir", str(data)]
    env = {"PATH": "/usr/bin:/bin", "PORTAL_LOGIN_SLEEP_TIME": "0", "HOME": str(tmp_path),
           "PORTAL_EMBEDDINGS": "off"}  # embedding the demo's 300 results: tests/test_matching_semantic.py
    first = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "已载入演示数据：300 项成果，11 个城市。" in first.stdout
    assert "http://localhost:8501" in first.stdout and "hz_operator" in first.stdout and "Demo@2026" in first.stdout
    assert (data / "portal.db").exists()
    second = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120)
    assert second.returncode == 0 and "沿用已有数据库" in second.stdout
    third = subprocess.run([*run, "--reset"], capture_output=True, text=True, env=env, timeout=120)
    assert third.returncode == 0 and "已载入演示数据" in third.stdout
