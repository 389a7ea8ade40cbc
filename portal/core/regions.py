"""Zhejiang's regions (province, 11 cities, counties/districts): reference data shipped with the code."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROVINCE_CODE = "330000"


@dataclass(frozen=True)
class RegionInfo:
    code: str
    parent: str | None
    level: str
    name_zh: str
    name_en: str

    def name(self, lang: str = "zh") -> str:
        """The region's name in lang."""
        return self.name_en if lang == "en" else self.name_zh


@lru_cache(maxsize=1)
def all_regions() -> dict[str, RegionInfo]:
    """Every region by adcode, in file order (province, then each city and its counties)."""
    path = Path(__file__).parent / "data" / "regions.csv"
    with path.open(encoding="utf-8") as fh:
        return {
            row["code"]: RegionInfo(row["code"], row["parent"] or None, row["level"],
                                    row["name_zh"], row["name_en"])
            for row in csv.DictReader(fh)
        }


def cities() -> list[RegionInfo]:
    """The 11 cities in the province's customary order."""
    return [r for r in all_regions().values() if r.level == "city"]


def counties(city_code: str) -> list[RegionInfo]:
    """Counties and districts of one city."""
    return [r for r in all_regions().values() if r.parent == city_code]


def region_name(code: str | None, lang: str = "zh") -> str:
    """Name of a region code, or '' for None / unknown codes."""
    info = all_regions().get(code or "")
    return info.name(lang) if info else ""


def city_of(code: str) -> str:
    """The city a city or county code belongs to."""
    info = all_regions()[code]
    return info.code if info.level == "city" else (info.parent or info.code)
