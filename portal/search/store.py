"""Stored tokens and the process's index: results are tokenized once, when listed or changed.

`result_terms` keeps each listed result's term counts with a change number (`seq`); withdrawn
results keep a tombstone row. Each process holds one `Bm25Index` per database, built from the
stored counts at first use and brought up to date by reading only the rows whose seq is newer —
so a page view costs one single-row read, and neither a restart nor another process's change
re-tokenizes the pool. `search_state.epoch` changes when the tokens are rebuilt from scratch.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from db.engine import get_engine, read_session, transaction
from db.models import Result, ResultTerms, SearchState
from db.models.enums import ResultStatus
from portal.core.clock import now
from portal.core.errors import PortalError
from portal.core.settings import get_settings
from portal.search import embed, text, vectors
from portal.search.index import Bm25Index, load_snapshot, save_snapshot
from portal.search.vectors import DenseIndex

_lock = threading.Lock()
_indexes: dict[str, _Loaded] = {}
log = logging.getLogger(__name__)
SNAPSHOT_MIN = 20000  # smaller indexes rebuild from stored tokens in about a second
AUTO_REINDEX_LIMIT = 5000  # a never-indexed pool larger than this is left to `portal search reindex`
AUTO_EMBED_LIMIT = 20  # at a process's first use, up to this many missing vectors are embedded then (a new pool)


class IndexNotBuilt(PortalError):
    """The pool has never been tokenized and is too large to do it during a page view."""

    def __init__(self) -> None:
        super().__init__("rec.index_not_built")


class _Loaded:
    """An index and the change number / epoch it reflects."""

    def __init__(self) -> None:
        self.index = Bm25Index()
        self.dense = DenseIndex()
        self.seq = -1
        self.epoch = ""


def _state(session: Session, *, create: bool) -> SearchState | None:
    state = session.get(SearchState, 1)
    if state is None and create:
        # two first writers at once must not both insert the one row
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.exec(insert(SearchState).values(id=1, seq=0, epoch=uuid.uuid4().hex).on_conflict_do_nothing())
        state = session.get(SearchState, 1)
    return state


def _take_seqs(session: Session, n: int) -> int:
    """Reserve n change numbers; returns the first (the row update serializes writers)."""
    _state(session, create=True)
    session.exec(update(SearchState).where(SearchState.id == 1).values(seq=SearchState.seq + n))
    session.expire_all()
    return session.get(SearchState, 1).seq - n + 1


def _terms_row(result: Result, seq: int) -> dict:
    counts = text.result_terms(result.title or "", result.abstract or "", result.keywords or "")
    return dict(terms=text.encode(counts), field=result.field, trl=result.trl or 0, listed=True, seq=seq)


def on_result_changed(session: Session, result: Result) -> None:
    """Keep a result's stored tokens in step with its status and text (call inside the writer's
    transaction whenever a result is listed, withdrawn, or a listed result's text changes)."""
    if session.get(SearchState, 1) is None:
        return  # never indexed: the first search tokenizes every listed result, this one with them
    row = session.get(ResultTerms, result.id)
    listed = result.status == ResultStatus.LISTED
    if not listed and row is None:
        return
    seq = _take_seqs(session, 1)
    if listed:
        values = _terms_row(result, seq)
    else:
        values = dict(terms="", listed=False, seq=seq)
    if row is None:
        row = ResultTerms(result_id=result.id, **values)
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = now()
    session.add(row)
    if listed:
        vectors.store_result_vector(session, result, _take_seqs)
    session.flush()


def embed_missing(*, everything: bool = False, progress=None, batch: int = vectors.EMBED_BATCH) -> int:  # noqa: ANN001
    """Embed listed results without a current vector (`portal search embed`); returns the count."""
    with transaction() as s:
        _state(s, create=True)
    return vectors.embed_missing(_take_seqs, everything=everything, batch=batch, progress=progress)


def reindex(*, only_missing: bool = True, batch: int = 2000, progress=None) -> int:  # noqa: ANN001
    """Tokenize listed results that have no stored tokens (or all, with a new epoch); returns the count.

    The one slow operation (~2 minutes per 200 000 results): run by `portal search reindex`, or by
    the first search of a database that has never been indexed.
    """
    done = 0
    with transaction() as s:
        if not only_missing:
            s.exec(update(ResultTerms).values(listed=False, terms=""))
            state = _state(s, create=True)
            state.epoch = uuid.uuid4().hex
            s.add(state)
        else:
            _state(s, create=True)
    while True:
        with transaction() as s:
            have = select(ResultTerms.result_id).where(ResultTerms.listed == True)  # noqa: E712
            todo = s.exec(
                select(Result).where(Result.status == ResultStatus.LISTED, Result.id.not_in(have)).limit(batch)
            ).all()
            if not todo:
                break
            first = _take_seqs(s, len(todo))
            for i, result in enumerate(todo):
                existing = s.get(ResultTerms, result.id)
                values = _terms_row(result, first + i)
                if existing is None:
                    s.add(ResultTerms(result_id=result.id, **values))
                else:
                    for key, value in values.items():
                        setattr(existing, key, value)
            done += len(todo)
            if progress:
                progress(done)
    return done


def _docs(rows: Iterable) -> Iterable[tuple[uuid.UUID, dict[str, float], str, int]]:
    for rid, terms, field, trl in rows:
        yield rid, text.decode(terms), field, trl


def current_index() -> Bm25Index:
    """This process's BM25 index for the current database, brought up to date (one small read if nothing changed)."""
    return current_indexes()[0]


def current_indexes(*, writes: bool = True) -> tuple[Bm25Index, DenseIndex]:
    """This process's BM25 index and dense matrix for the current database, both up to date.
    With writes=False (called inside another transaction) a never-indexed pool is not tokenized
    and missing vectors are not embedded now."""
    url = get_engine().url.render_as_string(hide_password=True)
    with _lock:
        loaded = _indexes.setdefault(url, _Loaded())
        with read_session() as s:
            state = _state(s, create=False)
        if state is None and not writes:
            return loaded.index, loaded.dense
        if state is None:
            with read_session() as s:
                waiting = s.exec(select(func.count()).select_from(Result)
                                 .where(Result.status == ResultStatus.LISTED)).one()
            if waiting > AUTO_REINDEX_LIMIT:
                raise IndexNotBuilt()
            if reindex() == 0:
                return loaded.index, loaded.dense
            with read_session() as s:
                state = _state(s, create=False)
        if writes and (loaded.dense.seq < 0 or state.epoch != loaded.epoch) and _auto_embed():
            with read_session() as s:
                state = _state(s, create=False)
        if state.epoch != loaded.epoch:
            if not _from_snapshot(loaded, state):
                _full_load(loaded)
                _save_snapshot(loaded)
            if state.seq > loaded.seq:
                _apply_changes(loaded, state.seq)
            loaded.dense = DenseIndex()  # another numbering of changes (tokens rebuilt, a database replaced)
        elif state.seq != loaded.seq:
            _apply_changes(loaded, state.seq)
        if loaded.dense.seq < 0:
            if not writes:  # the first read outside a transaction loads them (and embeds a few missing)
                return loaded.index, loaded.dense
            _load_vectors(loaded)
        if loaded.seq > loaded.dense.seq:
            vectors.apply_changes(loaded.dense, loaded.index.row_of, loaded.seq)
        return loaded.index, loaded.dense


def _load_vectors(loaded: _Loaded) -> None:
    """The matrix from its snapshot (a large pool) or from the stored vectors; never embedded."""
    path = snapshot_path()
    vpath = None if path is None else Path(f"{path}.vectors.npz")
    if vpath is not None and vpath.exists() and vectors.load_snapshot(
            loaded.dense, str(vpath), loaded.index.row_of, epoch=loaded.epoch, upto=loaded.seq):
        return
    vectors.load_all(loaded.dense, loaded.index.row_of, loaded.seq)
    if vpath is not None and len(loaded.dense) >= SNAPSHOT_MIN:
        try:
            vectors.save_snapshot(loaded.dense, str(vpath), epoch=loaded.epoch)
        except OSError as exc:  # a read-only folder only costs the next restart its speed
            log.warning("vector snapshot not written to %s: %s", vpath, exc)


def _auto_embed() -> bool:
    """Embed the few listed results without a vector (a small pool listed before the model was
    there, the demo's); a larger backlog is left to `portal search embed`. True if any was embedded."""
    if not embed.available():
        return False
    missing, _listed = vectors.missing_counts()
    return 0 < missing <= AUTO_EMBED_LIMIT and vectors.embed_missing(_take_seqs) > 0


def _full_load(loaded: _Loaded) -> None:
    with read_session() as s:
        state = _state(s, create=False)
        top = state.seq
        rows = s.exec(
            select(ResultTerms.result_id, ResultTerms.terms, ResultTerms.field, ResultTerms.trl)
            .where(ResultTerms.listed == True, ResultTerms.seq <= top)  # noqa: E712
        ).all()
    loaded.index.bulk_load(_docs(rows))
    loaded.seq = top
    loaded.epoch = state.epoch


def snapshot_path() -> Path | None:
    """Where this database's index snapshot lives: beside an SQLite file, else in the data folder."""
    url = get_engine().url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        return Path(f"{url.database}.search.npz")
    key = hashlib.sha1(url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    return get_settings().data_dir / f"search-{key}.npz"


def _save_snapshot(loaded: _Loaded) -> None:
    """Keep a snapshot of a large index so the next process loads it instead of rebuilding it."""
    path = snapshot_path()
    if path is None or len(loaded.index) < SNAPSHOT_MIN:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_snapshot(loaded.index, str(path), epoch=loaded.epoch, seq=loaded.seq)
    except OSError as exc:  # a read-only folder only costs the next restart its speed
        log.warning("search index snapshot not written to %s: %s", path, exc)


def _from_snapshot(loaded: _Loaded, state: SearchState) -> bool:
    """Load the snapshot when it belongs to this database's current tokens; False otherwise."""
    path = snapshot_path()
    if path is None or not path.exists():
        return False
    try:
        index, epoch, seq = load_snapshot(str(path))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("search index snapshot %s unreadable: %s", path, exc)
        return False
    if epoch != state.epoch or seq > state.seq:
        return False
    loaded.index, loaded.epoch, loaded.seq = index, epoch, seq
    return True


def _apply_changes(loaded: _Loaded, upto: int) -> None:
    with read_session() as s:
        rows = s.exec(
            select(ResultTerms).where(ResultTerms.seq > loaded.seq, ResultTerms.seq <= upto).order_by(ResultTerms.seq)
        ).all()
    for row in rows:
        if row.listed:
            loaded.index.upsert(row.result_id, text.decode(row.terms), row.field, row.trl)
        else:
            loaded.index.remove(row.result_id)
        loaded.dense.relink(row.result_id, loaded.index.row_of.get(row.result_id))
    loaded.seq = upto  # a transaction that took a number committed its row with it


def forget_indexes() -> None:
    """Drop every in-memory index (tests that swap databases)."""
    with _lock:
        _indexes.clear()
