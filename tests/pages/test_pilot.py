"""Pilot pages as users see them: the catalogue, booking with its refusal, the lifecycle, the
calendar and utilization, and what each role may do."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from portal.core.clock import today
from tests.pages.conftest import tables, texts

FAR = today() + timedelta(days=500)  # no demo booking reaches this far: the page tests own it


def _open(app, user: str, page: str, **kw):  # noqa: ANN001, ANN202
    at = app(user, **kw)
    at.switch_page(f"../pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _shown(at) -> str:  # noqa: ANN001
    return texts(at) + "\n" + "\n".join(e.label for e in at.expander)


def _pick(box, text: str) -> None:  # noqa: ANN001
    box.select_index(next(i for i, o in enumerate(box.options) if text in o))


def test_catalogue_shows_platforms_resources_and_manage_forms_to_the_citys_operator(app) -> None:
    at = _open(app, "hz_operator", "pilot_platforms")
    shown = _shown(at)
    assert "浙江大学杭州国际科创中心中试基地" in shown and "杭州市生物医药概念验证中心" in shown
    assert "材料中试线" in shown and "3000.00" in shown  # a money column: the value, formatted by the grid
    assert "宁波新材料中试基地" not in shown  # the operator's city is chosen first
    assert "管理平台" in shown
    with pytest.raises(ValueError):  # presenters see only published roadshow cards: no such page
        _open(app, "presenter", "pilot_platforms")
    at = _open(app, "zju_officer", "pilot_platforms")  # every other signed-in user browses
    assert "浙江大学杭州国际科创中心中试基地" in _shown(at) and "管理平台" not in _shown(at)


def test_english_labels(app) -> None:
    at = _open(app, "hz_operator", "pilot_platforms", lang="en")
    assert at.title[0].value == "Pilot platforms"
    assert "Manage platforms" in texts(at)


def _new_booking(at, resource: str, start, end):  # noqa: ANN001, ANN202
    _pick(at.selectbox(key="pilot_new_platform"), "浙江大学杭州国际科创中心中试基地")
    at.run()
    _pick(at.selectbox(key="pilot_new_resource"), resource)
    at.text_input(key="pilot_new_ent_q").input("恒拓")
    at.run()
    dates = [d for d in at.date_input if d.label in ("开始日期", "结束日期")]
    dates[0].set_value(start)
    dates[1].set_value(end)
    next(b for b in at.button if b.label == "新建预约").click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_operator_books_then_a_clash_is_refused_naming_the_booking(app) -> None:
    at = _open(app, "hz_operator", "pilot_bookings")
    at = _new_booking(at, "洁净封装间", FAR, FAR + timedelta(days=2))
    assert "已提交预约" in texts(at)
    ref = texts(at).split("已提交预约 ")[1].split("。")[0]
    at = _new_booking(at, "洁净封装间", FAR + timedelta(days=2), FAR + timedelta(days=4))
    errors = [e.value for e in at.error]
    assert any("【预约日期】" in e and "已满" in e and ref in e for e in errors), errors
    at = _new_booking(at, "洁净封装间", FAR + timedelta(days=9), FAR + timedelta(days=8))
    assert "【结束日期】结束日期不能早于开始日期。" in [e.value for e in at.error]


def test_operator_confirms_a_booking_and_the_list_shows_it(app) -> None:
    at = _open(app, "hz_operator", "pilot_bookings")
    at = _new_booking(at, "材料中试线", FAR + timedelta(days=20), FAR + timedelta(days=21))
    ref = texts(at).split("已提交预约 ")[1].split("。")[0]
    at.date_input(key="pilot_list_since").set_value(FAR + timedelta(days=20))
    at.run()
    [frame] = tables(at)
    assert list(frame["预约号"]) == [ref] and list(frame["状态"]) == ["已申请"]
    assert list(frame["费用"]) == [Decimal("6000.00")]  # 2 days × ¥3,000, a money column (sorted by amount)
    next(b for b in at.button if b.label == "执行").click()  # the first action offered is confirm
    at.run()
    assert f"预约 {ref} 已更新为“已确认”" in texts(at)
    assert list(tables(at)[0]["状态"]) == ["已确认"]


def test_enterprise_sees_only_its_own_bookings_and_no_forms(app) -> None:
    at = _open(app, "ent_demo", "pilot_bookings")
    [frame] = tables(at)
    assert len(frame) > 0 and set(frame["企业"]) == {"杭州恒拓智能科技有限公司"}
    assert not [b for b in at.button if b.label in ("新建预约", "执行")]


def test_calendar_and_utilization(app) -> None:
    at = _open(app, "hz_operator", "pilot_calendar")
    shown = texts(at)
    assert "格中数字为空闲并行名额" in shown and "本期预约" in shown
    assert "各市月度利用率" in shown and "各平台月度利用率" in shown
    at.radio(key="pilot_cal_view").set_value("month").run()
    assert not at.exception
    at = _open(app, "zj_manager", "pilot_calendar")
    assert "各市月度利用率" in texts(at) and "各平台月度利用率" not in texts(at)  # all cities: by city only


def _button(at, label: str, index: int = 0):  # noqa: ANN001, ANN202
    return [b for b in at.button if b.label == label][index]


def test_operator_adds_a_platform_then_runs_a_pilot_to_done_with_a_trl_raise(app) -> None:
    at = _open(app, "hz_operator", "pilot_platforms")
    [w for w in at.text_input if w.label == "平台名称"][0].input("页面测试中试平台")
    _button(at, "保存", 0).click()
    at.run()
    assert "已新增平台“页面测试中试平台”。" in texts(at)
    _pick(at.selectbox(key="pilot_res_pick"), "页面测试中试平台")
    at.run()
    [w for w in at.text_input if w.label == "设备 / 产线名称"][-1].input("页面测试反应釜")
    [w for w in at.text_input if w.label == "价格（元/天）"][-1].input("1.5")
    _button(at, "保存", -1).click()
    at.run()
    assert "【价格（元/天）】" not in texts(at)  # 1.5 is a valid amount
    assert "已新增设备“页面测试反应釜”。" in texts(at)

    at = _open(app, "hz_operator", "pilot_bookings")
    _pick(at.selectbox(key="pilot_new_platform"), "页面测试中试平台")
    at.run()
    _button(at, "新建预约").click()  # today → today on the new resource
    at.run()
    ref = texts(at).split("已提交预约 ")[1].split("。")[0]
    at.text_input(key="pilot_list_enterprise").input(at.selectbox(key="pilot_new_enterprise").value.label)
    at.date_input(key="pilot_list_since").set_value(today())
    at.date_input(key="pilot_list_until").set_value(today())
    at.run()
    for action, status in (("confirm", "已确认"), ("start", "进行中")):
        _pick(at.selectbox(key="pilot_act_pick"), ref)
        at.run()
        at.radio(key="pilot_act_action").set_value(action).run()
        _button(at, "执行").click()
        at.run()
        assert f"预约 {ref} 已更新为“{status}”" in texts(at), texts(at)
    _pick(at.selectbox(key="pilot_act_pick"), ref)
    at.run()
    at.radio(key="pilot_act_action").set_value("finish").run()
    _button(at, "执行").click()  # no outcome yet
    at.run()
    assert "【中试结果摘要】必填。" in [e.value for e in at.error]
    at.text_area[0].input("连续运行 48 小时，指标达标")
    at.selectbox[-1].select(9)
    _button(at, "执行").click()  # a TRL without a reason is refused, nothing changes
    at.run()
    assert "【提高理由】必填。" in [e.value for e in at.error]
    at.text_input[-1].input("中试线验证通过")
    _button(at, "执行").click()
    at.run()
    assert f"预约 {ref} 已更新为“已完成”" in texts(at)
    frame = tables(at)[0]
    row = frame[frame["预约号"] == ref]
    assert list(row["状态"]) == ["已完成"] and list(row["中试结果"]) == ["连续运行 48 小时，指标达标"]
