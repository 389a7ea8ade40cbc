"""Each home figure opens the list it counts, filtered to exactly those rows."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import APP, texts


def _run(user: str, page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = user
    at.session_state["name"] = user
    at.session_state["lang"] = "zh"
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(f"../pages/{page}.py")
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label).replace(",", ""))


def test_operator_figures_link_to_their_filtered_lists(demo_db) -> None:
    home = _run("hz_operator")
    links = [(p.proto.page, p.proto.query_string) for p in home.get("page_link")]
    assert len(links) >= 5  # every figure with a list behind it
    assert any("status=running" in q and "kind=trial" in q for _, q in links)
    running = _metric(home, "试用中")
    contracts = _run("hz_operator", "contracts", kind="trial", status="running")
    assert f"共 {running} 份合同" in texts(contracts)
    assert next(s for s in contracts.selectbox if s.label == "状态").value == "running"
    listed = _metric(home, "已上架成果")
    pool = _run("hz_operator", "pool", city="330100")
    assert f"共 {listed} 项成果" in texts(pool)
    claims = _run("hz_operator", "claims", status="waiting")
    assert next(s for s in claims.selectbox if s.label == "申领状态").value == "waiting"


def test_an_objections_link_opens_that_queue(demo_db) -> None:
    home = _run("hz_operator")
    assert any("queue=objections" in p.proto.query_string for p in home.get("page_link"))


def test_a_manager_reads_the_years_deal_amount_whole(demo_db) -> None:
    home = _run("hz_manager")
    amount = next(m for m in home.metric if m.label == "本年合作金额")
    assert amount.value.endswith("万元") and len(amount.value) <= 12  # fits a sixth of the page
    assert "精确金额：¥" in amount.proto.help
