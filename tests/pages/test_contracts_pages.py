"""Contracts pages on the demo data: what an operator, an officer and an enterprise see and do."""

from __future__ import annotations

from sqlmodel import select

from db.engine import read_session
from db.models import Contract, Match
from portal.contracts.listing import ContractFilters, list_contracts
from portal.core.auth import load_actor
from portal.core.clock import today
from tests.pages.conftest import signed_in, tables, texts


def _open(at, page: str):  # noqa: ANN001, ANN202
    at.switch_page(f"../pages/{page}")
    at.run()
    assert not at.exception, at.exception
    return at


def _w(widgets, label: str):  # noqa: ANN001, ANN202
    """The widget with this label."""
    return next(w for w in widgets if w.label == label)


def _first(username: str, **filters) -> str:  # noqa: ANN003
    return list_contracts(actor=load_actor(username), filters=ContractFilters(**filters)).rows[0].number


def test_operator_list_shows_only_hangzhou_and_filters_by_state(app) -> None:
    at = _open(app("hz_operator"), "contracts.py")
    table = tables(at)[0]
    assert "合同编号" in table.columns and len(table) >= 18
    assert set(table["城市"]) == {"杭州市"}
    assert "份合同" in texts(at)
    _w(at.selectbox, "状态").set_value("converted").run()
    table = tables(at)[0]
    assert len(table) >= 1 and set(table["状态"]) == {"已转化"}
    assert at.get("download_button")  # the .xlsx export is offered


def test_enterprise_sees_only_its_own_contracts(app) -> None:
    at = _open(app("ent_demo"), "contracts.py")
    table = tables(at)[0]
    assert set(table["被许可人"]) == {"杭州恒拓智能科技有限公司"}
    assert [tab.label for tab in at.tabs] == ["合同列表"]  # no new-trial tab for enterprises


def test_institution_officer_reads_its_contracts_without_forms(app) -> None:
    at = _open(app("zju_officer"), "contracts.py")
    table = tables(at)[0]
    assert set(table["许可人"]) == {"浙江大学"}
    number = table["合同编号"].iloc[0]
    at = _open(at, "contract_detail.py")
    _w(at.text_input, "合同编号").set_value(number).run()
    page = texts(at)
    assert number in page and "变更记录" in page
    assert "试用结果" not in page and not [b for b in at.button if b.label == "转化为付费许可 / 转让"]


def test_exclusive_trial_is_refused_on_the_page_and_an_ordinary_one_recorded(app) -> None:
    at = _open(app("hz_operator"), "contracts.py")
    before = list_contracts(actor=load_actor("hz_operator")).total
    _w(at.selectbox, "许可方式").set_value("exclusive")
    _w(at.button, "签订试用合同").click().run()
    assert "【许可方式】先用后转试用只能采用普通许可，不能采用独占或排他许可。" in texts(at)
    assert list_contracts(actor=load_actor("hz_operator")).total == before
    _w(at.selectbox, "许可方式").set_value("ordinary")
    _w(at.button, "签订试用合同").click().run()
    page = texts(at)
    assert "已登记试用合同 XYSY-3301-" in page or "许可名额已满" in page or "已有该成果的试用合同" in page


def test_contract_page_shows_history_risks_and_refuses_other_cities(app) -> None:
    number = _first("hz_operator", kind="trial", status="active")
    at = _open(app("hz_operator"), "contract_detail.py")
    _w(at.text_input, "合同编号").set_value(number).run()
    page = texts(at)
    assert number in page and "风险提示" in page and "变更记录" in page and "登记试用合同" in page
    assert "保险与创新券" in page and "异议与争议" in page
    ningbo = _first("nb_operator")
    _w(at.text_input, "合同编号").set_value(ningbo).run()
    assert "记录不存在或不在您的权限范围内。" in texts(at)


def test_generating_the_document_offers_the_docx(app) -> None:
    number = _first("hz_operator", kind="trial", status="active")
    at = _open(app("hz_operator"), "contract_detail.py")
    _w(at.text_input, "合同编号").set_value(number).run()
    _w(at.button, "生成合同文本（.docx）").click().run()
    assert not at.exception
    assert f"{number}.docx" in str([d.proto.label for d in at.get("download_button")])


def test_conversion_with_zero_amount_is_refused_on_the_page(app) -> None:
    number = _first("hz_operator", kind="trial", status="extended")
    at = _open(app("hz_operator"), "contract_detail.py")
    _w(at.text_input, "合同编号").set_value(number).run()
    _w(at.text_input, "合作金额").set_value("0")
    _w(at.text_area, "付款方式").set_value("一次性支付")
    _w(at.button, "转化为付费许可 / 转让").click().run()
    assert "【合作金额】金额必须大于零。" in texts(at)
    assert _first("hz_operator", kind="trial", status="extended") == number


def test_expiring_page_lists_trials_soonest_first_with_history(app) -> None:
    at = _open(app("hz_operator"), "expiring.py")
    page = texts(at)
    assert "试用期在 30 天内结束的合同" in page
    lefts = [int(m.value.split("剩余 ")[1].split(" 天")[0]) for m in at.caption if "剩余 " in m.value]
    assert lefts and lefts == sorted(lefts) and all(0 <= d <= 30 for d in lefts)
    assert "对接记录" in page and "中试记录" in page


def test_template_editing_versions_and_refuses_unknown_placeholders(app) -> None:
    at = _open(app("wz_operator"), "templates.py")
    assert "现行版本：第 1 版" in texts(at)
    body = _w(at.text_area, "模板正文")
    body.set_value(body.value + "\n补充条款：{no_such_field}")
    _w(at.text_input, "修订说明").set_value("增加补充条款")
    _w(at.button, "保存新版本").click().run()
    assert "【模板正文】未知的占位符：no_such_field。" in texts(at)
    body = _w(at.text_area, "模板正文")
    body.set_value(body.value.replace("{no_such_field}", "每季度回访一次"))
    _w(at.button, "保存新版本").click().run()
    assert "已保存第 1 版；已签合同仍使用原版本。" in texts(at)
    at.run()
    assert "历史版本" in texts(at)


def test_voucher_ledger_and_a_refused_issue(app) -> None:
    at = _open(app("nb_operator"), "vouchers.py")
    page = texts(at)
    assert "保费的 90%" in page
    ledger = tables(at)[0]
    assert len(ledger) >= 1 and set(ledger["城市"]) == {"宁波市"}
    _w(at.text_input, "券面金额（元）").set_value("0")
    _w(at.button, "发放创新券").click().run()
    assert "【券面金额（元）】金额必须大于零。" in texts(at)


def test_contracts_are_filtered_by_city_and_party_name(app) -> None:  # noqa: ANN001
    # names are searched, not picked: a city has thousands of organizations at province scale
    at = app("zj_admin")
    at.switch_page("../pages/contracts.py").run()
    next(s for s in at.selectbox if s.label == "城市").set_value("330200").run()
    listed = next(df for df in tables(at) if "被许可人" in df.columns)
    assert len(listed) >= 1 and listed["被许可人"].str.startswith("宁波").all()
    some = listed["被许可人"].iloc[0]
    next(x for x in at.text_input if x.label == "被许可企业").input(some[2:6]).run()
    narrowed = next(df for df in tables(at) if "被许可人" in df.columns)
    assert len(narrowed) >= 1 and narrowed["被许可人"].str.contains(some[2:6]).all()


def test_paid_licence_and_transfer_documents_are_offered(own_demo) -> None:  # noqa: ANN001
    at = _open(signed_in("zj_admin"), "contract_detail.py")
    for kind in ("paid_licence", "transfer"):
        number = _first("zj_admin", kind=kind)
        _w(at.text_input, "合同编号").set_value(number).run()
        _w(at.button, "生成合同文本（.docx）").click().run()
        assert not at.exception, at.exception
        assert f"{number}.docx" in str([d.proto.label for d in at.get("download_button")])


def test_template_page_edits_each_kind_on_its_own(own_demo) -> None:  # noqa: ANN001
    at = _open(signed_in("wz_operator"), "templates.py")
    _w(at.selectbox, "合同类型").set_value("transfer").run()
    assert "现行版本：第 1 版（科技成果转让合同（示范文本））" in texts(at)
    body = _w(at.text_area, "模板正文")
    assert "{deal_amount_upper}" in body.value
    body.set_value(body.value + "\n补充条款：受让方每年报送实施情况。")
    _w(at.text_input, "修订说明").set_value("温州市补充条款")
    _w(at.button, "保存新版本").click().run()
    assert "已保存第 1 版；已签合同仍使用原版本。" in texts(at)
    at.run()
    assert "历史版本" in texts(at) and "温州市补充条款" in texts(at)
    _w(at.selectbox, "合同类型").set_value("paid_licence").run()
    assert "现行版本：第 1 版（科技成果付费实施许可合同（示范文本））" in texts(at)
    assert "补充条款：受让方" not in _w(at.text_area, "模板正文").value


def _trial_parties() -> tuple:  # noqa: ANN202
    """A fresh listed Hangzhou result and enterprise (no trial yet), and a match between them."""
    from portal.hub.matches import record_match
    from tests.factories import make_org, make_result

    owner = make_org("页面测试大学", "university", "330100")
    result = make_result(owner, title="页面测试用的一种柔性传感器")
    enterprise = make_org("页面测试传感科技有限公司", "enterprise", "330100", size="small")
    match = record_match(actor=load_actor("hz_operator"), result_id=result.id, enterprise_org_id=enterprise.id,
                         channel="visit", contact_date=today())
    return result, enterprise, match


def test_new_trial_names_the_match_it_came_from(own_demo) -> None:  # noqa: ANN001
    result, enterprise, match = _trial_parties()
    at = _open(signed_in("hz_operator"), "contracts.py")
    at.text_input(key="trial_result_search").input(result.number).run()
    at.text_input(key="trial_enterprise_search").input(enterprise.name).run()
    picker = _w(at.selectbox, "对接记录")
    assert picker.options[0] == "不关联对接记录" and len(picker.options) == 2
    assert enterprise.name in picker.options[1] and "已接触" in picker.options[1]
    picker.select_index(1)
    _w(at.button, "签订试用合同").click().run()
    assert "已登记试用合同 XYSY-3301-" in texts(at)
    rows = list_contracts(actor=load_actor("hz_operator"), filters=ContractFilters(result_text=result.number)).rows
    with read_session() as s:
        trial = s.exec(select(Contract).where(Contract.number == rows[0].number)).one()
        assert trial.match_id == match.id and s.get(Match, match.id).stage == "trial"


def test_province_names_the_agency_of_a_new_trial(own_demo) -> None:  # noqa: ANN001
    result, enterprise, _ = _trial_parties()
    at = _open(signed_in("zj_admin"), "contracts.py")
    _w(at.selectbox, "城市").set_value("330100").run()
    at.text_input(key="trial_result_search").input(result.number).run()
    at.text_input(key="trial_enterprise_search").input(enterprise.name).run()
    agency = _w(at.selectbox, "运营机构")
    assert "杭州市" in agency.options[0]  # the chosen city's agencies first
    assert len(_w(at.selectbox, "对接记录").options) == 2  # Hangzhou's match, for the Hangzhou agency
    _w(at.button, "签订试用合同").click().run()
    assert "已登记试用合同 XYSY-3301-" in texts(at)


def test_contract_page_opened_from_the_menu_offers_a_search(app) -> None:
    at = _open(app("hz_operator"), "contract_detail.py")
    assert "选中一行即可打开" in texts(at)  # the latest contracts, not an empty box
    assert len(tables(at)[0]) > 0
    title = list_contracts(actor=load_actor("hz_operator"), filters=ContractFilters(kind="trial")).rows[0].result_title
    _w(at.text_input, "合同编号").set_value(title[:6]).run()
    found = tables(at)[0]
    assert len(found) >= 1 and all(title[:6] in r for r in found["成果"])
    # choosing a row opens that contract
    at.session_state["contract_find"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    assert at.query_params["no"] == [found["合同编号"].iloc[0]] or at.query_params["no"] == found["合同编号"].iloc[0]


def test_a_transfer_page_names_assignor_and_assignee_and_no_licence_terms(app) -> None:
    number = _first("hz_operator", kind="transfer")
    at = _open(app("hz_operator"), "contract_detail.py")
    _w(at.text_input, "合同编号").set_value(number).run()
    page = texts(at)
    assert "转让人" in page and "受让人" in page
    assert "许可方式" not in [m.label for m in at.metric] and "许可地域" not in page
    assert "普通许可" not in [m.value for m in at.metric]
