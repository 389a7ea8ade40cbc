"""Figures worth keeping between reruns: aggregates, filter option lists.

A page reruns on every click, and some of what it shows costs 10–300 ms at province scale while
changing only when somebody writes. Values are cached in this process with the database URL and
the scope (a city, or None for the province) in the key. A commit that touched a watched table
drops the cached values of that city and every province-wide one (a SQLAlchemy session event, so
no service has to remember it).

Other processes (the other `portal serve --workers`, a CLI import, `portal tick`): on PostgreSQL
the same flush hook sends `NOTIFY portal_cache` with the cities changed inside the transaction
(delivered at its commit, dropped by a rollback), and every process that
caches figures of that database listens on a connection of its own and drops the same entries
(within milliseconds; tests/test_cache_processes.py). While that listener is connected, entries
live LISTENING_SECONDS; a lost connection (or SQLite, which has no such mechanism) falls back to
CACHE_SECONDS, and a reconnect drops everything, since notifications may have been missed. (The
listener starts with the first cached value; `listening(timeout=…)` starts it ahead, as the
start-up warm-up does.)

The key must carry everything the value depends on besides the data: the scope, the period, the
filters. A user never reads a value computed for a scope wider than the key says.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from itertools import chain
from typing import Any

import psycopg
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session as OrmSession

from db.engine import get_engine

log = logging.getLogger("portal.cache")
CACHE_SECONDS = 300  # without a listener: how long another process's write may go unseen
LISTENING_SECONDS = 3600  # with one: a safety net only
CHANNEL = "portal_cache"
SENDER = f"{os.getpid()}-{secrets.token_hex(4)}"  # this process: its own notifications are done already
MAX_ENTRIES = 512
WATCHED = {"result", "match_record", "contract", "fee_claim", "budget", "points_event", "policy_version",
           "organization", "agency"}
_ALL = "*"

_lock = threading.Lock()
_cache: OrderedDict[tuple, tuple[float, str | None, Any]] = OrderedDict()
_generation = 0  # bumped by every invalidation: a value computed across one is not kept


@event.listens_for(OrmSession, "after_flush")
def _note_writes(session: OrmSession, _ctx: Any) -> None:
    cities = {getattr(obj, "city_code", None) or _ALL for obj in chain(session.new, session.dirty, session.deleted)
              if getattr(obj, "__tablename__", None) in WATCHED}
    if cities:
        session.info.setdefault("cache_stale", set()).update(cities)


@event.listens_for(OrmSession, "before_commit")
def _tell_other_processes(session: OrmSession) -> None:
    """One NOTIFY per transaction, naming every city its flushes touched (not one per flush)."""
    session.flush()  # what is still pending is written, and noted, before the message goes
    cities = session.info.get("cache_stale")
    if not cities:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # NOTIFY is transactional: the other processes hear it when (and only if) this commits
        payload = json.dumps({"from": SENDER, "cities": sorted(cities)})
        connection.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})


@event.listens_for(OrmSession, "after_commit")
def _invalidate(session: OrmSession) -> None:
    cities_changed = session.info.pop("cache_stale", None)
    if cities_changed:
        invalidate(cities_changed)


class _Listener(threading.Thread):
    """LISTEN portal_cache on a connection of its own; reconnects with a pause."""

    def __init__(self, url: str, dsn: str) -> None:
        super().__init__(name=f"portal-cache-listener {url.rsplit('@', 1)[-1]}", daemon=True)
        self.url, self.dsn = url, dsn
        self.connected = threading.Event()

    def run(self) -> None:
        pause, first = 1.0, True
        while True:
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    if not first:
                        invalidate(None, database=self.url)  # notifications may have been missed
                    first = False
                    self.connected.set()
                    pause = 1.0
                    for note in conn.notifies():
                        self._apply(note.payload)
            except psycopg.OperationalError as exc:
                if "does not exist" in str(exc):  # a dropped database (tests): nothing left to hear
                    with _lock:
                        _listeners.pop(self.url, None)
                    return
                log.warning("cache listener: %s; entries expire after %s s meanwhile", exc, CACHE_SECONDS)
            except Exception:  # noqa: BLE001 — the time-based expiry still holds
                log.warning("cache listener failed", exc_info=True)
            self.connected.clear()
            time.sleep(pause)
            pause = min(pause * 2, 30)

    def _apply(self, payload: str) -> None:
        try:
            note = json.loads(payload)
        except ValueError:
            return
        if note.get("from") != SENDER:
            invalidate(set(note.get("cities") or [_ALL]), database=self.url)


_listeners: dict[str, _Listener] = {}


def _listening(engine: Engine) -> bool:
    """Whether this process hears engine's database's invalidations (starting the listener once)."""
    if engine.dialect.name != "postgresql":
        return False
    url = str(engine.url)
    listener = _listeners.get(url)
    if listener is None:
        with _lock:
            listener = _listeners.get(url)
            if listener is None:
                dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
                listener = _listeners[url] = _Listener(url, dsn)
                listener.start()
    return listener.connected.is_set()


def listening(engine: Engine | None = None, timeout: float = 0) -> bool:
    """Whether the listener of engine's database is connected (waiting up to timeout seconds)."""
    engine = engine or get_engine()
    return _listening(engine) or (engine.dialect.name == "postgresql"
                                  and _listeners[str(engine.url)].connected.wait(timeout))


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget(session: OrmSession, _previous: Any) -> None:
    session.info.pop("cache_stale", None)


def invalidate(cities_changed: set[str] | None = None, *, database: str | None = None) -> None:
    """Drop cached values of the cities changed and every province-wide value (all, when None),
    of every database or only of the one whose URL is database."""
    global _generation
    with _lock:
        _generation += 1
        everything = cities_changed is None or _ALL in cities_changed
        if everything and database is None:
            _cache.clear()
            return
        for key in [k for k, (_, city, _) in _cache.items()
                    if (database is None or k[0] == database)
                    and (everything or city is None or city in cities_changed)]:
            del _cache[key]


def cached(key: tuple, compute: Callable[[], Any], *, city: str | None) -> Any:
    """compute() once per key until a write to that city (or any write, for province-wide values,
    city=None) or CACHE_SECONDS. Callers treat the value as read-only: it is shared."""
    engine = get_engine()
    key = (str(engine.url), city, *key)
    lifetime = LISTENING_SECONDS if _listening(engine) else CACHE_SECONDS
    with _lock:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < lifetime:
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
