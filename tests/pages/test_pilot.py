"""Pilot pages as users see them: the catalogue, booking with its refusal, the lifecycle, the
calendar and utilization, and what each role may do."""

from __future__ import annotations

from datetime import timedelta

from portal.clock import today
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
    assert "材料中试线" in shown and "¥3,000.00" in shown
    assert "宁波新材料中试基地" not in shown  # the operator's city is chosen first
    assert "管理平台" in shown
    at = _open(app, "presenter", "pilot_platforms")
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
    ref = texts(at).split("已提交预约 ")[1][:8]
    at = _new_booking(at, "洁净封装间", FAR + timedelta(days=2), FAR + timedelta(days=4))
    errors = [e.value for e in at.error]
    assert any("【预约日期】" in e and "已满" in e and ref in e for e in errors), errors
    at = _new_booking(at, "洁净封装间", FAR + timedelta(days=9), FAR + timedelta(days=8))
    assert "【结束日期】结束日期不能早于开始日期。" in [e.value for e in at.error]


def test_operator_confirms_a_booking_and_the_list_shows_it(app) -> None:
    at = _open(app, "hz_operator", "pilot_bookings")
    at = _new_booking(at, "材料中试线", FAR + timedelta(days=20), FAR + timedelta(days=21))
    ref = texts(at).split("已提交预约 ")[1][:8]
    at.date_input(key="pilot_list_since").set_value(FAR + timedelta(days=20))
    at.run()
    [frame] = tables(at)
    assert list(frame["预约号"]) == [ref] and list(frame["状态"]) == ["已申请"]
    assert list(frame["费用"]) == ["¥6,000.00"]  # 2 days × ¥3,000
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
