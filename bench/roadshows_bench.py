"""Timings of the roadshow services on a scale database (built with `portal seed scale`).

    portal seed scale --results 200000 --data-dir /tmp/roadshow/scale
    python bench/roadshows_bench.py --url sqlite:////tmp/roadshow/scale/portal.db [--runs 20]

Measures, as the Hangzhou operator (or the busiest city's), p50 / p95 in milliseconds of: the
roadshow list (first page), one roadshow, its running order, its cards (presenter mode), its
numbers, its intents (first page) and the city's intents, the public page's lookup by token, an
intent submission (a write; every submission its own row), and building the PPTX and PDF decks. Prints only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from db import engine as db_engine  # noqa: E402
from db.models import Intent, Roadshow, RoadshowItem, UserAccount  # noqa: E402
from portal.core.auth import actor_from_user  # noqa: E402
from portal.core.validation import credit_check_char  # noqa: E402
from portal.roadshows import cards, decks, intents, items, listing, summary  # noqa: E402


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds over runs calls (after one warm-up)."""
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    eng = db_engine.configure(args.url)
    with Session(eng) as s:
        counts = {m.__name__: s.exec(select(func.count()).select_from(m)).one()
                  for m in (Roadshow, RoadshowItem, Intent)}
        # the published roadshow with the most items, and an operator of its city
        show = s.exec(select(Roadshow).where(Roadshow.status == "published")
                      .order_by(select(func.count()).select_from(RoadshowItem)
                                .where(RoadshowItem.roadshow_id == Roadshow.id).scalar_subquery().desc())).first()
        user = s.exec(select(UserAccount).where(UserAccount.role == "city_operator",
                                                UserAccount.city_code == show.city_code)).first()
        token = s.exec(select(RoadshowItem.token).where(RoadshowItem.roadshow_id == show.id)).first()
        city_intents = s.exec(select(func.count()).select_from(Intent).where(Intent.city_code == show.city_code)).one()
    me = actor_from_user(user)
    n_items = len(items.list_items(actor=me, roadshow_id=show.id))
    print(f"{args.url.split('://')[0]}: {counts}; roadshow with {n_items} items; {city_intents} intents in its city")
    code = "91330106MA2B3C4D5" + credit_check_char("91330106MA2B3C4D5")
    cases: list[tuple[str, Callable[[], object]]] = [
        ("list_roadshows (page 1)", lambda: listing.list_roadshows(actor=me, page_size=20)),
        ("get_roadshow", lambda: listing.get_roadshow(actor=me, roadshow_id=show.id)),
        ("list_items", lambda: items.list_items(actor=me, roadshow_id=show.id)),
        ("cards", lambda: cards.cards(actor=me, roadshow_id=show.id)),
        ("summary", lambda: summary.summary(actor=me, roadshow_id=show.id)),
        ("list_intents (roadshow)", lambda: intents.list_intents(actor=me, roadshow_id=show.id)),
        ("list_intents (city, page 1)", lambda: intents.list_intents(actor=me)),
        ("public_item (token)", lambda: intents.public_item(token=token)),
        ("submit_intent (a repeat: its own row)", lambda: intents.submit_intent(
            token=token, company_name="杭州基准测试科技有限公司", credit_code=code, contact_person="王经理",
            phone="13812345678", wants=["trial"])),
        ("deck_pptx", lambda: decks.deck_pptx(actor=me, roadshow_id=show.id)),
        ("deck_pdf", lambda: decks.deck_pdf(actor=me, roadshow_id=show.id)),
    ]
    for name, fn in cases:
        runs = max(3, args.runs // 4) if name.startswith("deck") else args.runs
        p50, p95 = timed(fn, runs)
        print(f"  {name:30s} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")


if __name__ == "__main__":
    main()
