"""Validators for what users type or import. Each returns the clean value or raises a
ValidationError that names the field; none of them touches the database."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from db.models.enums import ResultType
from portal.core.errors import ValidationError


def _ascii(value: Any) -> str:
    """value as text with full-width digits, letters and signs as their ASCII twins (NFKC)."""
    return unicodedata.normalize("NFKC", str(value if value is not None else ""))


def _shown(value: Any) -> str:
    """What the user typed, as a refusal may quote it: printable and short."""
    return printable(str(value))[:40]


# --- 统一社会信用代码 (GB 32100-2015) -------------------------------------------------------
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")


def credit_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code."""
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code(value: Any, *, field: str = "credit_code") -> str:
    """A valid unified social credit code, upper-cased and stripped (full-width characters, as a
    Chinese input method types them, count as their ASCII twins)."""
    code = _ascii(value).strip().upper().replace(" ", "")
    if not code:
        raise ValidationError("error.required", field=field)
    if not _CREDIT_SHAPE.fullmatch(code):
        raise ValidationError("error.credit_code_shape", field=field)
    if credit_check_char(code[:17]) != code[17]:
        raise ValidationError("error.credit_code_check", field=field)
    return code


# --- 专利申请号 ---------------------------------------------------------------------------
_PATENT_TYPES = {"1": ResultType.INVENTION, "2": ResultType.UTILITY_MODEL, "3": ResultType.DESIGN,
                 "8": ResultType.INVENTION, "9": ResultType.UTILITY_MODEL}  # 8/9: PCT national phase


def patent_check_char(digits: str) -> str:
    """The check character after the dot: weights 2..9 repeating, sum mod 11, 10 → X."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9)
    total = sum(int(d) * weights[i % 8] for i, d in enumerate(digits))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def patent_number(value: Any, *, field: str = "number") -> tuple[str, ResultType]:
    """A Chinese patent application number as 'YYYYTNNNNNNN.C' with the type its type digit gives.

    Accepts 'CN202310123456.7', '2023 1 0123456.7', '2023101234567' and the pre-2004 8-digit form.
    """
    raw = _ascii(value).strip().upper()
    if not raw:
        raise ValidationError("error.required", field=field)
    text = re.sub(r"[\s\-]", "", raw)
    text = text.removeprefix("ZL").removeprefix("CN")
    m = re.fullmatch(r"([0-9]{12}|[0-9]{8})\.?([0-9X])", text)
    if not m:
        raise ValidationError("error.patent_shape", field=field)
    digits, check = m.groups()
    if patent_check_char(digits) != check:
        raise ValidationError("error.patent_check", field=field)
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    kind = _PATENT_TYPES.get(type_digit)
    if kind is None:
        raise ValidationError("error.patent_type", field=field, digit=type_digit)
    return f"{digits}.{check}", kind


# --- money, numbers, text, dates ---------------------------------------------------------------
MAX_YUAN = Decimal("999999999999.99")


_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_MONEY_NOISE = str.maketrans("", "", ",，¥￥ \u3000")


def money(value: Any, *, field: str, required: bool = True, positive: bool = False,
          allow_zero: bool = True) -> Decimal | None:
    """Decimal yuan with at most two decimals, from what people type: "50000", "¥50,000",
    "5万", "5 万元", "1.2亿". Floats from widgets and spreadsheet cells are taken by their shortest
    exact text, so no binary rounding sneaks in; anything beyond the column's range is refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError("error.required", field=field)
        return None
    if isinstance(value, bool):
        raise ValidationError("error.money_shape", field=field, value=str(value))
    if isinstance(value, float):
        value = repr(value)
    text_value = _ascii(value).strip().translate(_MONEY_NOISE)
    text_value = text_value.removesuffix("元")
    unit = Decimal(1)
    if text_value[-1:] in _UNITS:
        unit, text_value = _UNITS[text_value[-1]], text_value[:-1]
    try:
        amount = Decimal(text_value)
    except InvalidOperation:
        raise ValidationError("error.money_shape", field=field, value=_shown(value)) from None
    if not amount.is_finite():
        raise ValidationError("error.money_shape", field=field, value=_shown(value))
    if amount.copy_abs() > MAX_YUAN / unit:  # before any arithmetic: 1e100 cannot be rounded
        raise ValidationError("error.money_too_large", field=field)
    # fen of the amount meant, checked before multiplying: the product is rounded to 28 digits, so
    # "0.01000000000000000000000000000001万" would pass as 100.00 if checked after
    if amount != amount.quantize(Decimal("0.01") / unit):
        raise ValidationError("error.money_decimals", field=field)
    amount = (amount * unit).quantize(Decimal("0.01"))
    if amount < 0 or (positive and amount == 0) or (not allow_zero and amount == 0):
        raise ValidationError("error.money_positive" if positive else "error.money_negative", field=field)
    return amount.copy_abs()  # "-0" is 0.00, not -0.00


def rate(value: Any, *, field: str, maximum: Decimal = Decimal("1")) -> Decimal:
    """A rate from a share (0.05), a Decimal or percent text ('5%'), above 0, at most maximum,
    to 0.01 %."""
    text_value = _ascii(value).strip()  # "５％" is 5%
    if not text_value:
        raise ValidationError("error.required", field=field)
    percent = text_value.endswith("%")
    try:
        share = Decimal(text_value[:-1].strip() if percent else text_value)
    except InvalidOperation:
        raise ValidationError("error.rate_shape", field=field) from None
    if not share.is_finite():
        raise ValidationError("error.rate_shape", field=field)
    if share.copy_abs() > 100 * maximum * (100 if percent else 1):  # before any arithmetic: 1e9999999% overflows
        raise ValidationError("error.rate_range", field=field)
    if not percent and maximum < share <= 100 * maximum:  # "3" where a share is asked: 3 %?
        raise ValidationError("error.rate_percent", field=field, value=_shown(text_value))
    if percent and share != share.quantize(Decimal("0.01")):  # checked before dividing, which rounds
        raise ValidationError("error.rate_decimals", field=field)
    share = share / 100 if percent else share
    if share <= 0 or share > maximum:
        raise ValidationError("error.rate_range", field=field)
    if share != share.quantize(Decimal("0.0001")):
        raise ValidationError("error.rate_decimals", field=field)
    return share.quantize(Decimal("0.0001"))


def integer(value: Any, *, field: str, minimum: int | None = None, maximum: int | None = None,
            required: bool = True) -> int | None:
    """An int within [minimum, maximum]."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError("error.required", field=field)
        return None
    if isinstance(value, bool):  # True is an int to Python, not a number to a user
        raise ValidationError("error.integer_shape", field=field)
    if isinstance(value, int):
        number = value
    elif isinstance(value, (float, Decimal)):  # 3.0 from a widget or a cell is 3; 3.5, NaN, inf are not
        if not _whole(value):
            raise ValidationError("error.integer_shape", field=field)
        number = int(value)
    else:
        try:
            number = int(_ascii(value).strip())  # "１２" is 12
        except ValueError:  # also past Python's 4300 digits
            raise ValidationError("error.integer_shape", field=field) from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        if minimum is None or maximum is None:  # one bound: say only that one
            key, bound = ("error.integer_min", minimum) if maximum is None else ("error.integer_max", maximum)
            raise ValidationError(key, field=field, bound=bound)
        raise ValidationError("error.integer_range", field=field, minimum=minimum, maximum=maximum)
    return number


def _whole(value: float | Decimal) -> bool:
    if isinstance(value, float):
        return value.is_integer()  # False for NaN and infinities
    return value.is_finite() and value == value.to_integral_value()


# Characters no field may hold: control characters (but tab and line breaks), the bidirectional
# overrides that make text read differently from how it is stored, and what neither UTF-8 nor a
# workbook's XML can carry (lone surrogates, U+FFFE, U+FFFF: the .xlsx export would fail on them).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff"
                          "\ud800-\udfff\ufffe\uffff]")


def printable(value: str) -> str:
    """value without control characters and bidi overrides, line ends as \\n (every text field and
    every imported cell goes through this: PostgreSQL refuses NUL, a workbook refuses \\x1e)."""
    return _UNPRINTABLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def text(value: Any, *, field: str, max_length: int, required: bool = True) -> str:
    """Stripped printable text within max_length characters."""
    clean = printable(str(value if value is not None else "")).strip()
    if not clean and required:
        raise ValidationError("error.required", field=field)
    if len(clean) > max_length:
        raise ValidationError("error.too_long", field=field, max=max_length)
    return clean


def choice(value: Any, options: Any, *, field: str, required: bool = True) -> str | None:
    """One of options (an enum or a collection of strings)."""
    if value is None or value == "":
        if required:
            raise ValidationError("error.required", field=field)
        return None
    allowed = {str(o) for o in options}
    if str(value) not in allowed:
        raise ValidationError("error.bad_choice", field=field, value=_shown(value))
    return str(value)


# Business dates the portal can reckon with (a trial's end, three years after a grant): a typo such
# as 0224 or 20240 is refused, not carried into arithmetic that overflows at year 9999.
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2199, 12, 31)
# 2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日, 20240105, optionally with the time an export adds
_DATE_TEXT = re.compile(r"(?:([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?|([0-9]{4})([0-9]{2})([0-9]{2}))"
                        r"(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?")


def a_date(value: Any, *, field: str, required: bool = True) -> date | None:
    """A date between MIN_DATE and MAX_DATE from a date, a datetime or text such as 2024-01-05
    (the whole text: '2024-01-0123' is refused, not read as the 1st)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError("error.required", field=field)
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        m = _DATE_TEXT.fullmatch(_ascii(value).strip())
        try:
            if m is None:
                raise ValueError
            year, month, dom = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
            day = date(year, month, dom)
        except ValueError:
            raise ValidationError("error.date_shape", field=field) from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValidationError("error.date_range", field=field, first=MIN_DATE.isoformat(), last=MAX_DATE.isoformat())
    return day


_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")


def phone(value: Any, *, field: str = "phone", required: bool = True) -> str | None:
    """A mainland mobile (11 digits from 13…19) or landline with area code."""
    clean = re.sub(r"[\s()]", "", _ascii(value or "")).removeprefix("+86")  # full-width digits and （） too
    if not clean:
        if required:
            raise ValidationError("error.required", field=field)
        return None
    if not (_MOBILE.fullmatch(clean) or _LANDLINE.fullmatch(clean)):
        raise ValidationError("error.phone_shape", field=field)
    return clean


_USERNAME = re.compile(r"[a-z][a-z0-9_.-]{2,39}")


def username(value: Any, *, field: str = "username") -> str:
    """Lower-case login name: a letter, then letters, digits, _ . - (3–40 characters)."""
    clean = str(value or "").strip().lower()
    if not clean:
        raise ValidationError("error.required", field=field)
    if not _USERNAME.fullmatch(clean):
        raise ValidationError("error.username_shape", field=field)
    return clean


# bcrypt hashes at most 72 bytes and refuses more (and NUL): refused here, naming the field
MAX_PASSWORD_BYTES = 72


def password(value: Any, *, field: str = "password") -> str:
    """At least 8 characters with a letter and a digit, at most 72 bytes, no control characters."""
    pw = str(value or "")
    if _UNPRINTABLE.search(pw) or any(c in pw for c in "\t\r\n"):
        raise ValidationError("error.password_control", field=field)
    if len(pw) < 8 or not re.search(r"[A-Za-z]", pw) or not re.search(r"[0-9]", pw):
        raise ValidationError("error.password_weak", field=field)
    if len(pw.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValidationError("error.password_too_long", field=field, max=MAX_PASSWORD_BYTES)
    return pw
