"""Relevance of the 供需荟 recommendations on the labelled sets: recall@5 (all and hard), P@1, MRR.

    python bench/matching_quality.py                          # both sets, hybrid, BM25 alone, dense alone
    python bench/matching_quality.py --set tests/matching_heldout.toml

Each set is a TOML file of `[[result]]` (title, keywords, abstract, field) and `[[demand]]` (title,
description, field, `expect` = result titles that belong in the top 5, `hard` or `plain` = worded
with no technical word in common with the answers). The pool is every result of seed/texts.py
(with the demo's abstract template and card texts) plus the set's own results (near-miss distractors among them).
The ranking is the production one (`portal.search.recommend.rank`: BM25 over the stored-token
terms, the offline expansion, the sentence vectors, the field and TRL factors, the relative floor),
run over in-memory indexes built exactly as the stored ones are.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.search import embed, recommend, text  # noqa: E402
from portal.search.index import Bm25Index  # noqa: E402
from portal.search.vectors import DenseIndex  # noqa: E402
from seed import texts  # noqa: E402

SETS = (ROOT / "tests" / "matching_labelled.toml", ROOT / "tests" / "matching_heldout.toml",
        ROOT / "tests" / "matching_fresh.toml")


def load(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def corpus(labelled: dict) -> list[dict]:
    """The demo's result texts (with the demo's abstract template) and the set's own results."""
    docs = []
    for fld, items in texts.RESULTS.items():
        for title, keywords, application, advantage in items:
            abstract = texts.ABSTRACT.format(title_tail=f"“{title}”", problem=keywords.split(",")[0] + "应用中的效率与成本",
                                             advantage=advantage, application=application,
                                             stage=texts.stage_sentence(texts.CARDS[title][0]))
            summary, card = texts.card_texts(title, advantage, texts.CARDS[title][0])
            docs.append({"title": title, "keywords": keywords, "abstract": abstract, "field": fld,
                         "summary_plain": summary, "advantages": card})
    seen = {d["title"] for d in docs}
    return docs + [r for r in labelled.get("result", []) if r["title"] not in seen]


def hard(demand: dict) -> bool:
    return bool(demand.get("hard", demand.get("plain", False)))


@dataclass
class Pool:
    """In-memory BM25 index and dense matrix over a corpus, row i = document i."""

    docs: list[dict]
    index: Bm25Index
    dense: DenseIndex | None
    row_of_title: dict[str, int]


def build_pool(docs: list[dict], *, vectors: bool = True) -> Pool:
    index = Bm25Index()
    index.bulk_load((i, text.result_terms(d["title"], d["abstract"], d.get("keywords", "")), d["field"], 3 + i % 6)
                    for i, d in enumerate(docs))
    dense = None
    if vectors and embed.available():
        mat = embed.passages([embed.result_text(d["title"], d.get("keywords", ""), d["abstract"],
                                                d.get("summary_plain", ""), d.get("advantages", "")) for d in docs])
        dense = DenseIndex(mat.shape[1])
        dense.bulk_load(list(range(len(docs))), mat, index.row_of)
    return Pool(docs, index, dense, {d["title"]: i for i, d in enumerate(docs)})


@dataclass
class Scores:
    n: int
    n_hard: int
    recall5: float
    recall5_hard: float
    p1: float
    mrr: float
    shown: float  # average number of results above the floor (of at most 10)
    misses: list[str]

    def line(self) -> str:
        return (f"recall@5 {self.recall5:.3f} (hard {self.recall5_hard:.3f}, {self.n_hard} of {self.n} demands) "
                f"P@1 {self.p1:.3f} MRR {self.mrr:.3f} shown {self.shown:.1f}")


def evaluate(pool: Pool, demands: list[dict], *, mode: str = "hybrid", use_expansion: bool = True) -> Scores:
    """Metrics of the production ranking; mode hybrid (BM25 + vectors), bm25 (alone) or dense (alone)."""
    found = wanted = found_h = wanted_h = 0
    p1 = mrr = shown = 0.0
    misses = []
    for d in demands:
        query = recommend.demand_query(d["title"], d["description"], use_expansion=use_expansion)
        qvec = embed.query(embed.demand_text(d["title"], d["description"])) if mode != "bm25" else None
        if mode == "dense":
            query = {}
        ranked = recommend.rank(query, qvec, field=d["field"], limit=10, index=pool.index,
                                dense=pool.dense if mode != "bm25" else None, explain=0)
        order = [int(r.result_id) for r in ranked]
        full = recommend.rank(query, qvec, field=d["field"], limit=len(pool.docs), index=pool.index,
                              dense=pool.dense if mode != "bm25" else None, explain=0, floor=0.0)
        full_order = [int(r.result_id) for r in full]
        want = [pool.row_of_title[t] for t in d["expect"]]
        top5 = set(order[:5])
        for w in want:
            wanted += 1
            found += w in top5
            if hard(d):
                wanted_h += 1
                found_h += w in top5
            if w not in top5:
                misses.append(f"{d['title']} → {pool.docs[w]['title']}")
        p1 += bool(order) and order[0] in want
        ranks = [full_order.index(w) + 1 for w in want if w in full_order]
        mrr += 1.0 / min(ranks) if ranks else 0.0
        shown += len(order)
    n = len(demands)
    return Scores(n, sum(hard(d) for d in demands), found / max(wanted, 1), found_h / max(wanted_h, 1),
                  p1 / n, mrr / n, shown / n, misses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", type=Path, help="labelled set(s); default: both in tests/")
    parser.add_argument("--misses", action="store_true", help="list the answers missing from the top 5")
    args = parser.parse_args()
    for path in args.set or [p for p in SETS if p.exists()]:
        labelled = load(path)
        started = time.perf_counter()
        pool = build_pool(corpus(labelled))
        print(f"\n{path.name}: {len(labelled['demand'])} demands over {len(pool.docs)} results "
              f"(pool and vectors built in {time.perf_counter() - started:.1f} s; model {embed.MODEL_ID}, "
              f"{'loaded' if embed.available() else 'NOT available'})")
        for mode, expansion in (("hybrid", True), ("hybrid", False), ("bm25", True), ("bm25", False), ("dense", False)):
            if mode != "bm25" and pool.dense is None:
                continue
            scores = evaluate(pool, labelled["demand"], mode=mode, use_expansion=expansion)
            print(f"  {mode:6} {'with' if expansion else 'without'} expansion: {scores.line()}")
            if args.misses and scores.misses:
                print("    missed: " + "; ".join(scores.misses))


if __name__ == "__main__":
    main()
