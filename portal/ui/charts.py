"""Altair charts drawn from a spec built once per picture.

Building and validating an Altair chart costs 10–40 ms on every rerun (its JSON-schema
validation dominates). A page names each chart by a fingerprint of everything drawn (data,
labels, language); an equal fingerprint is an equal picture, so the Vega-Lite spec is reused and
never reaches anyone who did not compute the same data.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

MAX_SPECS = 256

_specs: OrderedDict[str, dict] = OrderedDict()
_specs_lock = threading.Lock()


def fingerprint(*parts: Any) -> str:
    """A digest of what a chart shows: its frames' contents and labels, and any other values."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        text = part.to_json(orient="split", date_format="iso") if isinstance(part, pd.DataFrame) else repr(part)
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def chart(build: Callable[[], alt.TopLevelMixin], *, key: str, where: Any = st) -> None:
    """Draw the chart build() makes, building it only the first time key (a fingerprint) is seen."""
    with _specs_lock:
        spec = _specs.get(key)
        if spec is not None:
            _specs.move_to_end(key)
    if spec is None:
        spec = build().to_dict(validate=False)
        with _specs_lock:
            _specs[key] = spec
            while len(_specs) > MAX_SPECS:
                _specs.popitem(last=False)
    where.vega_lite_chart(spec=spec, width="stretch")
