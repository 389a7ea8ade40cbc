"""A trial names the 供需荟 match it came from: the picker's choices, the checks, the match's stage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from db.engine import read_session
from db.models import AuditEntry, Contract, Match
from portal.contracts.outcomes import convert_trial
from portal.contracts.trial_matches import match_choices
from portal.contracts.trials import create_trial
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.hub import matches as matching
from tests.factories import make_org, make_result, save


def _match(city, *, actor=None, result=None, enterprise=None, days_ago: int = 0) -> Match:  # noqa: ANN001
    return matching.record_match(actor=actor or city.operator, result_id=(result or city.result).id,
                                 enterprise_org_id=(enterprise or city.enterprise).id, channel="visit",
                                 contact_date=today() - timedelta(days=days_ago),
                                 agency_id=city.agency.id if actor is not None else None)


def _trial(city, match_id, *, actor=None, enterprise=None, **kw):  # noqa: ANN001, ANN003, ANN202
    return create_trial(actor=actor or city.operator, result_id=city.result.id,
                        licensee_org_id=(enterprise or city.enterprise).id, match_id=match_id, **kw)


def _contracts() -> int:
    with read_session() as s:
        return len(s.exec(select(Contract.id)).all())


def _stage(match_id) -> str:  # noqa: ANN001
    with read_session() as s:
        return s.get(Match, match_id).stage


def test_trial_links_its_match_and_moves_it_to_the_trial_stage(world) -> None:
    hz = world.hz
    m = _match(hz)
    assert [c.id for c in match_choices(actor=hz.operator, result_id=hz.result.id,
                                        licensee_org_id=hz.enterprise.id)] == [m.id]
    trial = _trial(hz, m.id)
    assert trial.match_id == m.id and _stage(m.id) == "trial"
    with read_session() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.entity_id == str(m.id),
                                                AuditEntry.action == "match.stage")).one()
    assert entry.reason == trial.number
    assert _trial(hz, None, enterprise=make_org("庚企业", "enterprise")).match_id is None  # optional


def test_converting_the_trial_converts_its_match_and_ends_its_follow_ups(world) -> None:
    hz = world.hz
    m = _match(hz)
    trial = _trial(hz, m.id)
    unlinked = _trial(hz, None, enterprise=make_org("辛企业", "enterprise"))
    deal = convert_trial(actor=hz.operator, trial_id=trial.id, kind="paid_licence", deal_amount="80000",
                         signing_date=today(), payment_terms="一次性支付")
    with read_session() as s:
        match = s.get(Match, m.id)
        assert (match.stage, match.next_follow_up) == ("converted", None)
        entries = s.exec(select(AuditEntry.reason).where(AuditEntry.entity_id == str(m.id),
                                                         AuditEntry.action == "match.stage")).all()
    assert deal.number in entries
    convert_trial(actor=hz.operator, trial_id=unlinked.id, kind="transfer", deal_amount="50000",
                  signing_date=today(), payment_terms="分两期")  # no match: nothing else to move


def test_a_match_about_other_parties_or_closed_is_refused_and_nothing_changes(world) -> None:
    hz = world.hz
    other = _match(hz, enterprise=make_org("辛企业", "enterprise"))
    with pytest.raises(ValidationError) as err:
        _trial(hz, other.id)
    assert (err.value.key, err.value.field) == ("contracts.error.match_other_parties", "contract_match")
    dropped = matching.move_stage(actor=hz.operator, match_id=_match(hz).id, stage="dropped", drop_reason="price")
    with pytest.raises(ValidationError) as err:
        _trial(hz, dropped.id)
    assert err.value.key == "contracts.error.match_closed"
    assert _contracts() == 0 and _stage(other.id) == "contacted"


def test_another_citys_match_looks_absent(world) -> None:
    hz, nb = world.hz, world.nb
    ningbo = _match(nb, result=hz.result)  # Ningbo's agency matched Hangzhou's result with a Ningbo firm
    assert match_choices(actor=hz.operator, result_id=hz.result.id) == []
    with pytest.raises(NotFound):
        _trial(hz, ningbo.id)
    # the province sees it, but a trial of Hangzhou's agency cannot name Ningbo's match
    with pytest.raises(NotFound):
        _trial(hz, ningbo.id, actor=world.admin, agency_id=hz.agency.id)
    assert _contracts() == 0 and _stage(ningbo.id) == "contacted"
    trial = _trial(hz, ningbo.id, actor=world.admin, agency_id=nb.agency.id, enterprise=nb.enterprise)
    assert trial.city_code == "330200" and trial.match_id == ningbo.id


def test_choices_are_the_results_open_matches_latest_first_at_most_50(world) -> None:
    hz = world.hz
    older, newer = _match(hz, days_ago=5), _match(hz, days_ago=1)
    _match(hz, result=make_result(hz.licensor, title="另一项成果"))  # another result
    matching.move_stage(actor=hz.operator, match_id=_match(hz).id, stage="converted")  # closed
    assert [c.id for c in match_choices(actor=hz.operator, result_id=hz.result.id)] == [newer.id, older.id]
    assert match_choices(actor=hz.operator, result_id=None) == []
    save(*(Match(result_id=hz.result.id, enterprise_org_id=hz.enterprise.id, agency_id=hz.agency.id,
                 city_code="330100", channel="phone", contact_date=today() - timedelta(days=10 + i))
           for i in range(55)))
    assert len(match_choices(actor=hz.operator, result_id=hz.result.id, limit=500)) == 50
    # the province narrows to the city of the agency it records for
    nb_match = _match(world.nb, result=hz.result)
    assert [c.id for c in match_choices(actor=world.admin, result_id=hz.result.id, city_code="330200")] \
        == [nb_match.id]
    for reader in (hz.manager, hz.officer, hz.enterprise_user):
        with pytest.raises(PermissionDenied):
            match_choices(actor=reader, result_id=hz.result.id)
