"""An enterprise's requests (DOMAIN.md rule 12): it asks from a listed result, the result's city
operator turns the request into a match or a trial or declines it with a reason, the enterprise
sees the outcome and may withdraw an open one; each rule allowed and refused, on both databases."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import AuditEntry, Contract, Intent, Match
from db.models.enums import MatchStage, RequestKind, RequestStatus
from portal.contracts import outcomes as contracts_outcomes
from portal.contracts.trials import create_trial
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.workflow import allowed_actions
from portal.requests import listing, requests
from tests.factories import make_result, save


def rows(table) -> int:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(table)).one()


def ask(world, kind: str = RequestKind.TRIAL, *, who=None, result=None, **kw):  # noqa: ANN001, ANN201
    """The Hangzhou enterprise asks about Ningbo's result unless told otherwise."""
    return requests.submit_request(actor=who or world.hz.enterprise_user, result_id=(result or world.nb.result).id,
                                   kind=kind, message=kw.pop("message", "想在新产线上试用"), **kw)


def test_an_enterprise_asks_and_the_request_reaches_the_results_city(world) -> None:  # noqa: ANN001
    req = ask(world)
    assert (req.city_code, req.enterprise_org_id, req.requested_by) == (
        world.nb.code, world.hz.enterprise.id, world.hz.enterprise_user.user_id)
    assert (req.kind, req.request_status, req.source) == ("trial", "open", "hub")
    inbox = listing.list_requests(actor=world.nb.operator)
    assert [r.id for r in inbox.rows] == [req.id] and inbox.rows[0].enterprise_name == world.hz.enterprise.name
    assert listing.list_requests(actor=world.hz.operator).total == 0  # not the enterprise's city: the result's
    assert [r.id for r in listing.list_requests(actor=world.hz.enterprise_user).rows] == [req.id]
    assert listing.list_requests(actor=world.nb.enterprise_user).total == 0  # another enterprise sees nothing
    with Session(get_engine()) as s:
        assert s.exec(select(AuditEntry.action).where(AuditEntry.entity_id == str(req.id))).all() == ["request.submit"]


@pytest.mark.parametrize("who", ["operator", "officer", "presenter", "manager"])
def test_only_an_enterprise_asks(world, who: str) -> None:  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        ask(world, who=getattr(world.hz, who))
    assert rows(Intent) == 0


def test_a_second_open_request_of_the_same_kind_is_refused_but_another_kind_is_not(world) -> None:  # noqa: ANN001
    ask(world)
    with pytest.raises(ValidationError) as err:
        ask(world)
    assert err.value.field == "request_kind" and err.value.key == "requests.error.duplicate"
    ask(world, RequestKind.INTEREST)  # interest in the same result is another request
    ask(world, result=world.hz.result)  # and so is a trial of another result
    assert rows(Intent) == 3
    standing = listing.my_standing(actor=world.hz.enterprise_user, result_id=world.nb.result.id)
    assert standing.waiting == ("interest", "trial") and standing.trial_number is None


def test_the_same_submission_key_returns_the_first_request(world) -> None:  # noqa: ANN001
    first = ask(world, idempotency_key="k-req-1")
    assert ask(world, idempotency_key="k-req-1").id == first.id and rows(Intent) == 1


def test_a_withdrawn_or_declined_request_may_be_asked_again(world) -> None:  # noqa: ANN001
    first = ask(world)
    requests.withdraw_request(actor=world.hz.enterprise_user, request_id=first.id)
    second = ask(world)
    requests.decline_request(actor=world.nb.operator, request_id=second.id, reason="名额已满")
    assert ask(world).request_status == "open"


@pytest.mark.parametrize(("kind", "message", "field"), [
    ("paid", "", "request_kind"), ("", "", "request_kind"), ("trial", "长" * 1001, "request_message")])
def test_bad_input_is_refused_naming_the_field(world, kind: str, message: str, field: str) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError) as err:
        ask(world, kind, message=message)
    assert err.value.field == field and rows(Intent) == rows(AuditEntry) == 0


def test_a_result_not_listed_cannot_be_asked_for(world) -> None:  # noqa: ANN001
    draft = make_result(world.nb.licensor, status="draft", title="未上架的成果")
    with pytest.raises(ValidationError) as err:
        ask(world, result=draft)
    assert err.value.field == "request_result" and rows(Intent) == 0


def test_the_operator_turns_a_request_into_a_trial_through_a_match(world) -> None:  # noqa: ANN001
    req = ask(world)
    trial = requests.trial_from_request(actor=world.nb.operator, request_id=req.id, reply="已签订试用合同")
    with Session(get_engine()) as s:
        match = s.exec(select(Match).where(Match.intent_id == req.id)).one()
        stored = s.get(Contract, trial.id)
    # the enterprise is of another city: the match names it, so the Ningbo operator may sign with it
    assert (stored.kind, stored.licensee_org_id, stored.city_code, stored.fee) == (
        "trial", world.hz.enterprise.id, world.nb.code, 0)
    assert stored.match_id == match.id and match.stage == MatchStage.TRIAL and match.channel == "hub"
    mine = listing.get_request(actor=world.hz.enterprise_user, request_id=req.id)
    assert (mine.request_status, mine.contract_number, mine.reply, mine.decider_name) == (
        "trial", trial.number, "已签订试用合同", world.nb.operator.display_name)
    assert "withdraw" not in allowed_actions(world.hz.enterprise_user, mine)  # nothing left to withdraw
    with pytest.raises(ValidationError) as err:  # answered: no second trial from it
        requests.trial_from_request(actor=world.nb.operator, request_id=req.id)
    assert err.value.field == "request_status"


def test_a_running_trial_is_shown_instead_of_asking_for_another(world) -> None:  # noqa: ANN001
    me = world.hz.enterprise_user
    trial = requests.trial_from_request(actor=world.nb.operator, request_id=ask(world).id)
    standing = listing.my_standing(actor=me, result_id=world.nb.result.id)
    assert (standing.waiting, standing.trial_number, standing.trial_end) == ((), trial.number, trial.end_date)
    before = rows(Intent)
    with pytest.raises(ValidationError) as err:
        ask(world)
    assert (err.value.field, err.value.key) == ("request_kind", "requests.error.trial_running")
    assert trial.number in err.value.message("zh") and rows(Intent) == before
    ask(world, RequestKind.INTEREST)  # interest (a paid licence, say) may still be registered
    contracts_outcomes.terminate_trial(actor=world.nb.operator, trial_id=trial.id, reason="not_suitable")
    assert listing.my_standing(actor=me, result_id=world.nb.result.id).trial_number is None
    assert ask(world).request_status == "open"  # the trial has ended: a new one may be asked for


def test_a_matched_request_can_still_become_a_trial_with_the_same_match(world) -> None:  # noqa: ANN001
    req = ask(world, RequestKind.INTEREST)
    match = requests.match_request(actor=world.nb.operator, request_id=req.id, reply="下周二线上沟通")
    row = listing.get_request(actor=world.hz.enterprise_user, request_id=req.id)
    assert (row.request_status, row.reply, row.match_id) == ("matched", "下周二线上沟通", match.id)
    with pytest.raises(ValidationError):  # one match per request
        requests.match_request(actor=world.nb.operator, request_id=req.id)
    trial = requests.trial_from_request(actor=world.nb.operator, request_id=req.id)
    assert trial.match_id == match.id and rows(Match) == 1


def test_a_trial_signed_on_the_contracts_page_answers_the_matched_request(world) -> None:  # noqa: ANN001
    req = ask(world)
    match = requests.match_request(actor=world.nb.operator, request_id=req.id)
    trial = create_trial(actor=world.nb.operator, result_id=world.nb.result.id,
                         licensee_org_id=world.hz.enterprise.id, match_id=match.id)
    mine = listing.get_request(actor=world.hz.enterprise_user, request_id=req.id)
    assert (mine.request_status, mine.contract_number, mine.decider_name) == (
        "trial", trial.number, world.nb.operator.display_name)
    with Session(get_engine()) as s:  # in the trial's own transaction, with its own audit entry
        actions = s.exec(select(AuditEntry.action).where(AuditEntry.entity_id == str(req.id))).all()
    assert sorted(actions) == ["request.submit", "request.to_match", "request.to_trial"]


def test_declining_needs_a_reason_the_enterprise_reads(world) -> None:  # noqa: ANN001
    req = ask(world)
    with pytest.raises(ValidationError) as err:
        requests.decline_request(actor=world.nb.operator, request_id=req.id, reason="  ")
    assert err.value.field == "request_reply"
    assert listing.get_request(actor=world.hz.enterprise_user, request_id=req.id).request_status == "open"
    requests.decline_request(actor=world.nb.operator, request_id=req.id, reason="该成果试用名额已满")
    row = listing.get_request(actor=world.hz.enterprise_user, request_id=req.id)
    assert (row.request_status, row.reply) == ("declined", "该成果试用名额已满") and row.decided_at
    with Session(get_engine()) as s:
        assert "request.decline" in s.exec(select(AuditEntry.action).where(AuditEntry.entity_id == str(req.id))).all()


@pytest.mark.parametrize("who", ["hz_operator", "nb_manager", "nb_enterprise", "hz_manager", "nb_officer"])
def test_only_the_results_city_staff_answer(world, who: str) -> None:  # noqa: ANN001
    req = ask(world)
    city, role = who.split("_")
    actor = getattr(getattr(world, city), {"enterprise": "enterprise_user"}.get(role, role))
    for answer in (lambda: requests.decline_request(actor=actor, request_id=req.id, reason="不合适"),
                   lambda: requests.match_request(actor=actor, request_id=req.id),
                   lambda: requests.trial_from_request(actor=actor, request_id=req.id)):
        with pytest.raises((NotFound, PermissionDenied)):
            answer()
    assert rows(Match) == rows(Contract) == 0
    assert listing.get_request(actor=world.nb.operator, request_id=req.id).request_status == "open"


def test_the_province_answers_any_citys_request_for_an_agency_it_names(world) -> None:  # noqa: ANN001
    req = ask(world)
    with pytest.raises(ValidationError) as err:
        requests.match_request(actor=world.admin, request_id=req.id)
    assert err.value.field == "agency" and rows(Match) == 0
    requests.match_request(actor=world.admin, request_id=req.id, agency_id=world.nb.agency.id)
    assert listing.get_request(actor=world.admin, request_id=req.id).request_status == "matched"


def test_only_the_enterprise_withdraws_and_only_while_open(world) -> None:  # noqa: ANN001
    req = ask(world)
    for other in (world.nb.enterprise_user, world.nb.operator, world.hz.operator):
        with pytest.raises((NotFound, PermissionDenied)):
            requests.withdraw_request(actor=other, request_id=req.id)
    row = listing.get_request(actor=world.hz.enterprise_user, request_id=req.id)
    assert "withdraw" in allowed_actions(world.hz.enterprise_user, row)
    requests.withdraw_request(actor=world.hz.enterprise_user, request_id=req.id)
    assert listing.get_request(actor=world.hz.enterprise_user, request_id=req.id).request_status == "withdrawn"
    with pytest.raises(ValidationError):
        requests.withdraw_request(actor=world.hz.enterprise_user, request_id=req.id)
    with pytest.raises(ValidationError):  # a withdrawn request is no longer the operator's to answer
        requests.decline_request(actor=world.nb.operator, request_id=req.id, reason="晚了")


def test_a_roadshow_intent_is_not_a_request(world) -> None:  # noqa: ANN001
    qr = Intent(result_id=world.nb.result.id, city_code=world.nb.code, company_name="某公司",
                credit_code=world.hz.enterprise.credit_code, contact_person="张三", phone="13900000000",
                enterprise_org_id=world.hz.enterprise.id)
    save(qr)
    with pytest.raises(NotFound):
        requests.withdraw_request(actor=world.hz.enterprise_user, request_id=qr.id)
    assert listing.list_requests(actor=world.hz.enterprise_user).total == 0


def test_the_open_count_and_the_status_filter(world) -> None:  # noqa: ANN001
    first, second = ask(world), ask(world, RequestKind.INTEREST)
    requests.decline_request(actor=world.nb.operator, request_id=first.id, reason="不合适")
    assert listing.open_request_count(actor=world.nb.operator) == 1
    assert [r.id for r in listing.list_requests(actor=world.nb.operator, status=RequestStatus.OPEN).rows] == [second.id]
    assert listing.open_request_count(actor=world.hz.operator) == 0
