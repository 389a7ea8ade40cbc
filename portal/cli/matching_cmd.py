"""`portal search reindex`: tokenize listed results once (stored tokens make every later start quick)."""

from __future__ import annotations

import argparse
import time

from portal.cli.common import add_database_options, apply_database_options, say


def register(sub: argparse._SubParsersAction) -> None:
    search = sub.add_parser("search", help="the 供需荟 search index")
    ss = search.add_subparsers(dest="search_command", required=True)
    re = ss.add_parser("reindex", help="tokenize listed results that have no stored tokens")
    re.add_argument("--all", action="store_true", help="re-tokenize every listed result (after a dictionary change)")
    re.set_defaults(handler=reindex_cmd)
    add_database_options(re)


def reindex_cmd(args: argparse.Namespace) -> int:
    # imported late: the index pulls in jieba and scipy, which every other command would wait for
    from portal.search import reindex

    apply_database_options(args)
    started = time.perf_counter()
    done = reindex(only_missing=not args.all, progress=lambda n: print(f"… {n}", flush=True))
    say(args, "rec.reindexed", n=done, seconds=f"{time.perf_counter() - started:.0f}")
    return 0
