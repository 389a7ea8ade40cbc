"""Home pages: each role's figures in its scope; the language toggle."""

from __future__ import annotations

from tests.pages.conftest import tables, texts


def test_operator_home_shows_hangzhou_and_no_ningbo(app) -> None:
    at = app("hz_operator")
    page = texts(at)
    assert "范围：杭州市" in page
    labels = {m.label for m in at.metric}
    assert {"已上架成果", "试用中", "30天内到期试用", "待审核申领"} <= labels
    assert "杭州" in page and "宁波" not in page and "温州" not in page
    ending = next(df for df in tables(at) if "到期日" in df.columns)
    assert len(ending) >= 1 and ending["剩余天数"].between(0, 30).all()
    assert ending["被许可企业"].str.startswith("杭州").all()


def test_ningbo_operator_sees_ningbo(app) -> None:
    page = texts(app("nb_operator"))
    # a Hangzhou enterprise's request about a Ningbo result is Ningbo's work; Hangzhou's own is not
    assert "范围：宁波市" in page and "hz_operator" not in page and "杭州运营专员" not in page


def test_province_admin_sees_the_eleven_cities(app) -> None:
    at = app("zj_admin")
    table = next(df for df in tables(at) if "城市" in df.columns)
    assert len(table) == 11 and set(table["城市"]) >= {"杭州市", "宁波市", "丽水市"}


def test_manager_and_enterprise_figures(app) -> None:
    manager = {m.label for m in app("hz_manager").metric}
    assert {"本年转化", "本年合作金额"} <= manager
    enterprise = {m.label for m in app("ent_demo").metric}
    assert {"我的需求", "我的申请（处理中）", "成果池成果"} <= enterprise


def test_language_toggle_switches_to_english_and_persists(app) -> None:
    at = app("hz_operator")
    at.toggle(key="lang_toggle").set_value(True).run()
    assert "Hello, 杭州运营专员" in texts(at)
    assert "Trials running" in {m.label for m in at.metric}
    at.switch_page("../pages/account.py").run()
    assert "My account" in texts(at)


def test_an_unexpected_error_shows_a_message_not_a_traceback(app, monkeypatch) -> None:  # noqa: ANN001
    import portal.dashboards.home
    from portal.core.settings import get_settings

    def broken(**_kw):  # noqa: ANN003, ANN202
        raise RuntimeError("database exploded")

    monkeypatch.setattr(portal.dashboards.home, "home_figures", broken)
    monkeypatch.setenv("PORTAL_RAISE_ERRORS", "0")
    get_settings.cache_clear()
    at = app("hz_operator")
    assert not at.exception
    assert "发生意外错误，已记录。请重试或联系管理员。" in [e.value for e in at.error]
    assert "database exploded" not in texts(at)


def test_institution_officer_home_is_scoped_to_its_institution(app) -> None:
    at = app("zju_officer")
    page = texts(at)
    assert "范围：浙江大学" in page
    pending = next(df for df in tables(at) if "公示截止" in df.columns)
    assert len(pending) >= 1
    assert set(pending["状态"]) <= {"待单位审批", "已退回", "单位已批准", "公示中", "公示暂停（异议）"}
