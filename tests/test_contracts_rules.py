"""The contract, voucher, insurance and template tables (portal.contracts.rules): who reads, who
writes, from which status; a presenter reads nothing; pickers and the services they feed agree;
composite actions are one transaction."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from db.engine import read_session
from db.models import AuditEntry, Contract, ContractTemplate, Match
from portal.contracts import (
    documents,
    insurance,
    listing,
    outcomes,
    templates,
    trial_matches,
    trials,
    vouchers,
)
from portal.contracts.rules import CONTRACT, TemplateScope
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.workflow import allowed_actions, may
from portal.hub import matches as matching
from portal.scoring import points
from tests.factories import make_org, make_trial


@pytest.fixture
def book(world):  # noqa: ANN201
    """A Hangzhou trial with a policy and a voucher, and a deal converted from another trial."""
    hz = world.hz
    insurer = make_org("人保财险杭州分公司", "insurer", "330100")
    trial = make_trial(hz.result, hz.enterprise, hz.agency)
    policy = insurance.add_policy(actor=hz.operator, contract_id=trial.id, insurer_org_id=insurer.id,
                                  policy_number="PR0001", product="试用险", premium="5000", coverage="1",
                                  start_date=trial.start_date, end_date=trial.end_date)
    voucher = vouchers.issue_voucher(actor=hz.operator, enterprise_org_id=hz.enterprise.id, amount="9000",
                                     expires_on=today() + timedelta(days=90))
    source = make_trial(hz.result, make_org("乙企业", "enterprise"), hz.agency)
    deal = outcomes.convert_trial(actor=hz.operator, trial_id=source.id, kind="transfer", deal_amount="100",
                                  signing_date=today(), payment_terms="一次性支付")
    return SimpleNamespace(world=world, insurer=insurer, trial=trial, policy=policy, voucher=voucher, deal=deal)


def _calls(b):  # noqa: ANN001, ANN202
    """Every contracts service a presenter might call, with arguments about Hangzhou's records."""
    hz = b.world.hz
    return {
        "list_contracts": lambda a: listing.list_contracts(actor=a),
        "export_contracts_xlsx": lambda a: listing.export_contracts_xlsx(actor=a),
        "contract_detail": lambda a: listing.contract_detail(actor=a, contract_id=b.trial.id),
        "find_contract_id": lambda a: listing.find_contract_id(actor=a, number=b.trial.number),
        "expiring_trials": lambda a: listing.expiring_trials(actor=a),
        "listed_results": lambda a: listing.listed_results(actor=a),
        "generate_document": lambda a: documents.generate_document(actor=a, contract_id=b.deal.id),
        "contract_risks": lambda a: documents.contract_risks(actor=a, contract_id=b.trial.id),
        "list_converted_deals": lambda a: outcomes.list_converted_deals(actor=a),
        "list_vouchers": lambda a: vouchers.list_vouchers(actor=a),
        "redemption_bounds": lambda a: vouchers.redemption_bounds(actor=a, voucher_id=b.voucher.id,
                                                                  policy_id=b.policy.id),
        "match_choices": lambda a: trial_matches.match_choices(actor=a, result_id=hz.result.id),
        "trial_defaults": lambda a: trials.trial_defaults(actor=a, result_id=hz.result.id),
        "list_templates": lambda a: templates.list_templates(actor=a, city_code="330100"),
        "current_template": lambda a: templates.current_template(actor=a, city_code="330100"),
        "create_trial": lambda a: trials.create_trial(actor=a, result_id=hz.result.id,
                                                      licensee_org_id=hz.enterprise.id),
        "convert_trial": lambda a: outcomes.convert_trial(actor=a, trial_id=b.trial.id, kind="transfer",
                                                          deal_amount="1", signing_date=today(), payment_terms="x"),
        "record_objection": lambda a: outcomes.record_objection(actor=a, contract_id=b.trial.id, objector_name="a",
                                                                objector_contact="b", reason="c"),
        "add_policy": lambda a: insurance.add_policy(actor=a, contract_id=b.trial.id, insurer_org_id=b.insurer.id,
                                                     policy_number="X", product="x", premium="1", coverage="1",
                                                     start_date=today(), end_date=today()),
        "issue_voucher": lambda a: vouchers.issue_voucher(actor=a, enterprise_org_id=hz.enterprise.id, amount="1",
                                                          expires_on=today() + timedelta(days=3)),
        "redeem_voucher": lambda a: vouchers.redeem_voucher(actor=a, voucher_id=b.voucher.id, policy_id=b.policy.id),
    }


SERVICES = ("list_contracts", "export_contracts_xlsx", "contract_detail", "find_contract_id", "expiring_trials",
            "listed_results", "generate_document", "contract_risks", "list_converted_deals", "list_vouchers",
            "redemption_bounds", "match_choices", "trial_defaults", "list_templates", "current_template",
            "create_trial", "convert_trial", "record_objection", "add_policy", "issue_voucher", "redeem_voucher")


@pytest.mark.parametrize("name", SERVICES)
def test_a_presenter_reads_and_writes_no_contracts(book, name: str) -> None:
    # DOMAIN.md rule 9: a presenter sees only published roadshow cards (issue 14: it read 22 contracts)
    calls = _calls(book)
    assert set(calls) == set(SERVICES)
    with pytest.raises((NotFound, PermissionDenied)):
        calls[name](book.world.hz.presenter)
    with read_session() as s:
        assert len(s.exec(select(Contract.id)).all()) == 3  # nothing was written either


def test_pickers_offer_a_presenter_nothing(book) -> None:
    presenter = book.world.hz.presenter
    assert listing.enterprise_search(actor=presenter, text="恒拓") == []
    assert listing.insurers(actor=presenter) == []
    assert templates.template_scopes(actor=presenter) == []


def test_who_reads_contracts(book) -> None:
    w = book.world
    numbers = {book.trial.number, book.deal.number}

    def seen(actor) -> set[str]:  # noqa: ANN001
        return {r.number for r in listing.list_contracts(actor=actor).rows} & numbers

    for reader in (w.hz.operator, w.hz.plain_operator, w.hz.manager, w.admin, w.province_manager, w.hz.officer):
        assert seen(reader) == numbers, reader.username
    assert seen(w.hz.enterprise_user) == {book.trial.number}  # a party to the trial, not to the deal
    for outsider in (w.nb.operator, w.nb.manager, w.nb.officer, w.nb.enterprise_user):
        assert seen(outsider) == set(), outsider.username
        with pytest.raises(NotFound):
            listing.contract_detail(actor=outsider, contract_id=book.trial.id)
    assert listing.contract_detail(actor=w.hz.manager, contract_id=book.trial.id).contract.id == book.trial.id
    assert [d.number for d in outcomes.list_converted_deals(actor=w.hz.manager)] == [book.deal.number]


def test_managers_and_parties_only_read(book) -> None:
    w = book.world
    for reader in (w.hz.manager, w.hz.officer, w.hz.enterprise_user):
        for name in ("convert_trial", "record_objection", "add_policy", "issue_voucher", "redeem_voucher",
                     "create_trial"):
            with pytest.raises(PermissionDenied):
                _calls(book)[name](reader)
        assert allowed_actions(reader, listing.contract_detail(actor=reader, contract_id=book.trial.id).contract) \
            == ["document"]
    with pytest.raises(PermissionDenied):
        listing.expiring_trials(actor=w.hz.manager)
    assert listing.expiring_trials(actor=w.hz.operator).total == 0


def test_another_citys_operator_finds_nothing_to_change(book) -> None:
    nb = book.world.nb.operator
    for name in ("contract_detail", "find_contract_id", "generate_document", "contract_risks", "convert_trial",
                 "record_objection", "add_policy", "redemption_bounds", "redeem_voucher"):
        with pytest.raises(NotFound):
            _calls(book)[name](nb)


@pytest.mark.parametrize(("status", "outcomes_allowed"), [
    ("active", {"convert", "extend", "terminate"}),
    ("extended", {"convert", "extend", "terminate"}),
    ("expired", {"convert", "extend", "terminate"}),
    ("disputed", {"terminate"}),
    ("converted", set()),
    ("terminated", set()),
])
def test_what_a_trial_may_become_depends_on_its_status(world, status: str, outcomes_allowed: set) -> None:
    trial = make_trial(world.hz.result, world.hz.enterprise, world.hz.agency, status=status)
    actions = set(allowed_actions(world.hz.operator, trial))
    assert actions & {"convert", "extend", "terminate"} == outcomes_allowed
    assert {"document", "object", "resolve"} <= actions
    assert ("dispute" in actions) == (status in ("active", "extended"))
    assert allowed_actions(world.nb.operator, trial) == []
    refused = {"convert", "extend", "terminate"} - outcomes_allowed
    if "convert" in refused:
        with pytest.raises(ValidationError) as err:
            outcomes.convert_trial(actor=world.hz.operator, trial_id=trial.id, kind="transfer", deal_amount="1",
                                   signing_date=today(), payment_terms="x")
        assert (err.value.key, err.value.field) == ("contracts.error.not_convertible", "contract")
    if "terminate" in refused:
        with pytest.raises(ValidationError) as err:
            outcomes.terminate_trial(actor=world.hz.operator, trial_id=trial.id, reason="price")
        assert err.value.key == "contracts.error.not_running"


def test_a_deal_has_no_trial_outcome(book) -> None:
    with pytest.raises(ValidationError) as err:
        outcomes.extend_trial(actor=book.world.hz.operator, trial_id=book.deal.id,
                              new_end_date=today() + timedelta(days=30), reason="x")
    assert err.value.key == "contracts.error.not_a_trial"


def test_list_rows_are_governed_by_the_contract_table(book) -> None:
    w = book.world
    row = next(r for r in listing.list_contracts(actor=w.hz.operator).rows if r.number == book.trial.number)
    assert "convert" in allowed_actions(w.hz.operator, row) and may(w.admin, "convert", row)
    assert not may(w.hz.manager, "convert", row)
    assert may(w.hz.operator, "create_trial", "contract") and not may(w.hz.manager, "create_trial", "contract")


def test_enterprise_pickers_and_services_agree(world) -> None:
    hz, nb = world.hz, world.nb
    # the picker offers Hangzhou's enterprises only, and the services refuse the others naming the field
    assert {n for _, n in listing.enterprise_search(actor=hz.operator, text="恒拓")} == {hz.enterprise.name}
    with pytest.raises(ValidationError) as err:
        trials.create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=nb.enterprise.id)
    assert (err.value.key, err.value.field) == ("error.organization_out_of_reach", "contract_licensee")
    with pytest.raises(ValidationError) as err:
        trials.trial_defaults(actor=hz.operator, result_id=hz.result.id, licensee_org_id=nb.enterprise.id)
    assert err.value.field == "contract_licensee"
    with pytest.raises(ValidationError) as err:
        vouchers.issue_voucher(actor=hz.operator, enterprise_org_id=nb.enterprise.id, amount="1",
                               expires_on=today() + timedelta(days=3))
    assert (err.value.key, err.value.field) == ("error.organization_out_of_reach", "voucher_enterprise")
    # the province names any city's enterprise; its voucher is that city's
    v = vouchers.issue_voucher(actor=world.admin, enterprise_org_id=nb.enterprise.id, amount="1",
                               expires_on=today() + timedelta(days=3))
    assert v.city_code == "330200" and v.code.startswith("CXQ3302")
    with read_session() as s:
        assert len(s.exec(select(Contract.id)).all()) == 0


def test_insurers_are_offered_and_accepted_province_wide(world) -> None:
    hz = world.hz
    ningbo_insurer = make_org("太保宁波分公司", "insurer", "330200")
    assert [name for _, name in listing.insurers(actor=hz.operator)] == [ningbo_insurer.name]
    trial = make_trial(hz.result, hz.enterprise, hz.agency)
    policy = insurance.add_policy(actor=hz.operator, contract_id=trial.id, insurer_org_id=ningbo_insurer.id,
                                  policy_number="NB1", product="x", premium="10", coverage="10",
                                  start_date=trial.start_date, end_date=trial.end_date)
    assert policy.insurer_org_id == ningbo_insurer.id
    with pytest.raises(ValidationError) as err:
        insurance.add_policy(actor=hz.operator, contract_id=trial.id, insurer_org_id=hz.enterprise.id,
                             policy_number="NB2", product="x", premium="10", coverage="10",
                             start_date=trial.start_date, end_date=trial.end_date)
    assert err.value.field == "policy_insurer"


def test_the_match_picker_follows_the_match_table(world) -> None:
    hz = world.hz
    m = matching.record_match(actor=hz.operator, result_id=hz.result.id, enterprise_org_id=hz.enterprise.id,
                              channel="visit", contact_date=today())
    assert [c.id for c in trial_matches.match_choices(actor=hz.plain_operator, result_id=hz.result.id)] == [m.id]
    assert trial_matches.match_choices(actor=world.nb.operator, result_id=hz.result.id) == []
    for reader in (hz.manager, hz.enterprise_user, hz.presenter):
        with pytest.raises(PermissionDenied):
            trial_matches.match_choices(actor=reader, result_id=hz.result.id)


def _boom(*args, **kwargs) -> None:  # noqa: ANN002, ANN003
    raise ValidationError("error.required", field="points_kind")


def _stage(match_id) -> str:  # noqa: ANN001
    with read_session() as s:
        return s.get(Match, match_id).stage


def test_a_late_refusal_in_a_trial_from_a_match_leaves_no_trial_and_the_match_as_it_was(world, monkeypatch) -> None:
    hz = world.hz
    m = matching.record_match(actor=hz.operator, result_id=hz.result.id, enterprise_org_id=hz.enterprise.id,
                              channel="visit", contact_date=today())
    monkeypatch.setattr(points, "award", _boom)  # the last step of create_trial, after the match moved
    with pytest.raises(ValidationError):
        trials.create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                            match_id=m.id)
    with read_session() as s:
        assert s.exec(select(Contract.id)).first() is None
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "contract.create_trial")).first() is None
    assert _stage(m.id) == "contacted"


def test_a_late_refusal_in_a_conversion_leaves_no_deal_and_the_match_as_it_was(world, monkeypatch) -> None:
    hz = world.hz
    m = matching.record_match(actor=hz.operator, result_id=hz.result.id, enterprise_org_id=hz.enterprise.id,
                              channel="visit", contact_date=today())
    trial = trials.create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                                match_id=m.id)
    assert _stage(m.id) == "trial"
    monkeypatch.setattr(points, "award", _boom)  # after the deal was added and the match converted
    with pytest.raises(ValidationError):
        outcomes.convert_trial(actor=hz.operator, trial_id=trial.id, kind="transfer", deal_amount="100",
                               signing_date=today(), payment_terms="一次性支付")
    with read_session() as s:
        assert [c.id for c in s.exec(select(Contract)).all()] == [trial.id]
        assert s.get(Contract, trial.id).status == "active"
    assert _stage(m.id) == "trial"


def test_the_first_use_of_a_default_template_creates_it_with_its_audit_entry(world) -> None:
    row = templates.current_template(actor=world.hz.operator, city_code="330100", kind="paid_licence")
    with read_session() as s:
        assert s.get(ContractTemplate, row.id).city_code is None
        entry = s.exec(select(AuditEntry).where(AuditEntry.entity_id == str(row.id))).one()
    assert entry.action == "contract_template.default"
    assert templates.current_template(actor=world.admin, city_code=None, kind="paid_licence").id == row.id


def test_who_reads_and_edits_templates(world) -> None:
    hz, nb = world.hz, world.nb
    assert templates.template_scopes(actor=hz.operator) == ["330100"]  # a city administrator: its city
    assert templates.template_scopes(actor=hz.plain_operator) == ["330100"]  # to read
    assert templates.template_scopes(actor=world.admin)[:2] == [None, "330100"]
    assert may(hz.operator, "edit", TemplateScope("330100")) and not may(hz.plain_operator, "edit",
                                                                         TemplateScope("330100"))
    assert not may(hz.operator, "edit", TemplateScope(None)) and may(world.admin, "edit", TemplateScope(None))
    # every city's operators read the province's defaults, not another city's versions
    assert templates.list_templates(actor=nb.operator, city_code=None) == []
    with pytest.raises(NotFound):
        templates.current_template(actor=nb.operator, city_code="330100")
    for outsider in (hz.manager, hz.officer, hz.enterprise_user):
        with pytest.raises(PermissionDenied):
            templates.list_templates(actor=outsider, city_code="330100")
    assert CONTRACT.may(world.admin, "expire")  # the daily job acts as the province-wide system
