"""Column types: money is stored as integer fen so that sums stay exact on SQLite too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")


class Money(TypeDecorator):
    """Decimal yuan in Python, BIGINT fen in the database (SQLite sums REAL numerics in floats)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal, not float")
        amount = Decimal(value)
        fen = amount * 100
        if fen != fen.to_integral_value():
            raise ValueError(f"money has more than two decimals: {value}")
        return int(fen)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(CENT)

    @property
    def python_type(self) -> type:
        return Decimal


def to_money(value: Any) -> Decimal:
    """A Decimal with two places, for values computed in code (e.g. a rate times an amount)."""
    return Decimal(value).quantize(CENT)
