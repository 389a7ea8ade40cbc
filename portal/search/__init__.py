"""Chinese-text search for the 供需荟: tokens (jieba + domain dictionary), a persisted,
incrementally updated BM25 index, and recommendations both ways.

The pool calls `on_result_changed(session, result)` inside its transaction whenever a result is
listed, withdrawn or its listed text changes.
"""

from portal.search.store import embed_missing, on_result_changed, reindex

__all__ = ["embed_missing", "on_result_changed", "reindex"]
