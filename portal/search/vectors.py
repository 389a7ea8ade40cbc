"""Stored sentence vectors and the process's dense matrix, kept in step like the BM25 index.

A result's vector is computed when it is listed or its listed text changes (inside the pool's
transaction, through `portal.search.on_result_changed`) and stored in `result_vector` with a change
number from `search_state`; `portal search embed` computes what is missing (a pool listed before
the model was installed, or on a machine where it cannot load). Each process holds one float32
matrix per database (`DenseIndex`), read from the stored vectors at first use and then brought up
to date by reading only rows with a newer change number: nothing is re-embedded at start-up.

Every dense row knows the BM25 index row of its result, so the two scores fuse by row number;
a withdrawn result has no BM25 row and drops out of both.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import read_session, transaction
from db.models import Demand, DemandVector, Result, ResultVector
from db.models.enums import ResultStatus
from portal.core.clock import now
from portal.search import embed

EMBED_BATCH = 32
# a transaction embeds at most this many results (a listing, an approval); a bulk change (an Excel
# import updating thousands) marks the rest stale for `portal search embed` instead of waiting on them
EMBED_PER_TRANSACTION = 20
log = logging.getLogger(__name__)


class DenseIndex:
    """Result id → unit vector, with each row's BM25 index row (-1 when not listed there) and the
    inverse (BM25 row → dense row), so the two signals meet on a shortlist without a scatter."""

    def __init__(self, dim: int = embed.DIM) -> None:
        self.dim = dim
        self.ids: list[uuid.UUID] = []
        self.row_of: dict[uuid.UUID, int] = {}
        self.mat = np.zeros((0, dim), dtype=np.float32)
        self.bm25_row = np.zeros(0, dtype=np.int64)
        self.of_bm25 = np.zeros(0, dtype=np.int64)  # BM25 row → dense row, -1 none
        self.linked = 0  # rows with a BM25 row (listed results with a vector)
        self.seq = -1

    def __len__(self) -> int:
        return self.linked

    def _grow(self, need: int) -> None:
        if need <= len(self.mat):
            return
        cap = max(need, len(self.mat) + max(1024, len(self.mat) // 8))  # +12.5 %: not a second copy of the pool
        mat = np.zeros((cap, self.dim), dtype=np.float32)
        mat[: len(self.ids)] = self.mat[: len(self.ids)]
        rows = np.full(cap, -1, dtype=np.int64)
        rows[: len(self.ids)] = self.bm25_row[: len(self.ids)]
        self.mat, self.bm25_row = mat, rows

    def _link(self, row: int, bm25_row: int) -> None:
        old = int(self.bm25_row[row])
        if 0 <= old < len(self.of_bm25) and self.of_bm25[old] == row:
            self.of_bm25[old] = -1
        self.linked += (bm25_row >= 0) - (old >= 0)
        self.bm25_row[row] = bm25_row
        if bm25_row >= 0:
            if bm25_row >= len(self.of_bm25):
                grown = np.full(max(bm25_row + 1, 2 * len(self.of_bm25), 1024), -1, dtype=np.int64)
                grown[: len(self.of_bm25)] = self.of_bm25
                self.of_bm25 = grown
            self.of_bm25[bm25_row] = row

    def bulk_load(self, ids: list, mat: np.ndarray, row_of_bm25: dict) -> None:
        """Replace the contents (mat rows in the order of ids)."""
        self.ids = list(ids)
        self.row_of = {rid: i for i, rid in enumerate(self.ids)}
        self.mat = np.ascontiguousarray(mat, dtype=np.float32).reshape(len(self.ids), self.dim)
        self.bm25_row = np.fromiter((row_of_bm25.get(rid, -1) for rid in self.ids), dtype=np.int64,
                                    count=len(self.ids))
        self.of_bm25 = np.full(max(int(self.bm25_row.max(initial=-1)) + 1, 0), -1, dtype=np.int64)
        linked = np.flatnonzero(self.bm25_row >= 0)
        self.of_bm25[self.bm25_row[linked]] = linked
        self.linked = len(linked)

    def set(self, result_id: uuid.UUID, vec: np.ndarray, bm25_row: int) -> None:
        """Store (or replace in place) a result's vector."""
        row = self.row_of.get(result_id)
        if row is None:
            row = len(self.ids)
            self._grow(row + 1)
            self.ids.append(result_id)
            self.row_of[result_id] = row
        self.mat[row] = vec
        self._link(row, bm25_row)

    def relink(self, result_id: uuid.UUID, bm25_row: int | None) -> None:
        """The result moved to another BM25 row (re-listed) or left the index (None)."""
        row = self.row_of.get(result_id)
        if row is not None:
            self._link(row, -1 if bm25_row is None else bm25_row)

    def drop(self, result_id: uuid.UUID) -> None:
        """The result's vector is stale (its text changed where no model could embed it)."""
        row = self.row_of.pop(result_id, None)
        if row is not None:
            self._link(row, -1)

    def vector(self, result_id: uuid.UUID) -> np.ndarray | None:
        row = self.row_of.get(result_id)
        return None if row is None else self.mat[row]

    def similarities(self, qvec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cosine of every dense row with the query vector, which rows are listed in the BM25 index)."""
        n = len(self.ids)
        return self.mat[:n] @ qvec.astype(np.float32), self.bm25_row[:n] >= 0


# ---- stored vectors ---------------------------------------------------------------------------

def stored_vector(session: Session, result_id: uuid.UUID) -> np.ndarray | None:
    row = session.get(ResultVector, result_id)
    return embed.from_bytes(row.vector) if row is not None and row.model == embed.MODEL_ID else None


def passage_of(result: Result) -> str:
    """The text a listed result's vector is computed from."""
    return embed.result_text(result.title or "", result.keywords or "", result.abstract or "",
                             result.summary_plain or "", result.advantages or "")


def store_result_vector(session: Session, result: Result, take_seq: Callable[[Session, int], int]) -> None:
    """Embed a listed result when its text (or the model) differs from the stored vector's; without
    a model (or past EMBED_PER_TRANSACTION in one transaction) the old vector is marked stale and
    the result ranks by BM25 until `portal search embed` runs where the model loads."""
    passage = passage_of(result)
    digest = embed.digest(passage)
    row = session.get(ResultVector, result.id)
    if row is not None and row.digest == digest:
        return
    budget = session.info.get("vectors_embedded", 0)
    vecs = embed.passages([passage]) if budget < EMBED_PER_TRANSACTION else None
    session.info["vectors_embedded"] = budget + 1
    if vecs is None:
        if row is not None:  # the old vector describes the old text: mark it stale for `portal search embed`
            row.model, row.seq, row.updated_at = "stale", take_seq(session, 1), now()
            session.add(row)
        return
    _put(session, result.id, row, digest, vecs[0], take_seq(session, 1))


def _put(session: Session, result_id: uuid.UUID, row: ResultVector | None, digest: str, vec: np.ndarray,
         seq: int) -> None:
    """Insert or replace a result's stored vector."""
    values = dict(model=embed.MODEL_ID, digest=digest, vector=embed.to_bytes(vec), seq=seq)
    if row is None:
        session.add(ResultVector(result_id=result_id, **values))
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = now()
        session.add(row)


def store_demand_vector(session: Session, demand: Demand, good_matches: int | None = None) -> np.ndarray | None:
    """Embed a posted or edited demand (when its text changed); returns its vector (None without a model)."""
    q = embed.demand_text(demand.title or "", demand.description or "")
    digest = embed.digest(q)
    row = session.get(DemandVector, demand.id)
    if row is not None and row.digest == digest:
        vec = embed.from_bytes(row.vector)
    else:
        vec = embed.query(q)
        if vec is None:
            return None
        if row is None:
            row = DemandVector(demand_id=demand.id, model=embed.MODEL_ID, digest=digest, vector=embed.to_bytes(vec))
        else:
            row.model, row.digest, row.vector, row.updated_at = embed.MODEL_ID, digest, embed.to_bytes(vec), now()
    if good_matches is not None:
        row.good_matches = good_matches
    session.add(row)
    session.flush()
    return vec


def demand_vector(session: Session, demand: Demand) -> np.ndarray | None:
    """A demand's stored vector, or computed now when it has none (an imported demand); None without a model."""
    row = session.get(DemandVector, demand.id)
    q = embed.demand_text(demand.title or "", demand.description or "")
    if row is not None and row.model == embed.MODEL_ID and row.digest == embed.digest(q):
        return embed.from_bytes(row.vector)
    return embed.query(q)


def demand_vectors(session: Session, demand_ids: list[uuid.UUID]) -> dict[uuid.UUID, np.ndarray]:
    """Stored vectors of these demands (those that have one)."""
    out: dict[uuid.UUID, np.ndarray] = {}
    for start in range(0, len(demand_ids), 500):
        chunk = demand_ids[start:start + 500]
        for did, model, raw in session.exec(select(DemandVector.demand_id, DemandVector.model, DemandVector.vector)
                                            .where(DemandVector.demand_id.in_(chunk))):
            if model == embed.MODEL_ID:
                out[did] = embed.from_bytes(raw)
    return out


def missing_counts() -> tuple[int, int]:
    """(listed results without a current vector, listed results)."""
    with read_session() as s:
        listed = s.exec(select(func.count()).select_from(Result).where(Result.status == ResultStatus.LISTED)).one()
        have = s.exec(select(func.count()).select_from(ResultVector).join(Result, Result.id == ResultVector.result_id)
                      .where(Result.status == ResultStatus.LISTED, ResultVector.model == embed.MODEL_ID)).one()
    return listed - have, listed


def embed_missing(take_seq: Callable[[Session, int], int], *, everything: bool = False, batch: int = EMBED_BATCH,
                  progress: Callable[[int], None] | None = None) -> int:
    """Embed listed results whose vector is missing or stale, a batch per transaction (so an
    interrupted run keeps what it did and the next one goes on from there); returns the count."""
    if not embed.available():
        return 0
    done = 0
    seen: set[uuid.UUID] = set()
    while True:
        with transaction() as s:
            stmt = (select(Result).outerjoin(ResultVector, ResultVector.result_id == Result.id)
                    .where(Result.status == ResultStatus.LISTED).order_by(Result.id))
            if not everything:
                stmt = stmt.where((ResultVector.result_id == None) | (ResultVector.model != embed.MODEL_ID))  # noqa: E711
            elif seen:
                stmt = stmt.where(Result.id > max(seen))
            todo = s.exec(stmt.limit(batch)).all()
            if not todo:
                break
            texts = [passage_of(r) for r in todo]
            vecs = embed.passages(texts)
            first = take_seq(s, len(todo))
            for i, (result, passage, vec) in enumerate(zip(todo, texts, vecs, strict=True)):
                seen.add(result.id)
                _put(s, result.id, s.get(ResultVector, result.id), embed.digest(passage), vec, first + i)
        done += len(todo)
        if progress:
            progress(len(todo))
    return done


def load_all(dense: DenseIndex, row_of_bm25: dict[uuid.UUID, int], upto: int) -> None:
    """Fill the matrix from every stored vector of the current model (start-up: read, never recomputed)."""
    ids: list[uuid.UUID] = []
    chunks: list[bytes] = []
    with read_session() as s:
        for rid, raw in s.exec(select(ResultVector.result_id, ResultVector.vector)
                               .where(ResultVector.model == embed.MODEL_ID, ResultVector.seq <= upto)):
            ids.append(rid)
            chunks.append(raw)
    mat = np.frombuffer(b"".join(chunks), dtype="<f4").reshape(len(ids), embed.DIM) if ids else \
        np.zeros((0, embed.DIM), dtype=np.float32)
    dense.bulk_load(ids, mat, row_of_bm25)
    dense.seq = upto


def apply_changes(dense: DenseIndex, row_of_bm25: dict[uuid.UUID, int], upto: int) -> None:
    """Read the vectors stored since the matrix last looked."""
    with read_session() as s:
        rows = s.exec(select(ResultVector.result_id, ResultVector.model, ResultVector.vector)
                      .where(ResultVector.seq > dense.seq, ResultVector.seq <= upto)).all()
    for rid, model, raw in rows:
        if model == embed.MODEL_ID:
            dense.set(rid, embed.from_bytes(raw), row_of_bm25.get(rid, -1))
        else:
            dense.drop(rid)
    dense.seq = upto


# ---- snapshots: a restart of a large pool reads one file instead of every stored row -------------

def save_snapshot(dense: DenseIndex, path: str, *, epoch: str) -> None:
    """Write the matrix (its current rows) to path atomically."""
    live = [rid for rid in dense.ids if rid in dense.row_of]
    rows = np.fromiter((dense.row_of[rid] for rid in live), dtype=np.int64, count=len(live))
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as fh:
        np.savez(fh, epoch=np.array(epoch), seq=np.array(dense.seq, dtype=np.int64), model=np.array(embed.MODEL_ID),
                 ids=np.frombuffer(b"".join(u.bytes for u in live), dtype=np.uint8), mat=dense.mat[rows])
    os.replace(tmp, path)


def load_snapshot(dense: DenseIndex, path: str, row_of_bm25: dict, *, epoch: str, upto: int) -> bool:
    """Fill the matrix from the snapshot at path when it belongs to these tokens and this model."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["epoch"]) != epoch or str(z["model"]) != embed.MODEL_ID or int(z["seq"]) > upto:
                return False
            raw = z["ids"].tobytes()
            ids = [uuid.UUID(bytes=raw[i:i + 16]) for i in range(0, len(raw), 16)]
            dense.bulk_load(ids, z["mat"], row_of_bm25)
            dense.seq = int(z["seq"])
    except (OSError, ValueError, KeyError) as exc:
        log.warning("vector snapshot %s unreadable: %s", path, exc)
        return False
    return True
