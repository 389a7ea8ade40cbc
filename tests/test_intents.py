"""QR intents: the public form's validation and merge, unguessable tokens, follow-up into matches,
roadshow numbers, and tenancy (on SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import AuditEntry, Contract, Intent, Match, Organization
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.roadshows import intents
from portal.roadshows.attendance import register_attendance
from portal.roadshows.links import intent_url
from portal.roadshows.plans import close_roadshow, publish_roadshow
from portal.roadshows.summary import summary
from tests.factories import credit_code, make_trial, save
from tests.test_roadshows import plan

GOOD = dict(company_name="杭州恒拓科技有限公司", contact_person="王经理", phone="13812345678", wants=["trial"])


def _count(model) -> int:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def _intents() -> list[Intent]:
    with Session(get_engine()) as s:
        return list(s.exec(select(Intent)).all())


def test_submit_then_repeat_merges_per_company_and_item(world) -> None:  # noqa: ANN001
    show, items = plan(world.hz, n_items=2, publish=True)
    code = world.hz.enterprise.credit_code
    first = intents.submit_intent(token=items[0].token, credit_code=code, **GOOD, note="想了解价格")
    assert not first.merged and first.result_title == world.hz.result.title
    again = intents.submit_intent(token=items[0].token, credit_code=code.lower(),
                                  **{**GOOD, "phone": "0571-88886666", "wants": ["pilot", "info"]}, note="希望安排中试")
    assert again.merged and again.wants == ["trial", "pilot", "info"]
    other_item = intents.submit_intent(token=items[1].token, credit_code=code, **GOOD)
    assert not other_item.merged
    rows = _intents()
    assert len(rows) == 2
    merged = next(i for i in rows if i.roadshow_item_id == items[0].id)
    assert merged.phone == "0571-88886666" and merged.wants == "trial,pilot,info"
    assert merged.note == "想了解价格\n希望安排中试"
    assert merged.enterprise_org_id == world.hz.enterprise.id  # known credit code: linked
    assert (merged.roadshow_id, merged.city_code, merged.source) == (show.id, "330100", "roadshow")
    with Session(get_engine()) as s:
        actions = s.exec(select(AuditEntry.action, AuditEntry.actor_name)
                         .where(AuditEntry.entity == "intent")).all()
    assert sorted(a for a, _ in actions) == ["intent.merge", "intent.submit", "intent.submit"]
    assert {n for _, n in actions} == {"public-qr"}


BAD_INPUT = [
    (dict(company_name=""), "error.required", "intent_company_name"),
    (dict(company_name="恒拓"), "intents.error.company_name_short", "intent_company_name"),
    (dict(credit_code="91330106MA2B3C4D5X"), "error.credit_code_check", "credit_code"),
    (dict(credit_code="12345"), "error.credit_code_shape", "credit_code"),
    (dict(contact_person=" "), "error.required", "intent_contact_person"),
    (dict(phone="12345"), "error.phone_shape", "phone"),
    (dict(phone="23812345678"), "error.phone_shape", "phone"),
    (dict(wants=[]), "error.required", "intent_wants"),
    (dict(wants=["buy_now"]), "error.bad_choice", "intent_wants"),
    (dict(note="长" * 1001), "error.too_long", "intent_note"),
]


def test_bad_input_is_refused_naming_the_field(world) -> None:  # noqa: ANN001
    _, items = plan(world.hz, n_items=1, publish=True)
    for change, key, field in BAD_INPUT:
        data = dict(GOOD, credit_code=world.hz.enterprise.credit_code, note="")
        data.update(change)
        with pytest.raises(ValidationError) as err:
            intents.submit_intent(token=items[0].token, **data)
        assert (err.value.key, err.value.field) == (key, field), change
        assert "【" in err.value.message("zh")  # the message names the field
    assert _count(Intent) == 0


def test_token_is_unguessable_and_ids_do_not_open_the_page(world) -> None:  # noqa: ANN001
    show, items = plan(world.hz, n_items=3, publish=True)
    tokens = [i.token for i in items]
    assert len(set(tokens)) == 3
    for item in items:
        assert len(item.token) >= 32  # 192 random bits
        for ident in (item.id, item.result_id, item.roadshow_id):
            assert ident.hex not in item.token and str(ident) not in item.token
        assert str(item.id) not in intent_url(item.token)
    data = dict(GOOD, credit_code=world.hz.enterprise.credit_code)
    for guess in (str(items[0].id), items[0].id.hex, str(items[0].result_id), str(show.id), "1", "", None,
                  tokens[0][:-1], tokens[0] + "x", "x" * 500):
        with pytest.raises(NotFound) as err:
            intents.public_item(token=guess)
        assert err.value.key == "intents.error.bad_link"
        with pytest.raises(NotFound):
            intents.submit_intent(token=guess, **data)
    assert _count(Intent) == 0
    assert intents.public_item(token=tokens[0]).result_title == world.hz.result.title


def test_draft_roadshow_takes_no_intents_closed_one_still_does(world) -> None:  # noqa: ANN001
    show, items = plan(world.hz, n_items=1)
    data = dict(GOOD, credit_code=world.hz.enterprise.credit_code)
    with pytest.raises(NotFound):
        intents.submit_intent(token=items[0].token, **data)
    publish_roadshow(actor=world.hz.operator, roadshow_id=show.id)
    close_roadshow(actor=world.hz.operator, roadshow_id=show.id)
    assert not intents.submit_intent(token=items[0].token, **data).merged


def test_public_view_shows_nothing_of_other_enterprises(world) -> None:  # noqa: ANN001
    _, items = plan(world.hz, n_items=1, publish=True)
    intents.submit_intent(token=items[0].token, credit_code=world.nb.enterprise.credit_code,
                          **{**GOOD, "company_name": "宁波竞争对手有限公司", "contact_person": "赵总"})
    receipt = intents.submit_intent(token=items[0].token, credit_code=world.hz.enterprise.credit_code, **GOOD)
    shown = repr(intents.public_item(token=items[0].token)) + repr(receipt)
    assert "宁波竞争对手" not in shown and "赵总" not in shown and world.nb.enterprise.credit_code not in shown


def test_operator_lists_intents_and_converts_one_into_a_match(world) -> None:  # noqa: ANN001
    show, items = plan(world.hz, n_items=2, publish=True)
    new_code = credit_code("330110")  # a company the portal does not know yet (Yuhang district)
    intents.submit_intent(token=items[0].token, credit_code=new_code,
                          **{**GOOD, "company_name": "杭州未知新材料有限公司"})
    intents.submit_intent(token=items[1].token, credit_code=world.hz.enterprise.credit_code, **GOOD)
    listed = intents.list_intents(actor=world.hz.operator, roadshow_id=show.id)
    rows, total = listed.rows, listed.total
    assert total == 2 and {r.company_name for r in rows} == {"杭州未知新材料有限公司", GOOD["company_name"]}
    listed = intents.list_intents(actor=world.hz.operator, result_id=items[0].result_id)
    per_result, n = listed.rows, listed.total
    assert n == 1 and per_result[0].company_name == "杭州未知新材料有限公司"
    fresh = per_result[0]
    match = intents.convert_intent(actor=world.hz.operator, intent_id=fresh.id, notes="会后电话联系")
    assert (match.intent_id, match.roadshow_id, match.channel, match.stage) == (fresh.id, show.id, "roadshow", "contacted")
    assert match.result_id == items[0].result_id and match.city_code == "330100"
    with Session(get_engine()) as s:
        org = s.exec(select(Organization).where(Organization.credit_code == new_code)).one()
    assert (org.kind, org.city_code, org.county_code, org.name) == ("enterprise", "330100", "330110", "杭州未知新材料有限公司")
    assert match.enterprise_org_id == org.id
    rows = intents.list_intents(actor=world.hz.operator, roadshow_id=show.id).rows
    assert next(r for r in rows if r.id == fresh.id).match_id == match.id
    with pytest.raises(ValidationError) as err:  # one step, once
        intents.convert_intent(actor=world.hz.operator, intent_id=fresh.id)
    assert err.value.key == "matching.error.intent_already_matched"
    assert _count(Match) == 1


def test_numbers_of_a_roadshow(world) -> None:  # noqa: ANN001
    hz = world.hz
    show, items = plan(hz, n_items=2, publish=True)
    intents.submit_intent(token=items[0].token, credit_code=hz.enterprise.credit_code, **GOOD)
    intents.submit_intent(token=items[0].token, credit_code=world.nb.enterprise.credit_code,
                          **{**GOOD, "company_name": "宁波恒拓科技有限公司", "wants": ["info"]})
    intents.submit_intent(token=items[1].token, credit_code=hz.enterprise.credit_code, **GOOD)
    register_attendance(actor=hz.operator, roadshow_id=show.id, company_name=GOOD["company_name"],
                                  credit_code=hz.enterprise.credit_code, present=True)
    rows = intents.list_intents(actor=hz.operator, roadshow_id=show.id, result_id=items[0].result_id).rows
    mine = next(r for r in rows if r.credit_code == hz.enterprise.credit_code)
    match = intents.convert_intent(actor=hz.operator, intent_id=mine.id)
    trial = make_trial(hz.result, hz.enterprise, hz.agency)  # signed later by an enterprise with an intent
    trial_id = trial.id
    with Session(get_engine()) as s:
        trial = s.merge(trial)
        trial.match_id = match.id
        s.commit()
    numbers = summary(actor=hz.operator, roadshow_id=show.id)
    assert (numbers.results_shown, numbers.registered, numbers.present) == (2, 1, 1)
    assert (numbers.intents, numbers.companies, numbers.matches, numbers.trials, numbers.conversions) == (3, 2, 1, 1, 0)
    save(Contract(kind="paid_licence", result_id=hz.result.id, licensor_org_id=hz.licensor.id,
                  licensee_org_id=hz.enterprise.id, agency_id=hz.agency.id, city_code="330100",
                  parent_trial_id=trial_id, number="PL-roadshow-1", start_date=today(),
                  deal_amount=Decimal("200000.00")))
    make_trial(world.nb.result, hz.enterprise, hz.agency)  # a result not on this roadshow: not counted
    numbers = summary(actor=hz.operator, roadshow_id=show.id)
    assert (numbers.trials, numbers.conversions) == (1, 1)
    assert [(r.position, r.intents, r.wants_trial, r.matches) for r in numbers.per_result] == [(1, 2, 1, 1), (2, 1, 1, 0)]


def test_hangzhou_operator_cannot_see_or_convert_ningbo_intents(world) -> None:  # noqa: ANN001
    _, items = plan(world.nb, title="宁波路演", n_items=1, publish=True)
    intents.submit_intent(token=items[0].token, credit_code=world.nb.enterprise.credit_code, **GOOD)
    intent_id = _intents()[0].id
    assert intents.list_intents(actor=world.hz.operator).total == 0
    with pytest.raises(NotFound):
        intents.convert_intent(actor=world.hz.operator, intent_id=intent_id)
    with pytest.raises(PermissionDenied):
        intents.convert_intent(actor=world.nb.presenter, intent_id=intent_id)
    with pytest.raises(PermissionDenied):
        intents.list_intents(actor=world.nb.presenter)
    with pytest.raises(NotFound):
        intents.convert_intent(actor=world.nb.operator, intent_id=uuid.uuid4())
    assert _count(Match) == 0
    assert intents.list_intents(actor=world.nb.operator).total == 1


def test_simultaneous_repeats_merge_into_one_intent(world) -> None:  # noqa: ANN001
    from concurrent.futures import ThreadPoolExecutor

    _, items = plan(world.hz, n_items=1, publish=True)
    data = dict(GOOD, credit_code=world.hz.enterprise.credit_code)
    with ThreadPoolExecutor(max_workers=4) as pool:
        receipts = list(pool.map(lambda _: intents.submit_intent(token=items[0].token, **data), range(4)))
    assert sorted(r.merged for r in receipts) == [False, True, True, True]
    assert _count(Intent) == 1


def test_a_refused_conversion_registers_no_enterprise(world) -> None:  # noqa: ANN001
    """The province must name the agency a match is recorded for: refused, and the enterprise the
    conversion would have registered from the intent is not left behind (one transaction)."""
    _, items = plan(world.hz, n_items=1, publish=True)
    newcomer = credit_code("330106")
    intents.submit_intent(token=items[0].token, credit_code=newcomer, **{**GOOD, "company_name": "杭州新来科技有限公司"})
    intent_id = _intents()[0].id
    orgs = _count(Organization)
    with pytest.raises(ValidationError) as err:
        intents.convert_intent(actor=world.admin, intent_id=intent_id)
    assert err.value.field == "agency"
    assert (_count(Organization), _count(Match)) == (orgs, 0)
    match = intents.convert_intent(actor=world.hz.operator, intent_id=intent_id)  # the city's operator may
    assert _count(Organization) == orgs + 1 and match.intent_id == intent_id
