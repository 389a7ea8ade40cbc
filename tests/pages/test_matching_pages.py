"""供需荟 pages as users see them: the city's demands, posting with a refusal, recommendations with
their reasons, the pipeline with overdue follow-ups, and an enterprise's own view."""

from __future__ import annotations

from portal.core.auth import load_actor
from portal.hub import demands
from portal.hub.demands import list_demands
from portal.hub.matches import list_matches, pipeline
from tests.pages.conftest import signed_in, tables, texts


def _open(user: str, page: str, params: dict | None = None, **kw):  # noqa: ANN001, ANN202
    at = signed_in(user, **kw)
    at.switch_page(f"../pages/{page}.py")
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_operator_sees_only_its_city_demands(demo_db) -> None:
    hz = {r.title for r in list_demands(actor=load_actor("hz_operator"), page_size=200).rows}
    at = _open("hz_operator", "demands")
    shown = set(tables(at)[0]["需求"])
    assert shown and shown <= hz
    assert f"共 {len(hz)} 条需求" in texts(at)
    nb_only = {r.title for r in list_demands(actor=load_actor("nb_operator"), page_size=200).rows} - hz
    assert nb_only and not (nb_only & shown)


def test_posting_a_demand_and_a_refusal_naming_the_field(own_demo) -> None:
    at = _open("hz_operator", "demands")
    title = next(w for w in at.text_input if w.label == "需求标题")
    title.input("染布的废水颜色太深")
    next(w for w in at.text_input if w.label == "预算下限（元）").input("300000")
    next(w for w in at.text_input if w.label == "预算上限（元）").input("100000")
    next(b for b in at.button if b.label == "发布").click().run()
    assert "【预算上限（元）】不能低于预算下限。" in texts(at)
    next(w for w in at.text_input if w.label == "预算上限（元）").input("500000")
    next(b for b in at.button if b.label == "发布").click().run()
    assert "已发布需求“染布的废水颜色太深”。" in texts(at)


def test_recommendations_show_why_for_a_plain_worded_demand(demo_db) -> None:
    me = load_actor("hz_operator")
    rows = list_demands(actor=me, page_size=200).rows
    demand = next((r for r in rows if r.title == "冬天胶水不干"), None)
    assert demand is not None, "the demo gives Hangzhou this plain-worded demand"
    at = _open("hz_operator", "recommend", {"demand": str(demand.id)})
    page = texts(at)
    assert at.selectbox[0].value.id == demand.id  # the demand opened from the list
    assert "匹配原因：" in page and "匹配度 100" in page
    assert "固化剂（由“胶水”联想）" in page  # 冬天胶水不干: plain words bridged to the result's terms
    assert "试用名额" in page


def test_out_of_scope_demand_is_not_shown(demo_db) -> None:
    nb = list_demands(actor=load_actor("nb_operator"), page_size=1).rows[0]
    at = _open("hz_operator", "recommend", {"demand": str(nb.id)})
    assert "记录不存在或不在您的权限范围内。" in texts(at)
    assert "匹配原因" not in texts(at)


def test_pipeline_counts_stages_and_flags_overdue(demo_db) -> None:
    me = load_actor("hz_operator")
    board = {c.stage: c for c in pipeline(actor=me)}
    at = _open("hz_operator", "matches")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已接触"] == str(board["contacted"].total)
    assert metrics["已终止"] == str(board["dropped"].total)
    overdue = [r for r in list_matches(actor=me, page_size=50).rows if r.overdue]
    frame = tables(at)[0]
    assert (frame["逾期"] == "⚠ 逾期").sum() == len(overdue)


def test_enterprise_sees_its_own_demands_and_recommendations(demo_db) -> None:
    me = load_actor("ent_demo")
    own = list_demands(actor=me, page_size=200).rows
    at = _open("ent_demo", "demands")
    if own:
        assert set(tables(at)[0]["企业"]) == {own[0].enterprise_name}
    else:
        assert "暂无需求。" in texts(at)
    at = _open("ent_demo", "recommend")
    assert ("匹配原因：" in texts(at)) if own else ("暂无可推荐的需求，请先发布需求。" in texts(at))


def test_operator_records_a_contact_from_the_pipeline(own_demo) -> None:
    me = load_actor("hz_operator")
    before = pipeline(actor=me)[0].total
    at = _open("hz_operator", "matches")
    at.text_input(key="new_match_q").input("石墨烯 散热").run()
    assert not at.exception, at.exception
    next(w for w in at.text_input if w.label == "参与人员").input("张工")
    next(b for b in at.button if b.label == "记录对接").click().run()
    assert "已记录对接，可在“撮合对接”中跟进。" in texts(at)
    assert pipeline(actor=me)[0].total == before + 1


def test_pages_in_english(demo_db) -> None:
    at = _open("hz_operator", "recommend", lang="en")
    assert "Why: " in texts(at) and "Match 100" in texts(at)
    at = _open("hz_operator", "matches", lang="en")
    assert {"Stage", "Next follow-up"} <= set(tables(at)[0].columns)
    at = _open("hz_operator", "demands", lang="en")
    assert {"Demand", "Enterprise", "Budget"} <= set(tables(at)[0].columns)


def test_demand_export_is_built_only_when_asked(app) -> None:  # noqa: ANN001
    at = app("hz_operator")
    at.switch_page("../pages/demands.py").run()
    assert not at.exception
    labels = [b.label for b in at.button]
    assert "生成导出文件" in labels
    assert not [d for d in at.get("download_button") if d.proto.label == "导出当前筛选结果"]
    next(b for b in at.button if b.label == "生成导出文件").click().run()
    assert [d for d in at.get("download_button") if d.proto.label == "导出当前筛选结果"]


def test_province_admin_records_a_contact_for_the_agency_it_picks(own_demo) -> None:
    ningbo = pipeline(actor=load_actor("nb_operator"))[0].total
    at = _open("zj_admin", "matches")
    at.text_input(key="new_match_q").input("石墨烯 散热").run()
    assert not at.exception, at.exception
    from db.engine import read_session
    from db.models import Result
    from portal.core.regions import region_name
    from portal.search.recommend import find_listed_results

    first = find_listed_results(actor=load_actor("zj_admin"), query="石墨烯 散热")[0]  # the one picked
    with read_session() as s:
        city = s.get(Result, first.id).city_code
    assert city != "330200"  # so that picking Ningbo's agency is picking another city's
    agency = next(w for w in at.selectbox if w.label == "运营机构")
    assert region_name(city, "zh") in agency.options[0]  # the result's city's agencies first
    agency.select_index(next(i for i, o in enumerate(agency.options) if "宁波市" in o))
    next(w for w in at.text_input if w.label == "参与人员").input("省厅 周处长")
    next(b for b in at.button if b.label == "记录对接").click().run()
    assert "已记录对接，可在“撮合对接”中跟进。" in texts(at)
    assert pipeline(actor=load_actor("nb_operator"))[0].total == ningbo + 1  # recorded for Ningbo's agency


def test_city_operator_gets_no_agency_picker(demo_db) -> None:
    at = _open("hz_operator", "matches")
    at.text_input(key="new_match_q").input("石墨烯 散热").run()
    assert "运营机构" not in [w.label for w in at.selectbox]


def test_a_bad_import_is_refused_whole_and_offers_the_error_sheet(own_demo) -> None:
    import io

    from openpyxl import Workbook

    from portal.hub.demand_sheets import COLUMNS

    book = Workbook()
    book.active.append([c.header("zh") for c in COLUMNS])
    book.active.append(["91330106MA27XXXXXX", "", "", "玄学", "", None, None, None, "试用"])
    data = io.BytesIO()
    book.save(data)
    me = load_actor("hz_operator")
    before = list_demands(actor=me, page_size=1).total
    at = _open("hz_operator", "demands")
    at.file_uploader[0].upload("demands.xlsx", data.getvalue(),
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").run()
    next(b for b in at.button if b.label == "导入").click().run()
    assert not at.exception, at.exception
    assert any("未导入任何数据" in e.value for e in at.error)
    assert set(tables(at)[-1]["列"]) == {"统一社会信用代码", "需求标题", "技术领域"}
    assert [d for d in at.get("download_button") if d.proto.label == "下载错误清单"]
    assert list_demands(actor=me, page_size=1).total == before


def test_recommendations_say_when_they_rank_by_keywords_and_when_nothing_fits(own_demo) -> None:
    # the demo's 300 results have no vectors until `portal demo` / `portal search embed` computes them
    me = load_actor("ent_demo")
    demand = demands.create_demand(actor=me, data={
        "title": "想找人设计婚礼请柬", "description": "下个月办婚礼，想找人设计请柬和喜糖盒。", "field": "digital",
        "cooperation": "trial"})
    at = _open("ent_demo", "recommend", {"demand": str(demand.id)})
    page = texts(at)
    assert "当前仅按关键词排序" in page
    assert "暂时没有足够匹配的成果——已告知运营人员" in page and "匹配原因" not in page
    at = _open("hz_operator", "recommend")
    assert [e.label for e in at.expander][:1] == ["暂无合适成果的需求（1）"]  # the operator has been told
    assert "想找人设计婚礼请柬 · 杭州恒拓智能科技有限公司" in texts(at)
