"""The enterprise's side as users see it: 申请试用 / 登记意向 on a recommendation and on a result's
page, 我的申请 with every state, withdrawing, the operator's 企业申请 inbox signing a trial, and
an enterprise asking for pilot testing."""

from __future__ import annotations

from portal.core.auth import load_actor
from portal.hub.demands import list_demands
from portal.navigation import page_keys_for
from portal.requests.listing import list_requests, open_request_count
from portal.search.recommend import recommend_for_demand
from tests.pages.conftest import signed_in, texts
from tests.pages.test_matching_pages import _open


def _popovers(at) -> list[str]:  # noqa: ANN001
    return [p.proto.popover.label for p in at.get("popover")]


def _button(at, label: str):  # noqa: ANN001, ANN202
    return next(b for b in at.button if b.label == label)


def test_only_enterprises_have_my_requests_and_only_staff_the_inbox(demo_db) -> None:
    assert "my_requests" in page_keys_for(load_actor("ent_demo"))
    assert "requests" not in page_keys_for(load_actor("ent_demo"))
    for staff in ("hz_operator", "zj_admin"):
        keys = page_keys_for(load_actor(staff))
        assert "requests" in keys and "my_requests" not in keys
    for other in ("presenter", "zju_officer", "hz_manager"):
        assert not {"requests", "my_requests"} & set(page_keys_for(load_actor(other)))


def test_my_requests_shows_every_state_with_the_operators_reply(demo_db) -> None:
    page = texts(_open("ent_demo", "my_requests"))
    for status in ("待答复", "已对接", "已转试用", "未受理", "已撤回"):
        assert status in page, status
    assert "该成果试用名额已满" in page  # the reason of the declined one
    assert "已安排对接" in page and "等待宁波市运营机构答复" not in page
    assert "等待杭州市运营机构答复。" in page  # the open one says who answers
    assert "已签订试用合同 XYSY-" in page


def test_the_home_figure_counts_and_links_the_requests(demo_db) -> None:
    at = signed_in("ent_demo")
    metric = next(m for m in at.metric if m.label == "我的申请（处理中）")
    me = load_actor("ent_demo")
    waiting = sum(list_requests(actor=me, status=s).total for s in ("open", "matched"))
    assert int(metric.value) >= waiting > 0  # and the bookings still waiting for confirmation
    assert "查看我的申请" in [link.label for link in at.get("page_link")]


def test_an_enterprise_asks_for_a_trial_from_a_recommendation(own_demo) -> None:
    me = load_actor("ent_demo")
    demand = list_demands(actor=me, page_size=1).rows[0]
    first = recommend_for_demand(actor=me, demand_id=demand.id)[0]
    at = _open("ent_demo", "recommend", {"demand": str(demand.id)})
    assert "查看成果详情" in [link.label for link in at.get("page_link")]
    message = next(w for w in at.text_area if w.label == "想说明的情况（选填）")
    message.input("用于新一代分拣机")
    _button(at, "提交试用申请").click().run()
    assert not at.exception, at.exception
    assert "试用申请已提交，可在“我的申请”中查看进展。" in texts(at)
    mine = list_requests(actor=me).rows[0]
    assert (mine.result_id, mine.kind, mine.request_status, mine.message) == (
        first.result_id, "trial", "open", "用于新一代分拣机")
    assert "试用申请处理中" in [link.label for link in at.get("page_link")]  # the button became a pointer


def test_a_results_page_offers_the_requests(demo_db) -> None:
    me = load_actor("ent_demo")
    mine = list_requests(actor=me).rows
    at = _open("ent_demo", "pool", {"result": str(mine[0].result_id)})
    page = texts(at)
    assert mine[0].result_title in page
    assert "登记意向" in _popovers(at) or "意向处理中" in [
        link.label for link in at.get("page_link")]
    operator = _open("hz_operator", "pool", {"result": str(mine[0].result_id)})
    assert "申请试用" not in _popovers(operator)  # an operator does not ask


def test_withdrawing_an_open_request(own_demo) -> None:
    at = _open("ent_demo", "my_requests")
    _button(at, "确认撤回").click().run()
    assert not at.exception, at.exception
    assert "申请已撤回。" in texts(at)
    assert "待答复" not in texts(at)  # the demo's only open request is withdrawn


def test_the_operator_signs_the_trial_and_the_enterprise_sees_it(own_demo) -> None:
    at = _open("hz_operator", "requests")
    assert "杭州恒拓智能科技有限公司" in texts(at)
    target = next(r for r in list_requests(actor=load_actor("hz_operator"), status="open").rows
                  if r.enterprise_name == "杭州恒拓智能科技有限公司")
    at.selectbox(key="requests_pick").select(target).run()
    _button(at, "签订试用").click().run()
    assert not at.exception, at.exception
    assert "已签订试用合同 XYSY-3301-" in texts(at)
    mine = texts(_open("ent_demo", "my_requests"))
    assert mine.count("已转试用") >= 2 and "已为您签订试用合同" in mine
    result = _open("ent_demo", "pool", {"result": str(target.result_id)})  # the result's own page now …
    links = [link.label for link in result.get("page_link")]
    assert any(label.startswith("试用中（XYSY-3301-") for label in links)  # … says the trial runs
    assert "申请试用" not in _popovers(result) and "登记意向" in _popovers(result)


def test_a_refusal_names_the_field(own_demo) -> None:
    at = _open("hz_operator", "requests")
    _button(at, "不予受理").click().run()
    assert "请先勾选确认。" in texts(at)
    next(c for c in at.checkbox if c.label.startswith("确认不予受理")).check()
    _button(at, "不予受理").click().run()
    assert "【给企业的答复】" in texts(at)


def test_an_enterprise_asks_for_pilot_testing(own_demo) -> None:
    at = _open("ent_demo", "pilot_bookings")
    assert "申请中试" in [tab.label for tab in at.tabs]
    _button(at, "提交中试申请").click().run()
    assert not at.exception, at.exception
    assert "已提交，等待运营机构确认。" in texts(at)
    assert texts(_open("ent_demo", "my_requests")).count("等待杭州市中试平台所在运营机构确认") >= 2


def test_the_operators_home_counts_the_requests_waiting(demo_db) -> None:
    at = signed_in("hz_operator")
    metric = next(m for m in at.metric if m.label == "待答复企业申请")
    assert int(metric.value) == open_request_count(actor=load_actor("hz_operator")) > 0
    assert "去答复" in [link.label for link in at.get("page_link")]


def test_my_requests_reads_in_english(demo_db) -> None:
    at = signed_in("ent_demo", lang="en")
    at.switch_page("../pages/my_requests.py").run()
    assert not at.exception, at.exception
    page = texts(at)
    assert "My requests" in page and "Waiting for an answer" in page and "Declined" in page
    assert "requests." not in page and "enum." not in page  # no catalogue key shows through
