"""The public QR intent page as plain HTML (portal/web/public.py), through Starlette's TestClient on
SQLite and PostgreSQL: the form, a submission and its receipt, refusals beside their fields in
Chinese and English, CSRF, a double tap stored once, unknown links, and user text never markup."""

from __future__ import annotations

import html
import re

import pytest
from sqlmodel import Session, func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from db.engine import get_engine
from db.models import Intent
from portal.roadshows.items import add_item
from portal.roadshows.plans import publish_roadshow
from portal.web import public
from tests.factories import credit_code, make_result
from tests.test_roadshows import plan

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def _client() -> TestClient:
    return TestClient(Starlette(routes=public.routes), base_url="http://testserver")


def _hidden(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in re.findall(r'name="(csrf|form_key|lang)" value="([^"]*)"', page)}


def _intents() -> list[Intent]:
    with Session(get_engine()) as s:
        return list(s.exec(select(Intent)).all())


def _count() -> int:
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(Intent)).one()


def _fields(**change: str) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = dict(company_name="杭州恒拓科技有限公司", credit_code=credit_code(),
                                            contact_person="王经理", phone="13812345678", wants=["trial", "pilot"],
                                            note="想了解价格")
    data.update(change)
    return data


@pytest.fixture
def item(world):  # noqa: ANN001, ANN201
    """A published roadshow item of Hangzhou, and its token."""
    _, items = plan(world.hz, n_items=1, publish=True)
    return items[0]


def test_the_form_is_plain_html_with_the_result_and_keys(world, item) -> None:  # noqa: ANN001
    client = _client()
    page = client.get("/intent", params={"t": item.token}, headers=ZH)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text.lower()  # works with JavaScript off (and in WeChat)
    assert 'name="viewport"' in page.text and "登记合作意向" in page.text
    assert html.escape(world.hz.result.title) in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none': no scripts at all
    keys = _hidden(page.text)
    assert keys["lang"] == "zh" and len(keys["form_key"]) >= 16 and len(keys["csrf"]) == 64
    assert public.CSRF_COOKIE in client.cookies
    assert len(page.content) < 12_000  # one small document, nothing else to fetch


def test_a_submission_shows_only_its_own_receipt_and_is_stored_once(world, item) -> None:  # noqa: ANN001
    client = _client()
    keys = _hidden(client.get("/intent", params={"t": item.token}, headers=ZH).text)
    data = _fields()
    sent = client.post("/intent", params={"t": item.token}, data={**data, **keys}, headers=ZH)
    assert sent.status_code == 200 and 'class="receipt"' in sent.text
    assert "已收到杭州恒拓科技有限公司" in sent.text and "试用、验证中试" in sent.text.replace("申请试用", "试用")
    again = client.post("/intent", params={"t": item.token}, data={**data, **keys}, headers=ZH)  # a double tap / reload
    assert again.status_code == 200 and 'class="receipt"' in again.text
    (stored,) = _intents()
    assert (stored.company_name, stored.contact_person, stored.wants, stored.note) == (
        "杭州恒拓科技有限公司", "王经理", "trial,pilot", "想了解价格")
    assert stored.credit_code == data["credit_code"] and stored.roadshow_item_id == item.id
    # another visitor of the same company sees nothing of the first submission
    other = _client()
    keys2 = _hidden(other.get("/intent", params={"t": item.token}).text)
    second = other.post("/intent", params={"t": item.token}, headers=ZH, data={
        **_fields(contact_person="王五", note="", wants=["info"], credit_code=data["credit_code"]), **keys2})
    assert "王五" in second.text and "王经理" not in second.text and "想了解价格" not in second.text
    assert _count() == 2


@pytest.mark.parametrize(("headers", "lang", "expected"), [
    (ZH, "zh", "【联系电话】"), (EN, "en", "Phone"), ({"Accept-Language": "fr-FR, en;q=0.5"}, "en", "Phone"),
    ({}, "zh", "【联系电话】")])
def test_a_refusal_names_the_field_in_the_visitors_language(item, headers, lang, expected) -> None:  # noqa: ANN001
    client = _client()
    keys = _hidden(client.get("/intent", params={"t": item.token}, headers=headers).text)
    assert keys["lang"] == lang
    sent = client.post("/intent", params={"t": item.token}, headers=headers,
                       data={**_fields(phone="12345"), **keys})
    assert sent.status_code == 422
    error = re.search(r'<div class="err" id="e-phone">([^<]*)</div>', sent.text)
    assert error and expected in html.unescape(error.group(1))
    assert 'id="f-phone" name="phone" maxlength="20" value="12345" class="bad"' in sent.text  # value kept
    marked = client.post("/intent", params={"t": item.token}, headers=headers,
                         data={**_fields(company_name="杭州<b>恒拓</b>"), **keys})
    assert re.search(r'<div class="err" id="e-company_name">', marked.text)
    assert "<b>恒拓</b>" not in marked.text and "杭州&lt;b&gt;恒拓&lt;/b&gt;" in marked.text  # escaped, not markup
    assert _hidden(sent.text)["form_key"] == keys["form_key"]  # the same instance: a fix then submits once
    assert _count() == 0


def test_every_field_is_checked_by_the_service(item) -> None:  # noqa: ANN001
    client = _client()
    cases = [("company_name", ""), ("credit_code", "91330106MA2B3C4D5X"), ("contact_person", "007"),
             ("phone", "23812345678"), ("wants", []), ("note", "长" * 1001)]
    for name, value in cases:
        keys = _hidden(client.get("/intent", params={"t": item.token}, headers=EN).text)
        sent = client.post("/intent", params={"t": item.token}, headers=EN, data={**_fields(**{name: value}), **keys})
        assert sent.status_code == 422, name
        assert re.search(rf'<div class="err" id="e-{name}">', sent.text), name
        assert "Please correct the following" in sent.text
    assert _count() == 0


def test_the_language_link_switches_and_is_kept_through_the_post(item) -> None:  # noqa: ANN001
    client = _client()
    zh = client.get("/intent", params={"t": item.token}, headers=ZH).text
    link = re.search(r'<a href="([^"]+)" hreflang="en"', zh).group(1)
    en = client.get("/intent" + html.unescape(link), headers=ZH)
    assert 'lang="en"' in en.text and "Register your interest" in en.text
    keys = _hidden(en.text)
    sent = client.post("/intent", params={"t": item.token, "lang": "en"}, headers=ZH,
                       data={**_fields(), **keys})
    assert "We have 杭州恒拓科技有限公司&#x27;s interest" in sent.text


def test_a_post_without_this_browsers_csrf_cookie_is_refused_and_stores_nothing(item) -> None:  # noqa: ANN001
    victim = _client()
    keys = _hidden(victim.get("/intent", params={"t": item.token}).text)
    forger = _client()  # another browser: no cookie, or its own
    refused = forger.post("/intent", params={"t": item.token}, data={**_fields(), **keys})
    assert refused.status_code == 403 and "页面已过期" in refused.text
    forger.get("/intent", params={"t": item.token})
    assert forger.post("/intent", params={"t": item.token}, data={**_fields(), **keys}).status_code == 403
    assert victim.post("/intent", params={"t": item.token},
                       data={**_fields(), **keys, "csrf": "0" * 64}).status_code == 403
    assert _count() == 0
    # the refusal's form carries fresh keys for this browser: submitting it works
    fresh = _hidden(refused.text)
    assert forger.post("/intent", params={"t": item.token}, data={**_fields(), **fresh}).status_code == 200
    assert _count() == 1


def test_unknown_and_unpublished_links_say_so(world) -> None:  # noqa: ANN001
    _, drafts = plan(world.hz, title="未发布的路演", n_items=1)
    client = _client()
    for token in ("nope", "x" * 500, drafts[0].token, ""):
        answer = client.get("/intent", params={"t": token}, headers=ZH)
        assert answer.status_code == 404 and "链接无效或已失效" in answer.text
        assert client.post("/intent", params={"t": token}, data=_fields()).status_code == 404
    assert _count() == 0


def test_operator_text_on_the_card_is_shown_as_text(world) -> None:  # noqa: ANN001
    payload = '<img src=x onerror=alert(1)>[点我](https://evil.example)"\'&'
    result = make_result(world.hz.licensor, title=payload)
    show, _ = plan(world.hz, title=payload, n_items=0)
    item = add_item(actor=world.hz.operator, roadshow_id=show.id, result_id=result.id, presenter_name="讲解人")
    publish_roadshow(actor=world.hz.operator, roadshow_id=show.id)
    page = _client().get("/intent", params={"t": item.token}).text
    assert "<img" not in page and "onerror=alert(1)&gt;" in page
    assert html.escape(payload, quote=True) in page


def test_a_trailing_slash_and_an_oversized_post(item) -> None:  # noqa: ANN001
    client = _client()
    moved = client.get("/intent/", params={"t": item.token}, follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == f"/intent?t={item.token}"
    keys = _hidden(client.get("/intent", params={"t": item.token}).text)
    huge = client.post("/intent", params={"t": item.token}, data={**_fields(note="长" * 20_000), **keys})
    assert huge.status_code == 413 and "提交的内容过长" in huge.text
    assert _count() == 0
