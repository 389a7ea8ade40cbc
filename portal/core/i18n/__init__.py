"""The one UI catalogue: every *.toml beside this file, each key with its zh and en text."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, dict[str, str]]) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}" if prefix else name
        if isinstance(value, dict) and not set(value) <= set(LANGUAGES):
            _flatten(key, value, out)
        elif isinstance(value, dict):
            if key in out:
                raise ValueError(f"i18n key defined twice: {key}")
            out[key] = value
        else:
            raise ValueError(f"i18n key {key} must be a table of languages")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """All keys from all catalogue files, flattened to 'section.name' → {lang: text}."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(Path(__file__).parent.glob("*.toml")):
        with path.open("rb") as fh:
            _flatten("", tomllib.load(fh), out)
    return out


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """The text for key in lang, formatted with params; the key itself if it is missing."""
    entry = catalogue().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get(DEFAULT_LANGUAGE) or key
    return text.format(**params) if params else text


def field_label(field: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The label of a form or import field ('field.<name>' in the catalogue)."""
    return t(f"field.{field}", lang)


def label(kind: str, value: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The label of an enumerated value, e.g. label('role', 'city_operator')."""
    if value is None:
        return ""
    return t(f"enum.{kind}.{value}", lang)


def action_label(action: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Label of an audit action 'entity.verb': its own key if the catalogue has one, else the
    record's label and a generic verb (capabilities need not list every action they write)."""
    own = catalogue().get(f"action.{action}")
    if own:
        return own.get(lang) or own[DEFAULT_LANGUAGE]
    entity, _, verb = action.rpartition(".")
    verb_text = t(f"verb.{verb}", lang) if f"verb.{verb}" in catalogue() else verb
    entity_key = f"entity.{entity}"
    entity_text = t(entity_key, lang) if entity_key in catalogue() else entity
    return f"{entity_text} · {verb_text}" if entity else verb_text
