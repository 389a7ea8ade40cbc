"""An in-memory BM25 index over stored term counts, scored by gathering the query terms' columns.

The bulk of the documents sits in a scipy CSC matrix (document × term) whose entries already hold
BM25's term-frequency part; a query multiplies each of its columns by the term's current IDF and
query weight and sums per document (one bincount), then takes the top k by argpartition
(STACK_NOTES: about 5 ms over 200 000 results). Documents listed since the last compaction sit in
small per-term posting lists; a withdrawn document's entries are zeroed in place. So a change
costs microseconds and nothing is re-tokenized.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from db.models.enums import Field_

K1 = 1.2
B = 0.75
COMPACT_AT = 5000  # delta documents before they are folded into the matrix
FIELDS = tuple(Field_)
FIELD_CODE = {f: i for i, f in enumerate(FIELDS)}


@dataclass(frozen=True)
class Hit:
    """One scored document."""

    row: int
    result_id: uuid.UUID
    bm25: float
    field: str
    trl: int


def _tf_part(tf: np.ndarray, length: np.ndarray, avgdl: float) -> np.ndarray:
    """BM25's saturating term-frequency factor."""
    return (tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * length / max(avgdl, 1e-9)))).astype(np.float32)


class Bm25Index:
    """Documents (result id → term counts, field, TRL) that can be added and removed in place."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.terms: list[str] = []
        self.ids: list[uuid.UUID] = []
        self.row_of: dict[uuid.UUID, int] = {}
        self._cap = 0
        self.active = np.zeros(0, dtype=bool)
        self.length = np.zeros(0, dtype=np.float32)
        self.field = np.zeros(0, dtype=np.int8)
        self.trl = np.zeros(0, dtype=np.int8)
        self.df = np.zeros(0, dtype=np.int64)  # active documents per term
        self.main = sparse.csc_matrix((0, 0), dtype=np.float32)  # BM25 tf parts, by column
        self.counts = sparse.csr_matrix((0, 0), dtype=np.float32)  # raw counts, by row (reasons, compaction)
        self.main_rows = 0
        self.delta: dict[int, list[tuple[int, float]]] = {}  # term id → [(row, tf part)]
        self.delta_docs: dict[int, dict[int, float]] = {}  # row → {term id: count}
        self.n_active = 0
        self.total_length = 0.0

    # ---- building and changing -------------------------------------------------------------
    def _grow(self, need: int) -> None:
        if need <= self._cap:
            return
        cap = max(need, self._cap * 2, 1024)
        for name in ("active", "length", "field", "trl"):
            old = getattr(self, name)
            new = np.zeros(cap, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)
        self._cap = cap

    def _term_ids(self, counts: dict[str, float]) -> dict[int, float]:
        out = {}
        for term, n in counts.items():
            tid = self.vocab.get(term)
            if tid is None:
                tid = self.vocab[term] = len(self.terms)
                self.terms.append(term)
            out[tid] = float(n)
        if len(self.terms) > len(self.df):
            self.df = np.concatenate([self.df, np.zeros(max(1024, len(self.terms) - len(self.df)), dtype=np.int64)])
        return out

    def _set_row(self, row: int, rid: uuid.UUID, ids: dict[int, float], field: str, trl: int) -> None:
        self._grow(row + 1)
        self.ids.append(rid)
        self.row_of[rid] = row
        self.active[row] = True
        self.length[row] = sum(ids.values())
        self.field[row] = FIELD_CODE.get(field, -1)
        self.trl[row] = trl or 0

    def _build(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> None:
        """(Re)build the matrices from raw counts of every row."""
        n = len(self.ids)
        self.counts = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(self.terms)), dtype=np.float32)
        self.counts.sort_indices()
        self.main_rows = n
        live = self.active[:n]
        self.n_active = int(live.sum())
        self.total_length = float(self.length[:n][live].sum())
        coo = self.counts.tocoo()
        avgdl = self.total_length / max(self.n_active, 1)
        weights = _tf_part(coo.data, self.length[coo.row], avgdl)
        self.main = sparse.csc_matrix((weights, (coo.row, coo.col)), shape=(n, len(self.terms)))
        self.main.sort_indices()
        self.df = np.zeros(max(len(self.terms), 1), dtype=np.int64)
        np.add.at(self.df, coo.col, 1)
        self.delta.clear()
        self.delta_docs.clear()

    def bulk_load(self, docs: Iterable[tuple[uuid.UUID, dict[str, float], str, int]]) -> None:
        """Replace the contents with docs (result id, term counts, field, TRL) in one matrix."""
        self.__init__()
        rows, cols, vals = [], [], []
        for row, (rid, counts, field, trl) in enumerate(docs):
            ids = self._term_ids(counts)
            self._set_row(row, rid, ids, field, trl)
            rows.extend([row] * len(ids))
            cols.extend(ids.keys())
            vals.extend(ids.values())
        self._build(np.asarray(rows, dtype=np.int32), np.asarray(cols, dtype=np.int32),
                    np.asarray(vals, dtype=np.float32))

    def remove(self, result_id: uuid.UUID) -> None:
        """Withdraw a document: its weights become zero in place."""
        row = self.row_of.pop(result_id, None)
        if row is None or not self.active[row]:
            return
        self.active[row] = False
        self.n_active -= 1
        self.total_length -= float(self.length[row])
        if row in self.delta_docs:
            for tid in self.delta_docs[row]:
                self.df[tid] -= 1
            return  # delta postings are filtered by `active`
        start, end = self.counts.indptr[row], self.counts.indptr[row + 1]
        for tid in self.counts.indices[start:end].tolist():
            self.df[tid] -= 1
            lo, hi = self.main.indptr[tid], self.main.indptr[tid + 1]
            pos = lo + int(np.searchsorted(self.main.indices[lo:hi], row))
            if pos < hi and self.main.indices[pos] == row:
                self.main.data[pos] = 0.0

    def upsert(self, result_id: uuid.UUID, counts: dict[str, float], field: str, trl: int) -> None:
        """List (or re-list with new text) a document."""
        self.remove(result_id)
        row = len(self.ids)
        ids = self._term_ids(counts)
        self._set_row(row, result_id, ids, field, trl)
        self.n_active += 1
        self.total_length += float(self.length[row])
        self.delta_docs[row] = ids
        avgdl = self.total_length / self.n_active
        tf = np.fromiter(ids.values(), dtype=np.float32, count=len(ids))
        parts = _tf_part(tf, np.full(len(ids), self.length[row], dtype=np.float32), avgdl)
        for (tid, _n), part in zip(ids.items(), parts.tolist(), strict=True):
            self.df[tid] += 1
            self.delta.setdefault(tid, []).append((row, part))
        if len(self.delta_docs) >= COMPACT_AT:
            self.compact()

    def compact(self) -> None:
        """Fold the delta documents into the matrix and drop withdrawn ones (rows keep their numbers)."""
        coo = self.counts.tocoo()
        keep = self.active[coo.row]
        rows, cols, vals = [coo.row[keep]], [coo.col[keep]], [coo.data[keep]]
        for row, ids in self.delta_docs.items():
            if self.active[row]:
                rows.append(np.full(len(ids), row, dtype=np.int32))
                cols.append(np.fromiter(ids.keys(), dtype=np.int32, count=len(ids)))
                vals.append(np.fromiter(ids.values(), dtype=np.float32, count=len(ids)))
        self._build(np.concatenate(rows).astype(np.int32), np.concatenate(cols).astype(np.int32),
                    np.concatenate(vals).astype(np.float32))

    # ---- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.n_active

    def doc_terms(self, row: int) -> dict[int, float]:
        """Term id → count of one document."""
        if row in self.delta_docs:
            return self.delta_docs[row]
        if row >= self.main_rows:
            return {}
        start, end = self.counts.indptr[row], self.counts.indptr[row + 1]
        return dict(zip(self.counts.indices[start:end].tolist(), self.counts.data[start:end].tolist(), strict=True))

    def score(self, query: dict[str, float]) -> np.ndarray:
        """BM25 of every row for query (term → query weight); withdrawn rows score 0."""
        n_rows = len(self.ids)
        if not self.n_active:
            return np.zeros(n_rows, dtype=np.float32)
        all_rows, all_parts = [], []
        indptr, indices, data = self.main.indptr, self.main.indices, self.main.data
        n_cols = self.main.shape[1]
        for term, weight in query.items():
            tid = self.vocab.get(term)
            if tid is None or self.df[tid] <= 0:
                continue
            df = float(self.df[tid])
            factor = weight * np.log(1.0 + (self.n_active - df + 0.5) / (df + 0.5))
            if tid < n_cols:
                start, end = indptr[tid], indptr[tid + 1]
                if end > start:
                    all_rows.append(indices[start:end])
                    all_parts.append(data[start:end] * np.float32(factor))
            extra = self.delta.get(tid)
            if extra:
                rows = np.fromiter((r for r, _ in extra), dtype=np.int32, count=len(extra))
                parts = np.fromiter((p for _, p in extra), dtype=np.float32, count=len(extra))
                live = self.active[rows]
                all_rows.append(rows[live])
                all_parts.append(parts[live] * np.float32(factor))
        if not all_rows:
            return np.zeros(n_rows, dtype=np.float32)
        return np.bincount(np.concatenate(all_rows), weights=np.concatenate(all_parts), minlength=n_rows)

    def top(self, scores: np.ndarray, k: int) -> np.ndarray:
        """Rows of the k highest positive scores, best first."""
        positive = np.flatnonzero(scores > 0)
        if not len(positive):
            return positive
        if len(positive) > k:
            part = np.argpartition(scores[positive], -k)[-k:]
            positive = positive[part]
        return positive[np.argsort(-scores[positive], kind="stable")]


# ---- snapshots: a restart of a large pool loads the matrices instead of rebuilding them ------------

def save_snapshot(index: Bm25Index, path: str, *, epoch: str, seq: int) -> None:
    """Write the index (compacted) to path atomically (a temporary file renamed over it)."""

    if index.delta_docs:
        index.compact()
    n = len(index.ids)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as fh:
        np.savez(fh, epoch=np.array(epoch), seq=np.array(seq, dtype=np.int64),
                 terms=np.array("\n".join(index.terms)),
                 ids=np.frombuffer(b"".join(u.bytes for u in index.ids), dtype=np.uint8),
                 active=index.active[:n], length=index.length[:n], field=index.field[:n], trl=index.trl[:n],
                 df=index.df, w_data=index.main.data, w_indices=index.main.indices, w_indptr=index.main.indptr,
                 c_data=index.counts.data, c_indices=index.counts.indices, c_indptr=index.counts.indptr,
                 shape=np.array(index.main.shape, dtype=np.int64))
    os.replace(tmp, path)


def load_snapshot(path: str) -> tuple[Bm25Index, str, int]:
    """The index saved at path, with its epoch and change number."""
    with np.load(path, allow_pickle=False) as z:
        index = Bm25Index()
        index.terms = str(z["terms"]).split("\n") if str(z["terms"]) else []
        index.vocab = {t: i for i, t in enumerate(index.terms)}
        raw = z["ids"].tobytes()
        index.ids = [uuid.UUID(bytes=raw[i:i + 16]) for i in range(0, len(raw), 16)]
        n = len(index.ids)
        index._grow(n)
        for name in ("active", "length", "field", "trl"):
            getattr(index, name)[:n] = z[name]
        index.df = z["df"].copy()
        shape = tuple(int(x) for x in z["shape"])
        index.main = sparse.csc_matrix((z["w_data"], z["w_indices"], z["w_indptr"]), shape=shape)
        index.counts = sparse.csr_matrix((z["c_data"], z["c_indices"], z["c_indptr"]), shape=shape)
        index.row_of = {rid: row for row, rid in enumerate(index.ids) if index.active[row]}
        index.main_rows = n
        index.n_active = int(index.active[:n].sum())
        index.total_length = float(index.length[:n][index.active[:n]].sum())
        return index, str(z["epoch"]), int(z["seq"])
