"""QR intents: the public form's validation, every submission its own row (DOMAIN.md rule 11), a
double tap made once, unguessable tokens, the operator's merge, follow-up into matches, roadshow
numbers counting companies, and tenancy (on SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import AuditEntry, Contract, Intent, Match, Organization, RoadshowAttendance
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.roadshows import intents, merging
from portal.roadshows.attendance import register_attendance
from portal.roadshows.items import list_items
from portal.roadshows.links import intent_url
from portal.roadshows.listing import get_roadshow
from portal.roadshows.plans import close_roadshow, publish_roadshow
from portal.roadshows.summary import summary
from tests.factories import at_once, credit_code, make_trial, save
from tests.test_roadshows import plan

GOOD = dict(company_name="杭州恒拓科技有限公司", contact_person="王经理", phone="13812345678", wants=["trial"])


def _count(model) -> int:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def _intents() -> list[Intent]:
    with Session(get_engine()) as s:
        return list(s.exec(select(Intent)).all())


def _audits(entity: str = "intent") -> list[tuple[str, str]]:
    with Session(get_engine()) as s:
        return sorted(s.exec(select(AuditEntry.action, AuditEntry.actor_name).where(AuditEntry.entity == entity)).all())


IMPOSTOR = dict(company_name="杭州恒拓科技有限公司（冒名）", contact_person="王五", phone="13900001111", wants=["info"],
                note="请把报价发给我")


def test_a_second_submission_with_the_same_code_is_its_own_row_and_reveals_nothing(world) -> None:  # noqa: ANN001
    show, items = plan(world.hz, n_items=2, publish=True)
    code = world.hz.enterprise.credit_code
    first = intents.submit_intent(token=items[0].token, credit_code=code, **GOOD, note="想了解价格")
    assert (first.company_name, first.contact_person, first.result_title, first.wants) == (
        GOOD["company_name"], "王经理", world.hz.result.title, ("trial",))
    second = intents.submit_intent(token=items[0].token, credit_code=code.lower(), **IMPOSTOR)
    # the second visitor is told only what they typed: nothing of the first submission
    assert (second.company_name, second.contact_person, second.wants) == (IMPOSTOR["company_name"], "王五", ("info",))
    shown = repr(second)
    assert "王经理" not in shown and "trial" not in shown and "想了解价格" not in shown and "13812345678" not in shown
    intents.submit_intent(token=items[1].token, credit_code=code, **GOOD)
    rows = sorted(_intents(), key=lambda i: i.created_at)
    assert len(rows) == 3
    kept = next(i for i in rows if i.contact_person == "王经理" and i.roadshow_item_id == items[0].id)
    # the first submission is exactly as its visitor left it
    assert (kept.company_name, kept.phone, kept.wants, kept.note) == (GOOD["company_name"], "13812345678", "trial",
                                                                      "想了解价格")
    assert kept.enterprise_org_id == world.hz.enterprise.id  # known credit code: linked
    assert (kept.roadshow_id, kept.city_code, kept.source, kept.merged_into_id) == (show.id, "330100", "roadshow",
                                                                                    None)
    assert _audits() == [("intent.submit", "public-qr")] * 3
    # the operator sees both, side by side, marked as possible duplicates
    listed = intents.list_intents(actor=world.hz.operator, roadshow_id=show.id, result_id=items[0].result_id).rows
    assert sorted((r.contact_person, r.repeats) for r in listed) == [("王五", 1), ("王经理", 1)]
    other_item = intents.list_intents(actor=world.hz.operator, result_id=items[1].result_id).rows
    assert [r.repeats for r in other_item] == [0]  # the same company for another result: no duplicate


BAD_INPUT = [
    (dict(company_name=""), "error.required", "intent_company_name"),
    (dict(company_name="<script>alert(1)</script>"), "intents.error.name_markup", "intent_company_name"),
    (dict(company_name="杭州<b>恒拓</b>科技有限公司"), "intents.error.name_markup", "intent_company_name"),
    (dict(company_name="[点我领奖](https://example.com/phish)"), "intents.error.name_markup", "intent_company_name"),
    (dict(company_name="![](https://example.com/t.png)公司"), "intents.error.name_markup", "intent_company_name"),
    (dict(company_name="http://example.com 有限公司"), "intents.error.name_markup", "intent_company_name"),
    (dict(company_name="&#60;script&#62;"), "intents.error.name_markup", "intent_company_name"),
    (dict(company_name="12345678"), "intents.error.name_letters", "intent_company_name"),
    (dict(company_name="！！！——……"), "intents.error.name_letters", "intent_company_name"),
    (dict(company_name="\u200b\u200b\u200b\u200b"), "intents.error.name_letters", "intent_company_name"),
    (dict(contact_person="<script>alert(1)</script>"), "intents.error.name_markup", "intent_contact_person"),
    (dict(contact_person="<img src=x onerror=alert(1)>"), "intents.error.name_markup", "intent_contact_person"),
    (dict(contact_person="007"), "intents.error.name_letters", "intent_contact_person"),
    (dict(contact_person="☺☺"), "intents.error.name_letters", "intent_contact_person"),
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


ALLOWED_NAMES = [("杭州恒拓（集团）有限公司", "王经理"), ("ACME Robotics Co., Ltd.", "Zoë Müller"),
                 ("宁波 AT&T 通信技术有限公司", "欧阳·娜娜"), ("杭州3D打印科技有限公司", "Li Wei"),
                 ("ＡＢＣ（杭州）有限公司", "𠮷野")]


def test_names_with_letters_and_no_markup_are_taken(world) -> None:  # noqa: ANN001
    _, items = plan(world.hz, n_items=1, publish=True)
    for company, person in ALLOWED_NAMES:
        receipt = intents.submit_intent(token=items[0].token, credit_code=credit_code(), **{
            **GOOD, "company_name": company, "contact_person": person})
        assert (receipt.company_name, receipt.contact_person) == (company, person)
    assert sorted(i.company_name for i in _intents()) == sorted(c for c, _ in ALLOWED_NAMES)


def test_attendance_names_are_checked_as_on_the_qr_page(world) -> None:  # noqa: ANN001
    show, _ = plan(world.hz, n_items=1, publish=True)
    for bad, key in (("<script>alert(1)</script>", "intents.error.name_markup"),
                     ("[官网](https://example.com)", "intents.error.name_markup"),
                     ("2024", "intents.error.name_letters")):
        with pytest.raises(ValidationError) as err:
            register_attendance(actor=world.hz.operator, roadshow_id=show.id, company_name=bad,
                                credit_code=world.hz.enterprise.credit_code)
        assert (err.value.key, err.value.field) == (key, "intent_company_name")
        assert err.value.message("en").startswith("[Company name]") or "Company name" in err.value.message("en")
    with Session(get_engine()) as s:
        assert s.exec(select(func.count()).select_from(RoadshowAttendance)).one() == 0
    row = register_attendance(actor=world.hz.operator, roadshow_id=show.id, company_name="ACME Robotics Ltd.",
                              credit_code=world.hz.enterprise.credit_code)
    assert row.company_name == "ACME Robotics Ltd."


def test_a_double_tap_is_one_submission(world) -> None:  # noqa: ANN001
    _, items = plan(world.hz, n_items=2, publish=True)
    data = dict(GOOD, credit_code=world.hz.enterprise.credit_code)
    key = uuid.uuid4().hex
    first = intents.submit_intent(token=items[0].token, **data, idempotency_key=key)
    again = intents.submit_intent(token=items[0].token, **data, idempotency_key=key)
    assert again == first and _count(Intent) == 1
    # the key is the form's, not the company's: a new form instance is a new submission
    intents.submit_intent(token=items[0].token, **data, idempotency_key=uuid.uuid4().hex)
    assert _count(Intent) == 2
    with pytest.raises(ValidationError) as err:  # one page's key never hands back another item's receipt
        intents.submit_intent(token=items[1].token, **data, idempotency_key=key)
    assert (err.value.key, err.value.field) == ("error.key_reused", "idempotency_key")
    assert _count(Intent) == 2


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
    assert intents.submit_intent(token=items[0].token, **data).company_name == GOOD["company_name"]
    assert _count(Intent) == 1


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
    # the same company again for the first result, wanting a pilot: a repeat, counted once
    intents.submit_intent(token=items[0].token, credit_code=hz.enterprise.credit_code, **{**GOOD, "wants": ["pilot"]})
    register_attendance(actor=hz.operator, roadshow_id=show.id, company_name=GOOD["company_name"],
                                  credit_code=hz.enterprise.credit_code, present=True)
    rows = intents.list_intents(actor=hz.operator, roadshow_id=show.id, result_id=items[0].result_id).rows
    mine = next(r for r in rows if r.credit_code == hz.enterprise.credit_code and r.wants == ["trial"])
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
    assert _count(Intent) == 4  # four submissions, three companies-per-result
    assert get_roadshow(actor=hz.operator, roadshow_id=show.id).intents == 3
    assert [i.intents for i in list_items(actor=hz.operator, roadshow_id=show.id)] == [2, 1]
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


def test_simultaneous_taps_make_one_row_and_other_visitors_their_own(world) -> None:  # noqa: ANN001
    """Four taps of one form at once (one key) are one submission with one receipt; four visitors
    typing the same credit code at once (four keys) are four submissions, none changing another."""
    _, items = plan(world.hz, n_items=1, publish=True)
    code = world.hz.enterprise.credit_code
    key = uuid.uuid4().hex
    receipts: dict[int, intents.Receipt] = {}
    at_once(4, lambda n: receipts.__setitem__(n, intents.submit_intent(
        token=items[0].token, credit_code=code, **GOOD, idempotency_key=key)))
    assert len(receipts) == 4 and len(set(receipts.values())) == 1 and _count(Intent) == 1
    visitors: dict[int, intents.Receipt] = {}
    at_once(4, lambda n: visitors.__setitem__(n, intents.submit_intent(
        token=items[0].token, credit_code=code, **{**GOOD, "contact_person": f"访客{n}号"},
        idempotency_key=uuid.uuid4().hex)))
    assert {n: r.contact_person for n, r in visitors.items()} == {n: f"访客{n}号" for n in range(4)}
    assert sorted(i.contact_person for i in _intents()) == ["王经理", *(f"访客{n}号" for n in range(4))]


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


# --- the operator's merge ------------------------------------------------------------------------

def _three_from_one_company(world):  # noqa: ANN001, ANN202
    """A published roadshow with a company's three submissions for its first result (the first
    genuine, then a repeat and an impostor), another company's, and the company's for result 2."""
    show, items = plan(world.hz, n_items=2, publish=True)
    code = world.hz.enterprise.credit_code
    for person, wants in (("王经理", ["trial"]), ("王经理", ["pilot"]), ("王五", ["info"])):
        intents.submit_intent(token=items[0].token, credit_code=code, **{**GOOD, "contact_person": person,
                                                                         "wants": wants, "note": f"{person}的留言"})
    intents.submit_intent(token=items[0].token, credit_code=world.nb.enterprise.credit_code,
                          **{**GOOD, "company_name": "宁波竞争对手有限公司"})
    intents.submit_intent(token=items[1].token, credit_code=code, **GOOD)
    impostor = next(i for i in _intents() if i.contact_person == "王五")
    group = merging.company_submissions(actor=world.hz.operator, intent_id=impostor.id)
    # (genuine, repeat, impostor): submitted within a second, so told apart by what they say
    by_wants = {r.wants[0]: r for r in group}
    return show, items, [by_wants["trial"], by_wants["pilot"], by_wants["info"]]


def test_operator_sees_a_company_side_by_side_and_merges_its_repeat(world) -> None:  # noqa: ANN001
    show, items, group = _three_from_one_company(world)
    assert [(r.contact_person, r.wants, r.repeats) for r in group] == [
        ("王经理", ["trial"], 2), ("王经理", ["pilot"], 2), ("王五", ["info"], 2)]  # all three
    flagged = intents.list_intents(actor=world.hz.operator, roadshow_id=show.id, repeats_only=True).rows
    assert {r.id for r in flagged} == {r.id for r in group}  # only the company's repeats
    before = summary(actor=world.hz.operator, roadshow_id=show.id)
    assert (before.intents, before.companies, [r.intents for r in before.per_result]) == (3, 2, [2, 1])

    kept, repeat, impostor = group
    merged = merging.merge_intents(actor=world.hz.operator, intent_id=kept.id, repeat_ids=[repeat.id])
    assert [m.id for m in merged] == [repeat.id]
    assert _audits()[:1] == [("intent.merge", world.hz.operator.display_name)]
    rows = {r.id: r for r in merging.company_submissions(actor=world.hz.operator, intent_id=kept.id)}
    assert len(rows) == 3  # both still visible, as their visitors left them
    assert (rows[repeat.id].status, rows[repeat.id].merged_into_id, rows[repeat.id].wants) == ("merged", kept.id,
                                                                                             ["pilot"])
    assert rows[kept.id].status == rows[impostor.id].status == "open"
    after = summary(actor=world.hz.operator, roadshow_id=show.id)
    assert (after.intents, after.companies, [r.intents for r in after.per_result]) == (3, 2, [2, 1])
    assert [r.wants_trial for r in after.per_result] == [2, 1]  # the company once, its rival once
    assert get_roadshow(actor=world.hz.operator, roadshow_id=show.id).intents == 3

    with pytest.raises(ValidationError) as err:  # the merged one is not followed up on its own
        intents.convert_intent(actor=world.hz.operator, intent_id=repeat.id)
    assert (err.value.key, err.value.field) == ("intents.error.merged_convert_kept", "match_intent")
    match = intents.convert_intent(actor=world.hz.operator, intent_id=kept.id)  # the kept one is
    assert match.intent_id == kept.id and "王经理的留言" in match.notes and "申请试用" not in match.notes
    assert "trial" in match.notes and "pilot" in match.notes and "王五" not in match.notes + match.people
    assert _count(Match) == 1


def test_a_merge_is_refused_outside_its_company_city_and_status(world) -> None:  # noqa: ANN001
    _, items, group = _three_from_one_company(world)
    kept, repeat, impostor = group
    rival = next(i for i in _intents() if i.company_name == "宁波竞争对手有限公司")
    elsewhere = next(i for i in _intents() if i.roadshow_item_id == items[1].id)
    audits = len(_audits())
    for actor, error in ((world.hz.manager, PermissionDenied), (world.hz.presenter, PermissionDenied),
                         (world.province_manager, PermissionDenied), (world.nb.operator, NotFound),
                         (world.hz.enterprise_user, PermissionDenied)):
        with pytest.raises(error):
            merging.merge_intents(actor=actor, intent_id=kept.id)
    for repeat_ids, key in (([rival.id], "intents.error.merge_other_company"),  # another company
                            ([elsewhere.id], "intents.error.merge_other_company"),  # another result
                            ([kept.id], "intents.error.merge_other_company"),  # itself
                            ([uuid.uuid4()], "intents.error.merge_other_company"),
                            ([], "intents.error.merge_other_company")):
        with pytest.raises(ValidationError) as err:
            merging.merge_intents(actor=world.hz.operator, intent_id=kept.id, repeat_ids=repeat_ids)
        assert (err.value.key, err.value.field) == (key, "intent_merge")
        assert "【合并重复登记】" in err.value.message("zh")
    with pytest.raises(ValidationError) as err:  # a company alone for its result has nothing to merge
        merging.merge_intents(actor=world.hz.operator, intent_id=elsewhere.id)
    assert err.value.key == "intents.error.no_repeats"
    intents.convert_intent(actor=world.hz.operator, intent_id=impostor.id)  # the operator followed this one up
    with pytest.raises(ValidationError) as err:  # a matched submission is not merged away
        merging.merge_intents(actor=world.hz.operator, intent_id=kept.id, repeat_ids=[impostor.id])
    assert (err.value.key, err.value.field) == ("intents.error.not_open", "match_intent")
    assert len(_audits()) == audits  # no merge written (the conversion wrote only a match)
    assert all(i.merged_into_id is None for i in _intents())
    # the default merges the open repeats into the kept one; a merged one is then kept by nobody
    assert [m.id for m in merging.merge_intents(actor=world.hz.operator, intent_id=kept.id)] == [repeat.id]
    with pytest.raises(ValidationError) as err:
        merging.merge_intents(actor=world.hz.operator, intent_id=repeat.id, repeat_ids=[kept.id])
    assert err.value.key == "intents.error.merge_into_merged"
    with pytest.raises(NotFound):
        merging.company_submissions(actor=world.nb.operator, intent_id=kept.id)
    with pytest.raises(NotFound):
        merging.company_submissions(actor=world.hz.operator, intent_id=uuid.uuid4())
    assert len(merging.company_submissions(actor=world.province_manager, intent_id=kept.id)) == 3


def test_a_merge_into_a_matched_one_and_the_earlier_merges_follow(world) -> None:  # noqa: ANN001
    _, _, group = _three_from_one_company(world)
    first, second, third = group
    merging.merge_intents(actor=world.hz.operator, intent_id=second.id, repeat_ids=[third.id])
    intents.convert_intent(actor=world.hz.operator, intent_id=first.id)
    # a late repeat folded into the one already followed up: the one merged into it follows
    merging.merge_intents(actor=world.hz.operator, intent_id=first.id, repeat_ids=[second.id])
    rows = {i.id: i.merged_into_id for i in _intents() if i.id in {first.id, second.id, third.id}}
    assert rows == {first.id: None, second.id: first.id, third.id: first.id}
