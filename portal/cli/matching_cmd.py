"""`portal search reindex`: tokenize listed results once (stored tokens make every later start quick);
`portal search embed`: compute the sentence vectors that are missing (resumable)."""

from __future__ import annotations

import argparse
import sys
import time

from portal.cli.common import add_database_options, apply_database_options, say


def register(sub: argparse._SubParsersAction) -> None:
    search = sub.add_parser("search", help="the 供需荟 search index")
    ss = search.add_subparsers(dest="search_command", required=True)
    re = ss.add_parser("reindex", help="tokenize listed results that have no stored tokens")
    re.add_argument("--all", action="store_true", help="re-tokenize every listed result (after a dictionary change)")
    re.set_defaults(handler=reindex_cmd)
    add_database_options(re)
    em = ss.add_parser("embed", help="compute the sentence vectors of listed results that have none (resumable)")
    em.add_argument("--all", action="store_true", help="embed every listed result again, even those with a vector")
    em.add_argument("--threads", type=int, default=0, help="engine threads (default: every core)")
    em.add_argument("--quiet", action="store_true", help="no progress bar")
    em.set_defaults(handler=embed_cmd)
    add_database_options(em)


def reindex_cmd(args: argparse.Namespace) -> int:
    # imported late: the index pulls in jieba and scipy, which every other command would wait for
    from portal.search import reindex

    apply_database_options(args)
    started = time.perf_counter()
    done = reindex(only_missing=not args.all, progress=lambda n: print(f"… {n}", flush=True))
    say(args, "rec.reindexed", n=done, seconds=f"{time.perf_counter() - started:.0f}")
    return 0


def _embed_with_bar(args: argparse.Namespace, *, everything: bool, quiet: bool = False) -> int | None:
    """Embed what is missing (everything: every listed result) under a progress bar; how many, or
    None when the model cannot load. tqdm's rate and remaining time are the estimate; an interrupted
    run keeps every finished batch."""
    from tqdm import tqdm

    from portal.search import embed, embed_missing
    from portal.search.vectors import missing_counts

    if not embed.available():
        say(args, "semantic.embed_no_model")
        return None
    missing, listed = missing_counts()
    todo = listed if everything else missing
    say(args, "semantic.embed_start", n=todo, listed=listed)
    sys.stdout.flush()
    with tqdm(total=todo, unit=" results", disable=quiet, file=sys.stderr, dynamic_ncols=True) as bar:
        return embed_missing(everything=everything, progress=bar.update)


def embed_cmd(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("PORTAL_EMBED_THREADS", str(args.threads or os.cpu_count() or 1))
    apply_database_options(args)
    started = time.perf_counter()
    done = _embed_with_bar(args, everything=args.all, quiet=args.quiet)
    if done is None:
        return 2
    seconds = time.perf_counter() - started
    say(args, "semantic.embedded", n=done, seconds=f"{seconds:.0f}", per_second=f"{done / max(seconds, 1e-9):.1f}")
    return 0


def embed_demo(args: argparse.Namespace) -> None:
    """After the demo is loaded: tokens and sentence vectors of its results, so its recommendations
    match by meaning from the first page (about 20 s on a quiet core; skipped without a model)."""
    from portal.search import reindex

    reindex()
    _embed_with_bar(args, everything=False)
