"""Every change stamps updated_at (the province roll-up keeps the newer row), without each
service having to remember it; a stamp the change sets itself is kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from db.engine import get_engine
from db.models import Result
from portal.core.clock import TZ, now
from portal.pool import approval
from tests.factories import make_result


def _stamp(result_id) -> datetime:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.get(Result, result_id).updated_at


def test_a_service_change_moves_updated_at_forward(world) -> None:
    old = datetime(2025, 1, 1, tzinfo=TZ)
    r = make_result(world.hz.licensor, status="submitted", updated_at=old)
    approval.approve_result(actor=world.admin, result_id=r.id, reason="同意")
    assert _stamp(r.id) >= now() - timedelta(minutes=1)


def test_an_explicit_stamp_and_an_unchanged_record_are_left_alone(world) -> None:
    old = datetime(2025, 1, 1, tzinfo=TZ)
    r = make_result(world.hz.licensor, updated_at=old)
    with Session(get_engine()) as s:
        row = s.get(Result, r.id)
        row.title = row.title  # no real change
        s.add(row)
        s.commit()
    assert _stamp(r.id) == old
    chosen = datetime(2025, 6, 1, tzinfo=TZ)
    with Session(get_engine()) as s:
        row = s.get(Result, r.id)
        row.title, row.updated_at = "改名", chosen  # e.g. a roll-up copying a city's row
        s.add(row)
        s.commit()
    assert _stamp(r.id) == chosen
