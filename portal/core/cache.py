"""Figures worth keeping between reruns: aggregates, filter option lists.

A page reruns on every click, and some of what it shows costs 10–300 ms at province scale while
changing only when somebody writes. Values are cached in this process with the database URL and
the scope (a city, or None for the province) in the key. A commit that touched a watched table
drops the cached values of that city and every province-wide one (a SQLAlchemy session event, so
no service has to remember it); writes by other processes (CLI imports, a second server) show
within CACHE_SECONDS.

The key must carry everything the value depends on besides the data: the scope, the period, the
filters. A user never reads a value computed for a scope wider than the key says.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from db.engine import get_engine

CACHE_SECONDS = 300
MAX_ENTRIES = 512
WATCHED = {"result", "match_record", "contract", "fee_claim", "budget", "points_event", "policy_version",
           "organization", "agency"}
_ALL = "*"

_lock = threading.Lock()
_cache: OrderedDict[tuple, tuple[float, str | None, Any]] = OrderedDict()
_generation = 0  # bumped by every invalidation: a value computed across one is not kept


@event.listens_for(OrmSession, "after_flush")
def _note_writes(session: OrmSession, _ctx: Any) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if getattr(obj, "__tablename__", None) in WATCHED:
            session.info.setdefault("cache_stale", set()).add(getattr(obj, "city_code", None) or _ALL)


@event.listens_for(OrmSession, "after_commit")
def _invalidate(session: OrmSession) -> None:
    cities_changed = session.info.pop("cache_stale", None)
    if cities_changed:
        invalidate(cities_changed)


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget(session: OrmSession, _previous: Any) -> None:
    session.info.pop("cache_stale", None)


def invalidate(cities_changed: set[str] | None = None) -> None:
    """Drop cached values of the cities changed and every province-wide value (all, when None)."""
    global _generation
    with _lock:
        _generation += 1
        if cities_changed is None or _ALL in cities_changed:
            _cache.clear()
            return
        for key in [k for k, (_, city, _) in _cache.items() if city is None or city in cities_changed]:
            del _cache[key]


def cached(key: tuple, compute: Callable[[], Any], *, city: str | None) -> Any:
    """compute() once per key until a write to that city (or any write, for province-wide values,
    city=None) or CACHE_SECONDS. Callers treat the value as read-only: it is shared."""
    key = (str(get_engine().url), city, *key)
    with _lock:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            _cache.move_to_end(key)
            return hit[2]
        generation = _generation
    started = time.monotonic()
    value = compute()
    with _lock:
        if generation == _generation:  # nothing was written while we computed
            _cache[key] = (started, city, value)
            while len(_cache) > MAX_ENTRIES:
                _cache.popitem(last=False)
    return value


def cached_keys() -> set[tuple]:
    """The keys held now (for tests)."""
    with _lock:
        return set(_cache)
