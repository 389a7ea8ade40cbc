"""Eight simultaneous attempts to take the last slot of a resource-day end with exactly one
booking, on SQLite and PostgreSQL: real threads, each in its own write transaction."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import PilotBooking
from db.models.enums import BookingStatus
from portal.core.clock import today
from portal.core.errors import ValidationError
from portal.pilot import bookings as bk
from portal.pilot import capacity as cap
from tests.factories import at_once, make_org
from tests.test_pilot import make_platform

ATTEMPTS = 8


def _race(world, resource) -> tuple[list, list]:  # noqa: ANN001
    """ATTEMPTS threads book the same day of resource at once; (bookings made, refusals)."""
    hz = world.hz
    enterprises = [make_org(f"杭州并发测试企业{i}有限公司", "enterprise", hz.code) for i in range(ATTEMPTS)]
    day = today() + timedelta(days=5)
    made, refused, errors = [], [], []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        try:
            booking = bk.book_pilot(actor=hz.operator, resource_id=resource.id, enterprise_org_id=enterprises[i].id,
                                    result_id=hz.result.id, start_date=day - timedelta(days=i % 3),
                                    end_date=day + timedelta(days=i % 2))
            with lock:
                made.append(booking.id)
        except ValidationError as exc:
            with lock:
                refused.append(exc)
        except Exception as exc:  # noqa: BLE001 — reported below
            with lock:
                errors.append(exc)

    at_once(ATTEMPTS, attempt, timeout=60)
    assert not errors, errors
    return made, refused


def test_eight_attempts_on_the_last_slot_make_exactly_one_booking(world) -> None:
    hz = world.hz
    _, resource = make_platform(hz, capacity=2)
    day = today() + timedelta(days=5)
    bk.book_pilot(actor=hz.operator, resource_id=resource.id, enterprise_org_id=hz.enterprise.id,
                  result_id=hz.result.id, start_date=day, end_date=day)  # one of two slots taken
    made, refused = _race(world, resource)
    assert len(made) == 1 and len(refused) == ATTEMPTS - 1
    assert {e.key for e in refused} == {"pilot.error.over_capacity"}
    with Session(get_engine()) as s:
        n = s.exec(select(func.count()).select_from(PilotBooking).where(
            PilotBooking.resource_id == resource.id, PilotBooking.status == BookingStatus.REQUESTED,
            PilotBooking.start_date <= day, PilotBooking.end_date >= day)).one()
    assert n == 2


def test_without_the_row_lock_postgresql_double_books(world, monkeypatch) -> None:
    """The race is real on PostgreSQL: a check-then-insert without the row lock lets several
    writers through, so the test above would catch a missing lock. On SQLite the IMMEDIATE write
    transaction alone serializes them."""
    hz = world.hz
    _, resource = make_platform(hz, capacity=1)
    original = cap.holding_bookings

    def slow_count(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        rows = original(*args, **kw)
        time.sleep(0.1)  # widen the window between the check and the insert
        return rows

    monkeypatch.setattr(cap, "lock_resource", lambda s, rid: s.get(cap.PilotResource, rid))
    monkeypatch.setattr(cap, "holding_bookings", slow_count)
    made, _ = _race(world, resource)
    if get_engine().dialect.name == "postgresql":
        assert len(made) > 1
    else:
        assert len(made) == 1
