"""Roadshows: planning, running order, publish/close, presenter visibility, cards, attendance,
numbers and tenancy (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import AuditEntry, Roadshow, RoadshowItem
from portal.core.clock import TZ, today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.roadshows.attendance import list_attendance, register_attendance, set_present
from portal.roadshows.cards import cards
from portal.roadshows.items import add_item, list_items, move_item, remove_item, reorder_items
from portal.roadshows.listing import get_roadshow, list_roadshows
from portal.roadshows.plans import (
    RoadshowInput,
    close_roadshow,
    create_roadshow,
    publish_roadshow,
    update_roadshow,
)
from portal.roadshows.summary import summary
from tests.factories import make_result, make_trial


def _start() -> datetime:
    return datetime.combine(today() + timedelta(days=7), datetime.min.time(), tzinfo=TZ).replace(hour=14)


def plan(city, title: str = "杭州新材料专场路演", n_items: int = 0, publish: bool = False):  # noqa: ANN001, ANN201
    """A roadshow of city's operator with n_items listed results (optionally published)."""
    show = create_roadshow(actor=city.operator, data=RoadshowInput(
        title=title, starts_at=_start(), ends_at=_start() + timedelta(hours=3), theme_field="new_materials",
        venue="杭州科技大市场路演厅"))
    results = [city.result] + [make_result(city.licensor, title=f"成果{n}号：一种新型复合材料") for n in range(1, n_items)]
    items = [add_item(actor=city.operator, roadshow_id=show.id, result_id=r.id,
                                presenter_name=f"讲解人{n}", slot_start=_start() + timedelta(minutes=15 * n))
             for n, r in enumerate(results[:n_items])]
    if publish:
        publish_roadshow(actor=city.operator, roadshow_id=show.id)
    return show, items


def _count(model) -> int:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_plan_add_reorder_publish_close(world) -> None:  # noqa: ANN001
    show, items = plan(world.hz, n_items=3)
    assert show.status == "draft" and show.city_code == "330100" and show.agency_id == world.hz.agency.id
    assert [i.position for i in items] == [1, 2, 3]
    move_item(actor=world.hz.operator, item_id=items[2].id, step=-1)
    order = [row.id for row in list_items(actor=world.hz.operator, roadshow_id=show.id)]
    assert order == [items[0].id, items[2].id, items[1].id]
    reorder_items(actor=world.hz.operator, roadshow_id=show.id, item_ids=[items[1].id, items[0].id, items[2].id])
    rows = list_items(actor=world.hz.operator, roadshow_id=show.id)
    assert [(r.id, r.position) for r in rows] == [(items[1].id, 1), (items[0].id, 2), (items[2].id, 3)]
    remove_item(actor=world.hz.operator, item_id=items[0].id)
    rows = list_items(actor=world.hz.operator, roadshow_id=show.id)
    assert [(r.id, r.position) for r in rows] == [(items[1].id, 1), (items[2].id, 2)]
    assert publish_roadshow(actor=world.hz.operator, roadshow_id=show.id).status == "published"
    assert close_roadshow(actor=world.hz.operator, roadshow_id=show.id).status == "closed"
    with Session(get_engine()) as s:
        actions = set(s.exec(select(AuditEntry.action).where(AuditEntry.city_code == "330100")).all())
    assert {"roadshow.create", "roadshow.item_add", "roadshow.item_move", "roadshow.item_remove",
            "roadshow.publish", "roadshow.close"} <= actions


BAD_PLANS = [
    (dict(title=""), "error.required", "roadshow_title"),
    (dict(venue="", online_link=""), "roadshows.error.venue_or_link", "roadshow_venue"),
    (dict(online_link="ftp://x"), "roadshows.error.link_shape", "roadshow_online_link"),
    (dict(theme_field="astrology"), "error.bad_choice", "roadshow_theme"),
    (dict(county_code="330203"), "roadshows.error.county_not_in_city", "county"),  # a Ningbo district
    (dict(ends_at="2020-01-01T10:00"), "roadshows.error.ends_before_start", "roadshow_ends_at"),
    (dict(starts_at="next tuesday"), "roadshows.error.datetime_shape", "roadshow_starts_at"),
]


def test_bad_plan_is_refused_naming_the_field(world) -> None:  # noqa: ANN001
    for change, key, field in BAD_PLANS:
        data = dict(title="路演", starts_at=_start(), venue="路演厅")
        data.update(change)
        with pytest.raises(ValidationError) as err:
            create_roadshow(actor=world.hz.operator, data=RoadshowInput(**data))
        assert (err.value.key, err.value.field) == (key, field), change
    assert _count(Roadshow) == 0


def test_items_must_be_listed_unique_and_publish_needs_one(world) -> None:  # noqa: ANN001
    show, _ = plan(world.hz)
    with pytest.raises(ValidationError) as err:
        publish_roadshow(actor=world.hz.operator, roadshow_id=show.id)
    assert err.value.key == "roadshows.error.no_items"
    draft = make_result(world.hz.licensor, status="draft", title="未上架成果")
    with pytest.raises(ValidationError) as err:
        add_item(actor=world.hz.operator, roadshow_id=show.id, result_id=draft.id, presenter_name="张三")
    assert (err.value.key, err.value.field) == ("roadshows.error.result_not_listed", "roadshow_result")
    add_item(actor=world.hz.operator, roadshow_id=show.id, result_id=world.hz.result.id, presenter_name="张三")
    with pytest.raises(ValidationError) as err:
        add_item(actor=world.hz.operator, roadshow_id=show.id, result_id=world.hz.result.id, presenter_name="李四")
    assert err.value.key == "roadshows.error.result_already_on"
    with pytest.raises(ValidationError) as err:  # presenter required
        add_item(actor=world.hz.operator, roadshow_id=show.id, result_id=world.nb.result.id)
    assert err.value.field == "roadshow_presenter"
    with pytest.raises(ValidationError) as err:  # a slot before the show starts
        add_item(actor=world.hz.operator, roadshow_id=show.id, result_id=world.nb.result.id,
                           presenter_name="李四", slot_start=_start() - timedelta(hours=1))
    assert err.value.field == "roadshow_slot_start"
    with pytest.raises(ValidationError):  # a Ningbo presenter account on a Hangzhou roadshow
        add_item(actor=world.hz.operator, roadshow_id=show.id, result_id=world.nb.result.id,
                           presenter_user_id=world.nb.presenter.user_id)
    # a listed result of another city's pool may be presented (the pool is province-wide)
    item = add_item(actor=world.hz.operator, roadshow_id=show.id, result_id=world.nb.result.id,
                              presenter_user_id=world.hz.presenter.user_id)
    assert item.presenter_name == world.hz.presenter.display_name and item.position == 2
    assert _count(RoadshowItem) == 2


def test_closed_roadshow_cannot_change(world) -> None:  # noqa: ANN001
    show, items = plan(world.hz, n_items=1, publish=True)
    close_roadshow(actor=world.hz.operator, roadshow_id=show.id)
    with pytest.raises(ValidationError) as err:
        add_item(actor=world.hz.operator, roadshow_id=show.id, result_id=world.nb.result.id, presenter_name="李四")
    assert err.value.key == "roadshows.error.closed"
    with pytest.raises(ValidationError):
        publish_roadshow(actor=world.hz.operator, roadshow_id=show.id)
    assert _count(RoadshowItem) == 1


def test_presenter_sees_only_published_roadshows_of_its_city(world) -> None:  # noqa: ANN001
    draft, _ = plan(world.hz, title="筹备中的路演", n_items=1)
    live, _ = plan(world.hz, title="已发布的路演", n_items=1, publish=True)
    plan(world.nb, title="宁波路演", n_items=1, publish=True)
    page = list_roadshows(actor=world.hz.presenter)
    assert [r.title for r in page.rows] == ["已发布的路演"] and page.total == 1
    assert cards(actor=world.hz.presenter, roadshow_id=live.id)
    with pytest.raises(NotFound):
        cards(actor=world.hz.presenter, roadshow_id=draft.id)
    with pytest.raises(NotFound):
        get_roadshow(actor=world.hz.presenter, roadshow_id=draft.id)
    close_roadshow(actor=world.hz.operator, roadshow_id=live.id)
    with pytest.raises(NotFound):
        cards(actor=world.hz.presenter, roadshow_id=live.id)
    with pytest.raises(PermissionDenied):  # presenters only read
        publish_roadshow(actor=world.hz.presenter, roadshow_id=draft.id)
    # the operator sees all three of its own city, the province all four
    assert list_roadshows(actor=world.hz.operator).total == 2
    assert list_roadshows(actor=world.admin).total == 3


def test_hangzhou_operator_cannot_read_or_change_a_ningbo_roadshow(world) -> None:  # noqa: ANN001
    show, items = plan(world.nb, title="宁波路演", n_items=1)
    op = world.hz.operator
    for call in (lambda: get_roadshow(actor=op, roadshow_id=show.id),
                 lambda: cards(actor=op, roadshow_id=show.id),
                 lambda: list_items(actor=op, roadshow_id=show.id),
                 lambda: summary(actor=op, roadshow_id=show.id),
                 lambda: list_attendance(actor=op, roadshow_id=show.id),
                 lambda: publish_roadshow(actor=op, roadshow_id=show.id),
                 lambda: update_roadshow(actor=op, roadshow_id=show.id,
                                                   data=RoadshowInput(title="改名", starts_at=_start(), venue="x")),
                 lambda: add_item(actor=op, roadshow_id=show.id, result_id=world.hz.result.id,
                                            presenter_name="张三"),
                 lambda: remove_item(actor=op, item_id=items[0].id),
                 lambda: move_item(actor=op, item_id=items[0].id, step=1),
                 lambda: register_attendance(actor=op, roadshow_id=show.id, company_name="某公司",
                                                       credit_code=world.hz.enterprise.credit_code)):
        with pytest.raises((NotFound, PermissionDenied)):
            call()
    assert list_roadshows(actor=op).total == 0
    with Session(get_engine()) as s:
        assert s.get(Roadshow, show.id).status == "draft" and s.get(Roadshow, show.id).title == "宁波路演"


def test_card_content_for_a_result(world) -> None:  # noqa: ANN001
    hz = world.hz
    result = make_result(hz.licensor, title="一种高导热石墨烯复合散热膜", trial_months=6, max_trial_licensees=3,
                         summary_plain="把手机和服务器的热量更快导出去，成本比铜箔低三成。",
                         advantages="导热系数 1500 W/mK\n- 厚度仅 25 微米\n\n可卷对卷量产")
    make_trial(result, hz.enterprise, hz.agency)  # one trial running today
    make_trial(result, world.nb.enterprise, hz.agency, status="terminated")  # not running
    show = create_roadshow(actor=hz.operator, data=RoadshowInput(
        title="新材料专场", starts_at=_start(), venue="路演厅"))
    add_item(actor=hz.operator, roadshow_id=show.id, result_id=hz.result.id, presenter_name="甲")
    add_item(actor=hz.operator, roadshow_id=show.id, result_id=result.id, presenter_name="王老师")
    publish_roadshow(actor=hz.operator, roadshow_id=show.id)
    card = cards(actor=hz.presenter, roadshow_id=show.id)[1]
    assert (card.position, card.total) == (2, 2)
    assert card.title == "一种高导热石墨烯复合散热膜" and card.institution == hz.licensor.name
    assert card.field == "new_materials" and card.trl == 5
    assert card.summary == "把手机和服务器的热量更快导出去，成本比铜箔低三成。"
    assert card.advantages == ["导热系数 1500 W/mK", "厚度仅 25 微米", "可卷对卷量产"]
    assert (card.trial_months, card.max_licensees, card.slots_left) == (6, 3, 2)
    assert card.agency_name == hz.agency.name and card.presenter_name == "王老师"
    assert card.url.endswith(f"/intent?t={card.token}")
    first = cards(actor=hz.presenter, roadshow_id=show.id)[0]
    assert first.slots_left is None  # no limit on the result or its licensor


def test_attendance_merges_by_company(world) -> None:  # noqa: ANN001
    show, _ = plan(world.hz, n_items=1, publish=True)
    code = world.hz.enterprise.credit_code
    register_attendance(actor=world.hz.operator, roadshow_id=show.id, company_name="恒拓", credit_code=code)
    row = register_attendance(actor=world.hz.operator, roadshow_id=show.id,
                                        company_name="杭州恒拓科技有限公司", credit_code=code.lower())
    set_present(actor=world.hz.operator, attendance_id=row.id, present=True)
    rows = list_attendance(actor=world.hz.operator, roadshow_id=show.id)
    assert [(r.company_name, r.present) for r in rows] == [("杭州恒拓科技有限公司", True)]
    with pytest.raises(ValidationError) as err:
        register_attendance(actor=world.hz.operator, roadshow_id=show.id, company_name="某公司",
                                      credit_code="91330106ABCDEFGHIJ")
    assert err.value.field == "credit_code"
    assert len(list_attendance(actor=world.hz.operator, roadshow_id=show.id)) == 1


# --- QR codes phones cannot open -----------------------------------------------------------------

LOCAL_BASES = ["http://localhost:8501", "http://LOCALHOST.:8601/", "http://127.0.0.1:8501", "http://127.8.9.1",
               "http://127.1:8501", "http://[::1]:8501", "http://0.0.0.0:8501", "http://[::]:8501", "http://0:8501",
               "http://[::ffff:127.0.0.1]/", "http://app.localhost:8501", "localhost:8501", "", "http://[::1"]
PUBLIC_BASES = ["https://portal.example.gov.cn", "http://192.168.1.20:8501", "http://10.0.0.5:8501",
                "https://xianyong.zj.gov.cn/portal", "http://[2001:db8::1]:8501", "http://localhost-portal.cn"]


def test_loopback_and_unspecified_bases_are_told_apart_from_reachable_ones() -> None:
    from portal.roadshows.links import phones_cannot_open

    assert [u for u in LOCAL_BASES if not phones_cannot_open(u)] == []
    assert [u for u in PUBLIC_BASES if phones_cannot_open(u)] == []


@pytest.fixture
def public_base(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Set PORTAL_PUBLIC_BASE_URL for one test: base_url(value)."""
    from portal.core.settings import get_settings

    def base_url(value: str) -> None:
        monkeypatch.setenv("PORTAL_PUBLIC_BASE_URL", value)
        get_settings.cache_clear()

    yield base_url
    get_settings.cache_clear()


def _pdf_text_runs(data: bytes) -> int:
    """How many text-showing operators the PDF's page streams (ASCII85 over Flate) hold."""
    import base64
    import re
    import zlib

    runs = 0
    for stream in re.findall(rb"\bstream\r?\n(.*?)\s*endstream", data, re.S):
        try:
            content = zlib.decompress(base64.a85decode(stream[:-2]) if stream.endswith(b"~>") else stream)
        except (ValueError, zlib.error):
            continue
        runs += len(re.findall(rb"\bTj\b|\bTJ\b", content))
    return runs


def _pptx_cover(data: bytes) -> str:
    import io

    from pptx import Presentation

    cover = Presentation(io.BytesIO(data)).slides[0]
    return "\n".join(shape.text_frame.text for shape in cover.shapes if shape.has_text_frame)


def test_decks_and_publishing_warn_while_qr_codes_point_at_this_machine(world, public_base, caplog) -> None:  # noqa: ANN001
    from portal.roadshows import decks

    public_base("http://localhost:8601")
    with caplog.at_level("WARNING", logger="portal.roadshows.plans"):
        show, _ = plan(world.hz, n_items=1, publish=True)
    assert any("http://localhost:8601" in r.getMessage() for r in caplog.records)
    cover = _pptx_cover(decks.deck_pptx(actor=world.hz.operator, roadshow_id=show.id))
    assert "二维码指向本机地址 http://localhost:8601" in cover and "PORTAL_PUBLIC_BASE_URL" in cover
    assert "phones cannot open" in _pptx_cover(decks.deck_pptx(actor=world.hz.operator, roadshow_id=show.id,
                                                               lang="en"))
    local_pdf = _pdf_text_runs(decks.deck_pdf(actor=world.hz.operator, roadshow_id=show.id))
    assert cards(actor=world.hz.operator, roadshow_id=show.id)[0].url.startswith("http://localhost:8601/intent?t=")

    public_base("https://portal.example.gov.cn")
    caplog.clear()
    with caplog.at_level("WARNING", logger="portal.roadshows.plans"):
        other, _ = plan(world.hz, title="第二场路演", n_items=1, publish=True)
    assert not caplog.records
    cover = _pptx_cover(decks.deck_pptx(actor=world.hz.operator, roadshow_id=show.id))
    assert "二维码" not in cover and show.title in cover
    assert _pdf_text_runs(decks.deck_pdf(actor=world.hz.operator, roadshow_id=show.id)) < local_pdf
    assert cards(actor=world.hz.operator, roadshow_id=other.id)[0].url.startswith(
        "https://portal.example.gov.cn/intent?t=")


def test_portal_demo_says_when_its_qr_codes_are_for_this_machine_only(public_base, monkeypatch, capsys) -> None:  # noqa: ANN001
    import argparse

    from portal.cli import serve_cmd

    args = argparse.Namespace(port=8601, lang="zh")
    monkeypatch.delenv("PORTAL_PUBLIC_BASE_URL", raising=False)
    monkeypatch.chdir(tmp := __import__("tempfile").mkdtemp())  # no .env here
    from portal.core.settings import get_settings

    get_settings.cache_clear()
    assert serve_cmd.public_base_url(8601) == "http://localhost:8601"
    serve_cmd._say_ready(args)
    out = capsys.readouterr().out
    assert "http://localhost:8601" in out and "手机扫码打不开" in out and "PORTAL_PUBLIC_BASE_URL" in out
    public_base("http://192.168.1.20:8601")
    serve_cmd._say_ready(args)
    out = capsys.readouterr().out
    assert "http://localhost:8601" in out and "手机" not in out  # where to open it here; phones are fine
    # a base URL from .env is what the server gets (the command used to override it with localhost)
    monkeypatch.delenv("PORTAL_PUBLIC_BASE_URL")
    (__import__("pathlib").Path(tmp) / ".env").write_text("PORTAL_PUBLIC_BASE_URL=https://portal.example.gov.cn\n")
    get_settings.cache_clear()
    assert serve_cmd.public_base_url(8601) == "https://portal.example.gov.cn"
