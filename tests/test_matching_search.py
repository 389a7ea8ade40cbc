"""The search index: stored tokens, in-place updates on listing / withdrawal, no re-tokenizing after
a restart, the reasons shown, trial slots, and scope of the recommendations both ways."""

from __future__ import annotations

import pytest
from sqlmodel import delete

from db.engine import loading_session
from db.models import Result, ResultTerms, SearchState
from portal.core.errors import NotFound, PermissionDenied
from portal.hub import demands
from portal.search import on_result_changed, recommend, store, text
from tests.factories import make_result, make_trial

BATTERY = "电池用了半年就鼓起来了"


def _list(result: Result, status: str = "listed", **changes) -> None:
    with loading_session() as s:
        r = s.get(Result, result.id)
        r.status = status
        for key, value in changes.items():
            setattr(r, key, value)
        s.add(r)
        on_result_changed(s, r)


def _ids(query: str, field: str | None = None) -> list:
    return [r.result_id for r in recommend.rank_text(text.expand(query), field=field, limit=5)]


def test_listing_and_withdrawal_update_the_index_in_place(world, monkeypatch) -> None:
    coat = world.hz.result  # "…锂电池正极材料表面包覆方法", listed by the factory (so is Ningbo's twin)
    assert set(_ids(BATTERY)) == {coat.id, world.nb.result.id}  # first use: stored tokens built once
    fresh = make_result(world.nb.licensor, status="approved", title="钠离子电池硬碳负极材料", field="new_energy")
    monkeypatch.setattr(store, "_full_load", lambda loaded: pytest.fail("full reload on a small change"))
    _list(fresh)
    assert set(_ids("钠离子电池 储能")) >= {fresh.id}
    _list(coat, status="withdrawn")
    assert coat.id not in _ids(BATTERY)
    _list(fresh, title="海水淡化反渗透膜")  # a listed result's text changes
    assert fresh.id not in _ids("钠离子电池 硬碳") and _ids("反渗透膜") == [fresh.id]


def test_a_restart_rebuilds_from_stored_tokens_without_tokenizing(world, monkeypatch) -> None:
    both = {world.hz.result.id, world.nb.result.id}
    assert set(_ids(BATTERY)) == both
    store.forget_indexes()  # what a new process starts with
    monkeypatch.setattr(text, "result_terms", lambda *a: pytest.fail("re-tokenized the pool"))
    assert set(_ids(BATTERY)) == both


def test_recommendation_shows_why_and_trial_slots(world) -> None:
    d = demands.create_demand(actor=world.hz.enterprise_user, data={
        "title": BATTERY, "description": "用户反映续航掉得厉害", "field": "new_materials", "cooperation": "trial"})
    _list(world.hz.result, max_trial_licensees=1)
    make_trial(world.hz.result, world.nb.enterprise, world.hz.agency)  # the one slot is taken
    _list(world.nb.result, status="withdrawn")
    [rec] = recommend.recommend_for_demand(actor=world.hz.enterprise_user, demand_id=d.id)
    assert rec.result_id == world.hz.result.id and rec.field_match and rec.slots_left == 0
    why = {w.term: w.via for w in rec.why}
    assert why["正极材料"] == "鼓起来" and why["表面包覆"] == "鼓起来"  # expanded from the plain words
    assert "电池" in why and why["电池"] is None  # shared literally
    without = recommend.recommend_for_demand(actor=world.hz.enterprise_user, demand_id=d.id, use_expansion=False)
    assert all(w.via is None for r in without for w in r.why)


def test_recommendations_are_scoped(world) -> None:
    nb = demands.create_demand(actor=world.nb.enterprise_user, data={
        "title": BATTERY, "field": "new_materials", "cooperation": "trial"})
    for actor in (world.hz.operator, world.hz.enterprise_user):
        with pytest.raises(NotFound):
            recommend.recommend_for_demand(actor=actor, demand_id=nb.id)
    with pytest.raises(PermissionDenied):
        recommend.recommend_for_demand(actor=world.nb.presenter, demand_id=nb.id)
    assert recommend.recommend_for_demand(actor=world.nb.operator, demand_id=nb.id)[0].why
    assert recommend.recommend_for_demand(actor=world.admin, demand_id=nb.id)
    # the reverse: for a result, the demands (and enterprises) in the actor's scope that fit it
    fits = recommend.recommend_for_result(actor=world.nb.operator, result_id=world.hz.result.id)
    assert [(f.demand_id, f.enterprise_name) for f in fits] == [(nb.id, "nb恒拓科技有限公司")]
    assert {w.term for w in fits[0].why} >= {"正极材料", "表面包覆"}
    assert recommend.recommend_for_result(actor=world.hz.operator, result_id=world.hz.result.id) == []


def test_a_large_never_indexed_pool_is_left_to_the_cli(world, monkeypatch) -> None:
    from portal.cli import main
    from portal.core.settings import get_settings
    from portal.pool.browse import PoolFilter, search_pool

    monkeypatch.setattr(store, "AUTO_REINDEX_LIMIT", 1)  # pretend the two listed results are 200 000
    with pytest.raises(store.IndexNotBuilt):
        recommend.rank_text(text.expand(BATTERY))
    # the pool's search box falls back to LIKE meanwhile
    assert search_pool(actor=world.hz.enterprise_user, filters=PoolFilter(text="正极材料")).total == 2
    store.reindex()
    assert set(_ids(BATTERY)) == {world.hz.result.id, world.nb.result.id}
    url = store.get_engine().url.render_as_string(hide_password=False)
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)  # the CLI exports it; restored after the test
    try:
        assert main(["search", "reindex", "--database-url", url]) == 0
    finally:
        get_settings.cache_clear()


def test_pool_search_box_ranks_by_the_index(world) -> None:
    from portal.pool.browse import PoolFilter, search_pool

    graphene = make_result(world.hz.licensor, title="一种高导热石墨烯复合散热膜", keywords="石墨烯,散热")
    page = search_pool(actor=world.hz.enterprise_user, filters=PoolFilter(text="手机发烫 散热"))
    assert [r.id for r in page.rows] == [graphene.id]  # "发烫" bridged to 散热 / 导热


def test_a_restart_loads_the_snapshot_then_applies_newer_changes(world, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(store, "SNAPSHOT_MIN", 1)  # snapshots are for pools of 20 000 and more
    monkeypatch.setattr(store, "snapshot_path", lambda: tmp_path / "index.npz")
    both = {world.hz.result.id, world.nb.result.id}
    assert set(_ids(BATTERY)) == both
    assert (tmp_path / "index.npz").exists()
    _list(world.nb.result, status="withdrawn")  # a change after the snapshot
    fresh = make_result(world.hz.licensor, status="approved", title="钠离子电池硬碳负极材料", field="new_energy")
    _list(fresh)
    store.forget_indexes()
    monkeypatch.setattr(store, "_full_load", lambda loaded: pytest.fail("rebuilt instead of loading the snapshot"))
    assert set(_ids(BATTERY)) & both == {world.hz.result.id}
    assert fresh.id in _ids("钠离子电池 硬碳")


def test_a_change_before_the_first_search_does_not_hide_the_rest_of_the_pool(world) -> None:
    """A database filled without tokens (the demo, an import) has no index yet: a listing then must
    not start an index of that one result, or the first search would find nothing else."""
    store.forget_indexes()
    with loading_session() as s:  # what the loaders leave: listed results, no tokens, no state
        s.exec(delete(ResultTerms))
        s.exec(delete(SearchState))
    fresh = make_result(world.nb.licensor, status="approved", title="钠离子电池硬碳负极材料", field="new_energy")
    _list(fresh)
    assert set(_ids(BATTERY)) >= {world.hz.result.id, world.nb.result.id}  # listed before, still found
    assert fresh.id in _ids("钠离子电池 储能")
