"""Roadshow pages through AppTest: the operator's list and refusals, presenter mode, and the
operator's follow-up of intents (the public QR page is plain HTML: tests/test_public_page.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from streamlit.testing.v1 import AppTest

from portal.core.settings import get_settings
from portal.roadshows.intents import submit_intent
from tests.pages.conftest import signed_in, texts


def _one(db: Path, sql: str, *args) -> tuple:  # noqa: ANN002
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchone()


def _open(username: str, page: str) -> AppTest:
    at = signed_in(username)
    at.switch_page(f"../pages/{page}").run()
    assert not at.exception, at.exception
    return at


def _plan(at: AppTest, title: str, venue: str) -> None:
    """Fill the new-roadshow form (the first on the page) and submit it."""
    next(w for w in at.text_input if w.label == "路演名称").input(title)
    next(w for w in at.text_input if w.label == "地点").input(venue)
    next(b for b in at.button if b.label == "创建路演").click()
    at.run()


def test_operator_sees_its_city_roadshows_and_their_running_order(app) -> None:  # noqa: ANN001
    at = _open("hz_operator", "roadshows.py")
    body = texts(at)
    assert "路演管理" in body and "杭州“先用后转”" in body and "宁波" not in body
    assert "第 1 / 1 页，共 3 项" in body
    assert {"筹备中", "已发布", "已结束"} <= set(body.split("\n"))
    assert "讲解人" in body and "意向数" in body  # the running order's table
    assert [b.label for b in at.button if b.label == "发布"]  # the first one is a draft


def test_bad_plan_is_refused_naming_the_field(own_demo: Path) -> None:
    before = _one(own_demo, "select count(*) from roadshow")
    at = _open("hz_operator", "roadshows.py")
    _plan(at, "", "")  # title and venue left empty
    assert "【路演名称】必填。" in texts(at)
    assert _one(own_demo, "select count(*) from roadshow") == before


def test_operator_plans_a_roadshow(own_demo: Path) -> None:
    at = _open("hz_operator", "roadshows.py")
    _plan(at, "余杭未来科技城专场路演", "未来科技城会议中心")
    assert not at.exception, at.exception
    assert "已创建路演“余杭未来科技城专场路演”（筹备中）。" in texts(at)
    assert _one(own_demo, "select status, city_code from roadshow where title = ?", "余杭未来科技城专场路演") == (
        "draft", "330100")


def test_presenter_picks_only_published_and_sees_a_full_screen_card(app) -> None:  # noqa: ANN001
    at = _open("presenter", "presenter.py")
    options = at.selectbox(key="presenter_show").options
    assert len(options) == 1 and "生物医药专场路演" in options[0]  # the published Hangzhou roadshow only
    next(b for b in at.button if b.label == "开始演示").click().run()
    assert at.query_params["card"] == "1"
    html = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "1 / 5" in html and "rs-card" in html and "扫码登记合作意向" in html
    assert 'data-testid="stSidebar"' in html  # the chrome is hidden
    assert "data:image/png;base64," in html
    at.button(key="presenter_next").click().run()
    html = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "2 / 5" in html
    at.button(key="presenter_exit").click().run()
    assert "show" not in at.query_params


def test_presenter_cannot_open_a_draft_by_url(app) -> None:  # noqa: ANN001
    db = Path(get_settings().resolved_database_url.removeprefix("sqlite:///"))
    (draft,) = _one(db, "select id from roadshow where city_code = '330100' and status = 'draft'")
    at = signed_in("presenter")
    at.switch_page("../pages/presenter.py")
    at.query_params["show"] = str(draft)  # SQLite keeps uuids as 32 hex digits
    at.run()
    assert "记录不存在或不在您的权限范围内。" in texts(at)
    assert not at.get("html") or "rs-card" not in "".join(str(h.proto.body) for h in at.get("html"))


def _published_item(db: Path) -> tuple[str, str]:
    return _one(db, "select i.token, r.title from roadshow_item i join result r on r.id = i.result_id "
                    "join roadshow s on s.id = i.roadshow_id where s.status = 'published' "
                    "and s.city_code = '330100' order by i.position")


def test_operator_turns_an_intent_into_a_match(own_demo: Path) -> None:
    at = _open("hz_operator", "roadshows.py")
    closed = next(o for o in at.selectbox(key="roadshow_pick").options if "已结束" in o)
    at.selectbox(key="roadshow_pick").select(closed).run()
    before = _one(own_demo, "select count(*) from match_record where intent_id is not null")
    next(b for b in at.button if b.label == "转为对接记录").click().run()
    assert not at.exception, at.exception
    assert "已生成对接记录，可在“对接记录”中继续跟进。" in texts(at)
    assert _one(own_demo, "select count(*) from match_record where intent_id is not null") == (before[0] + 1,)
    assert "已转对接" in texts(at)


def test_presenter_card_in_english(app) -> None:  # noqa: ANN001
    at = signed_in("presenter", lang="en")
    at.switch_page("../pages/presenter.py").run()
    assert "Presenter mode" in texts(at)
    next(b for b in at.button if b.label == "Start presenting").click().run()
    html = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "Scan to register interest" in html and "months free trial" in html and "Institution" in html
    assert [b.label for b in at.button if b.key == "presenter_next"] == ["Next ▶"]


def test_presenter_is_offered_the_deck_of_the_published_roadshow(app) -> None:  # noqa: ANN001
    at = _open("presenter", "presenter.py")
    assert {b.label for b in at.download_button} == {"下载 PDF 路演稿", "下载 PPT 路演稿"}


def test_a_closed_roadshow_offers_no_changes(app) -> None:  # noqa: ANN001
    at = _open("hz_operator", "roadshows.py")
    closed = next(o for o in at.selectbox(key="roadshow_pick").options if "已结束" in o)
    at.selectbox(key="roadshow_pick").select(closed).run()
    assert not at.exception, at.exception
    labels = {b.label for b in at.button} | {b.label for b in at.form_submit_button}
    assert not labels & {"发布", "结束路演", "上移", "下移", "移除", "加入路演", "保存修改"}
    assert "保存到场情况" in labels or "登记报名企业" in labels  # attendance is still recorded
    assert "转为对接记录" in labels  # and its intents still followed up


def _two_from_one_company(db: Path) -> str:
    """Two public submissions with one credit code for the published Hangzhou roadshow's first result."""
    from tests.factories import credit_code

    token, _ = _published_item(db)
    code = credit_code("330106")
    for person in ("王经理", "王五"):  # the public page (portal/web/public.py) calls this service
        submit_intent(token=token, company_name="杭州扫码测试科技有限公司", credit_code=code,
                      contact_person=person, phone="13812345678", wants=["trial"])
    return code


def test_operator_sees_a_companys_submissions_side_by_side_and_merges_them(own_demo: Path) -> None:
    code = _two_from_one_company(own_demo)
    at = _open("hz_operator", "roadshows.py")
    published = next(o for o in at.selectbox(key="roadshow_pick").options if "已发布" in o)
    at.selectbox(key="roadshow_pick").select(published).run()
    body = texts(at)
    assert "可能重复" in body and body.count("⚠ 同一企业另有 1 条") == 2
    assert "同一企业的多条登记：对照与合并" in [e.label for e in at.expander]
    assert {"王经理 13812345678", "王五 13812345678"} <= {line for e in at.text for line in e.value.split("\n")}
    keep = next(r for r in at.radio if r.label == "保留哪一条")
    merge = next(m for m in at.multiselect if m.label == "合并到保留的一条")
    merge.select(merge.options[1])
    keep.set_value(keep.options[0])
    next(b for b in at.form_submit_button if b.label == "合并").click().run()
    assert not at.exception, at.exception
    assert "已合并 1 条重复登记。" in texts(at)
    rows = _one(own_demo, "select count(*), count(merged_into_id) from intent where credit_code = ?", code)
    assert rows == (2, 1)  # both kept, one merged into the other
    assert "已合并" in texts(at)


def test_operator_page_has_no_merge_without_repeats(app) -> None:  # noqa: ANN001
    at = _open("hz_operator", "roadshows.py")
    published = next(o for o in at.selectbox(key="roadshow_pick").options if "已发布" in o)
    at.selectbox(key="roadshow_pick").select(published).run()
    assert "⚠ 同一企业另有" not in texts(at)
    assert "同一企业的多条登记：对照与合并" not in [e.label for e in at.expander]


LOCAL_WARNING = "⚠ 二维码指向 http://localhost:8501：这是本机地址，现场观众的手机扫码无法打开。"


def test_loopback_qr_codes_are_warned_about_on_the_roadshow_and_presenter_pages(app) -> None:  # noqa: ANN001
    at = _open("hz_operator", "roadshows.py")  # a draft about to be published
    assert [b.label for b in at.button if b.label == "发布"] and LOCAL_WARNING in texts(at)
    at = _open("presenter", "presenter.py")
    assert LOCAL_WARNING in texts(at)
    next(b for b in at.button if b.label == "开始演示").click().run()
    (warning,) = [e.value for e in at.error]
    html = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert warning.startswith("⚠ 二维码指向 http://localhost:8501/intent?t=")  # the very address the card encodes
    assert "rs-card" in html


def test_no_warning_once_the_public_base_url_is_reachable(app, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PORTAL_PUBLIC_BASE_URL", "https://portal.example.gov.cn")
    get_settings.cache_clear()
    at = _open("hz_operator", "roadshows.py")
    assert [b.label for b in at.button if b.label == "发布"] and "二维码指向" not in texts(at)
    at = _open("presenter", "presenter.py")
    next(b for b in at.button if b.label == "开始演示").click().run()
    assert not at.error and "二维码指向" not in texts(at)


def test_attendance_desk_refuses_a_markup_name(own_demo: Path) -> None:
    at = _open("hz_operator", "roadshows.py")
    published = next(o for o in at.selectbox(key="roadshow_pick").options if "已发布" in o)
    at.selectbox(key="roadshow_pick").select(published).run()
    (before,) = _one(own_demo, "select count(*) from roadshow_attendance")
    from tests.factories import credit_code

    form = [w for w in at.text_input if w.label in ("企业名称", "统一社会信用代码")]
    form[-2].input("<script>alert(1)</script>")
    form[-1].input(credit_code("330106"))
    next(b for b in at.form_submit_button if b.label == "登记报名企业").click().run()
    assert "【企业名称】不能包含网页标记或链接" in texts(at)
    assert _one(own_demo, "select count(*) from roadshow_attendance") == (before,)
