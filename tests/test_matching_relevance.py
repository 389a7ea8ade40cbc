"""Relevance on the labelled set (tests/matching_labelled.toml): recall@5 ≥ 0.9, through the real
stored-token index, and the offline expansion must be what carries the plain-worded demands."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from sqlmodel import Session

from db.engine import get_engine
from db.models import Organization, Result
from portal.search import recommend, reindex
from seed import texts
from tests.factories import credit_code, patent_no

LABELLED = tomllib.loads((Path(__file__).parent / "matching_labelled.toml").read_text(encoding="utf-8"))


def corpus() -> list[dict]:
    """The demo's result texts (with the demo's abstract template) and the labelled extras."""
    docs = []
    for fld, items in texts.RESULTS.items():
        for title, keywords, application, advantage in items:
            abstract = texts.ABSTRACT.format(title_tail=f"“{title}”", problem=keywords.split(",")[0] + "应用中的效率与成本",
                                             advantage=advantage, application=application,
                                             stage=texts.stage_sentence(texts.CARDS[title][0]))
            docs.append({"title": title, "keywords": keywords, "abstract": abstract, "field": fld})
    return docs + LABELLED["result"]


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
