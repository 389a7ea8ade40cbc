"""One way to page a list: count once, clamp the page asked for to the pages there are, then
fetch only that page's rows. Pages are numbered from 1."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlmodel import Session

T = TypeVar("T")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and where it stands in the whole."""

    rows: list[T]
    total: int
    number: int  # the page shown, 1-based, after clamping
    size: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least 1, so an empty list has page 1 of 1)."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def clamp(number: int | None, total: int, size: int) -> int:
    """number within 1 … the last page (a page past the end shows the last one)."""
    last = max(1, -(-total // size))
    try:
        asked = int(number or 1)
    except (TypeError, ValueError):
        asked = 1
    return min(max(asked, 1), last)


def paginate(s: Session, count: Any, fetch: Callable[[int, int], list[T]], *, page: int | None,
             size: int = PAGE_SIZE) -> Page[T]:
    """The page of a list: count is a SELECT count(*), fetch(offset, limit) reads the rows."""
    total = int(s.exec(count).one())
    number = clamp(page, total, size)
    rows = fetch((number - 1) * size, size) if total else []
    return Page(rows, total, number, size)
