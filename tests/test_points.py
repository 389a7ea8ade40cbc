"""Points: weights from the city's settings, one award per entity, scoped rankings."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from db.engine import loading_session, read_session
from db.models import PointsEvent, PolicyVersion
from portal.core.errors import ValidationError
from portal.scoring.points import award, ranking


def _award(world, kind="match_recorded", entity_id="m1", city=None):
    c = city or world.hz
    with loading_session() as s:
        return award(s, actor=c.operator, agency_id=c.agency.id, city_code=c.code, kind=kind,
                            entity="match_record", entity_id=entity_id, occurred_on=date(2026, 5, 1))


def test_award_uses_city_weight_and_is_once_per_entity(world) -> None:
    assert _award(world).points == 1  # the default rule
    assert _award(world) is None  # the same entity again earns nothing
    with loading_session() as s:
        s.add(PolicyVersion(region_code="330100", version=1, data={"points_rules": {"match_recorded": 4}}))
    assert _award(world, entity_id="m2").points == 4  # a saved rule applies at once
    with read_session() as s:
        assert sorted(e.points for e in s.exec(select(PointsEvent)).all()) == [1, 4]


def test_unknown_kind_is_refused(world) -> None:
    with pytest.raises(ValidationError) as err:
        _award(world, kind="bogus")
    assert err.value.field == "points_kind"


def test_ranking_is_scoped(world) -> None:
    _award(world)
    _award(world, city=world.nb, kind="conversion", entity_id="c1")
    hz = ranking(actor=world.hz.manager, by="agency", start=date(2026, 1, 1), end=date(2026, 12, 31))
    zj = ranking(actor=world.province_manager, by="city", start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert [(r.name, r.points) for r in hz] == [("hz技术转移中心", 1)]
    assert [(r.key, r.points) for r in zj] == [("330200", 10), ("330100", 1)]
