"""Chinese text → search terms: jieba with the portal's domain dictionary, stop words, and the
offline expansion that bridges an SME owner's plain words to the terms results are written in.

Data files (portal/search/data/, UTF-8, '#' starts a comment):
- userdict.txt  — jieba user dictionary: one domain term a line (optionally frequency and tag).
- stopwords.txt — tokens that never count (one a line).
- synonyms.txt  — groups of interchangeable terms, one group a line, separated by spaces.
- bridge.txt    — `plain phrase => term term …`: when the phrase occurs in a demand's text the
                  terms are added with a lower weight ("电池鼓包 => 正极材料 包覆 产气").
Nothing here downloads anything; jieba ships its own dictionary.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from functools import lru_cache
from pathlib import Path

import jieba

DATA = Path(__file__).parent / "data"
SYNONYM_WEIGHT = 0.8
BRIDGE_WEIGHT = 0.6
TITLE_REPEAT = 2  # title and keyword tokens count twice: they say what a text is about
# a part of a longer word counts on its own when it is at least this common a word by itself, or
# at least as common as the whole ("摄像头" gives "摄像" but not the rare fragment "像头")
PART_MIN_FREQ = 100
# two or more characters, at least one a letter or a Chinese character ("x射线", "5g", "mes")
_KEEP = re.compile(r"^(?=.*[\u4e00-\u9fffa-z])[\u4e00-\u9fffa-z0-9\-.]{2,}$")
_lock = threading.Lock()


def _lines(name: str) -> list[str]:
    path = DATA / name
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    """A private jieba tokenizer with the domain dictionary (built once per process)."""
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    with _lock:
        tk.initialize()
        tk.load_userdict(str(DATA / "userdict.txt"))
        # terms named in the expansion files must survive tokenization as one token too
        for term in vocabulary_terms():
            tk.add_word(term)
    return tk


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Tokens that never count."""
    return frozenset(w for line in _lines("stopwords.txt") for w in line.split())


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """term → the other members of its synonym group(s)."""
    groups: dict[str, set[str]] = {}
    for line in _lines("synonyms.txt"):
        members = line.split()
        for m in members:
            groups.setdefault(m, set()).update(x for x in members if x != m)
    return {k: tuple(sorted(v)) for k, v in groups.items()}


@lru_cache(maxsize=1)
def bridges() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(phrases, terms) pairs: any phrase (alternatives separated by '|') found in the text adds the terms."""
    out = []
    for line in _lines("bridge.txt"):
        if "=>" not in line:
            continue
        left, right = line.split("=>", 1)
        phrases = tuple(p.strip() for p in left.split("|") if p.strip())
        out.append((phrases, tuple(right.split())))
    return tuple(out)


@lru_cache(maxsize=1)
def vocabulary_terms() -> frozenset[str]:
    """Every term the synonym and bridge files name (kept whole by the tokenizer)."""
    terms = set(synonym_groups())
    for _phrases, targets in bridges():
        terms.update(targets)
    return frozenset(t for t in terms if len(t) >= 2)


def _words(text: str) -> list[str]:
    """jieba's words and, for a long word, its parts that are words in their own right."""
    tk = _tokenizer()
    freq = tk.FREQ
    out = []
    for word in tk.cut(text, HMM=True):
        if len(word) > 2:
            whole = freq.get(word) or 0
            for n in (2, 3):
                for i in range(len(word) - n + 1):
                    part = word[i:i + n]
                    seen = freq.get(part) or 0
                    if part != word and seen and (seen >= PART_MIN_FREQ or seen >= whole):
                        out.append(part)
        out.append(word)
    return out


def words(text: str) -> list[str]:
    """text cut into words, every character kept (joined they give text back): where a line may
    break in a title on a projector without splitting a word."""
    return list(_tokenizer().cut(text, HMM=False))


def tokens(text: str) -> list[str]:
    """Search tokens of text, the same for the index, the pool's search box and demands: jieba words
    of two or more characters (with the parts of long words that are common words themselves),
    no stop words."""
    if not text:
        return []
    stop = stopwords()
    out = []
    for word in _words(text.lower()):
        word = word.strip()
        if word and word not in stop and _KEEP.match(word):
            out.append(word)
    return out


def result_terms(title: str, abstract: str, keywords: str) -> Counter[str]:
    """Term counts of a result (what the index stores)."""
    counts: Counter[str] = Counter()
    for _ in range(TITLE_REPEAT):
        counts.update(tokens(title))
        counts.update(tokens(keywords.replace(",", " ").replace("，", " ")))
    counts.update(tokens(abstract))
    return counts


def expand(text: str, *, use_expansion: bool = True) -> dict[str, tuple[float, str | None]]:
    """Query terms of a demand: term → (weight, the word it was expanded from, or None)."""
    query: dict[str, tuple[float, str | None]] = {}
    counts = Counter(tokens(text))
    for term, n in counts.items():
        query[term] = (min(float(n), 2.0), None)
    if not use_expansion:
        return query
    groups = synonym_groups()
    for term in list(counts):
        for other in groups.get(term, ()):
            if other not in query:
                query[other] = (SYNONYM_WEIGHT, term)
    lowered = text.lower()
    for phrases, targets in bridges():
        hit = next((p for p in phrases if p in lowered), None)
        if hit is None:
            continue
        for target in targets:
            if target not in query:
                query[target] = (BRIDGE_WEIGHT, hit)
    return query


def encode(counts: Counter[str] | dict[str, float]) -> str:
    """Stored form of term counts: 'term:count term:count'."""
    return " ".join(f"{t}:{c:g}" for t, c in counts.items())


def decode(stored: str) -> dict[str, float]:
    """Inverse of encode."""
    out: dict[str, float] = {}
    for part in stored.split():
        term, _, count = part.rpartition(":")
        if term:
            out[term] = float(count)
    return out
