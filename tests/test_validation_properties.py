"""Property-based tests (hypothesis) of every validator in portal.core.validation: whatever a user
types or a sheet hands over (control characters, NUL, bidi overrides, huge and tiny numbers,
floats, bools, None, full-width digits, 万/亿 amounts, formulas), the value is either accepted and
valid (two decimals and within range, no control characters, within its length, check digits
right …) or refused with a ValidationError naming the field in both languages; never another
exception. A fixed number of examples, derandomized under CI (see PROFILE)."""

from __future__ import annotations

import os
import re
import string
import unicodedata
from datetime import date, datetime
from decimal import Decimal, localcontext
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from db.models.enums import Field_, ResultType
from portal.core import validation as v
from portal.core.errors import ValidationError
from portal.core.i18n import field_label

IN_CI = os.environ.get("CI", "").lower() == "true"
# Pure functions: many examples are cheap. Derandomized in CI (the same examples every run, no
# example database written); locally each run explores new ones.
PROFILE = settings(max_examples=200, deadline=None, derandomize=IN_CI, database=None if IN_CI else settings().database)

# --- what arrives ------------------------------------------------------------------------------

NASTY = ["\x00", "\x01", "\x1e", "\x7f", "\x85", "\u202e", "\u202d", "\u2066", "\ufeff", "\u200b", "\ufffe",
         "\uffff", "\ud800", "\udfff", "\r\n", "\r", "\t", "\n", "\u3000", " ", "\u00a0"]
FRAGMENTS = [*NASTY, *string.digits, "０", "１", "５", "９", "٣", "万", "亿", "元", "万元", "¥", "￥", ",", "，", ".",
             "。", "%", "％", "e", "E", "e9999", "-", "+", "=", "@", "=SUM(A1:A9)", "+cmd|' /C calc'!A0", "NaN",
             "Infinity", "sNaN", "_", "/", "1e-30", "CN", "ZL", "X", "x", "a", "K", "ß", "İ", "\u212a", "中", "📈",
             "2023", "10123456", "2024-01-01", "T12:00", "13800138000", "0571-", "+86", "91330106", "MA2B1C2D3"]
nasty_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=12).map("".join)
any_text = st.text() | st.text(st.characters(codec=None, categories=("Cc", "Cf", "Cs", "Zs", "Nd", "Co"))) | nasty_text
numbers = (st.integers() | st.integers(min_value=-10**40, max_value=10**40)
           | st.floats() | st.floats(min_value=-1e15, max_value=1e15)
           | st.decimals() | st.decimals(places=2) | st.decimals(places=4, min_value=-2, max_value=2))
anything = (st.none() | st.booleans() | numbers | any_text | st.dates() | st.datetimes()
            | st.lists(st.integers(), max_size=2) | st.just(""))

# control characters (tab and line breaks aside), bidi controls, BOM, surrogates and XML's non-characters
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff\ufffe\uffff]")


def refused_naming(err: ValidationError, field: str, typed: str = "") -> None:
    """A refusal a user can read: it names field in zh and en, and says nothing of Python (no
    'None' for a bound it does not have, unless the user typed it)."""
    assert err.field == field
    for lang in ("zh", "en"):
        label = field_label(field, lang)
        assert label != f"field.{field}"
        message = err.message(lang)
        assert message.startswith(f"【{label}】" if lang == "zh" else f"{label}: "), message
        assert ("None" not in message or "None" in typed) and "Traceback" not in message, message
        assert not UNPRINTABLE.search(message), repr(message)


def outcome(fn: Any, *args: Any, field: str, **kw: Any) -> Any:
    """fn's answer, or ValidationError (checked to name field); any other exception fails the test."""
    try:
        return fn(*args, field=field, **kw)
    except ValidationError as err:
        refused_naming(err, field, typed=repr(args))
        return err


def exact_text(value: Any) -> str | None:
    """The number a value spells, as plain decimal text, when it is one (for comparing exactly)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    return str(value)


# --- money -------------------------------------------------------------------------------------

@PROFILE
@given(value=anything, required=st.booleans(), positive=st.booleans(), allow_zero=st.booleans())
@example(value="1e100", required=True, positive=False, allow_zero=True)
@example(value="9" * 40, required=True, positive=False, allow_zero=True)
@example(value=4.5e133, required=True, positive=False, allow_zero=True)
@example(value="-0", required=True, positive=False, allow_zero=True)
@example(value="0.01000000000000000000000000000001万", required=True, positive=False, allow_zero=True)
def test_money_is_two_decimals_within_the_column_or_refused(value, required, positive, allow_zero) -> None:  # noqa: ANN001
    got = outcome(v.money, value, field="demand_budget_min", required=required, positive=positive,
                  allow_zero=allow_zero)
    if isinstance(got, ValidationError):
        return
    if got is None:
        assert not required and (value is None or (isinstance(value, str) and not value.strip()))
        return
    assert isinstance(got, Decimal) and got.is_finite()
    assert got.as_tuple().exponent == -2 and not got.is_signed()  # 12.30, never -0.00
    assert Decimal(0) <= got <= v.MAX_YUAN
    assert got > 0 or (not positive and allow_zero)


UNITS = {"": 1, "元": 1, "万": 10_000, "万元": 10_000, "亿": 100_000_000}


@PROFILE
@example(amount=Decimal("0.01000000000000000000000000000001"), unit="万", noise="", commas=False, wide=False)
@given(amount=st.decimals(allow_nan=False, allow_infinity=False) | st.decimals(places=2, min_value=0, max_value=10**12),
       unit=st.sampled_from(sorted(UNITS)), noise=st.sampled_from(["", "¥", "￥", " ", "\u3000"]),
       commas=st.booleans(), wide=st.booleans())
def test_money_keeps_the_exact_amount_people_typed(amount: Decimal, unit: str, noise: str, commas: bool,
                                                   wide: bool) -> None:
    """'¥1,234.5万' is exactly 12,345,000.00; an amount that would need rounding is refused."""
    typed = f"{amount:,f}" if commas and amount.is_finite() and abs(amount) < 10**30 else str(amount)
    if wide:
        typed = typed.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    got = outcome(v.money, f"{noise}{typed}{unit}", field="voucher_amount")
    with localcontext() as ctx:
        ctx.prec, ctx.Emax, ctx.Emin = 10**6, 10**9, -10**9
        exact = amount * UNITS[unit]
    if isinstance(got, ValidationError):
        assert exact < 0 or exact > v.MAX_YUAN or exact != exact.quantize(Decimal("0.01"), context=ctx), (typed, got.key)
    else:
        assert got == exact


# --- rate --------------------------------------------------------------------------------------

@PROFILE
@given(value=anything | nasty_text.map(lambda s: s + "%"), maximum=st.sampled_from([Decimal("1"), Decimal("0.5")]))
@example(value="1e9999999%", maximum=Decimal("1"))
@example(value="５％", maximum=Decimal("1"))
def test_rate_is_a_share_within_its_maximum_or_refused(value, maximum: Decimal) -> None:  # noqa: ANN001
    got = outcome(v.rate, value, field="policy_fee_rate", maximum=maximum)
    if isinstance(got, ValidationError):
        return
    assert isinstance(got, Decimal) and got.is_finite()
    assert Decimal(0) < got <= maximum and got == got.quantize(Decimal("0.0001"))


@PROFILE
@given(percent=st.decimals(min_value=Decimal("0.01"), max_value=100, places=2))
def test_rate_in_percent_is_the_share_it_names(percent: Decimal) -> None:
    for typed in (f"{percent}%", f"{percent}％", f" {percent} % "):
        assert v.rate(typed, field="policy_fee_rate") == percent / 100


# --- integer -----------------------------------------------------------------------------------

@PROFILE
@given(value=anything, bounds=st.sampled_from([(1, 9), (1, 1000), (2000, 2100), (0, None), (None, None)]),
       required=st.booleans())
@example(value=3.0, bounds=(1, 9), required=True)
@example(value=True, bounds=(0, None), required=True)
@example(value=float("inf"), bounds=(1, 9), required=True)
@example(value=-1, bounds=(0, None), required=True)
def test_integer_is_a_whole_number_in_range_or_refused(value, bounds, required: bool) -> None:  # noqa: ANN001
    low, high = bounds
    got = outcome(v.integer, value, field="pilot_capacity", minimum=low, maximum=high, required=required)
    if isinstance(got, ValidationError) or got is None:
        assert got is not None or not required
        return
    assert type(got) is int and not isinstance(value, bool)
    assert (low is None or got >= low) and (high is None or got <= high)
    if isinstance(value, (int, float, Decimal)):
        assert got == value  # the number given, not a rounding of it


# --- text and printable ------------------------------------------------------------------------

@PROFILE
@given(value=anything, max_length=st.sampled_from([1, 18, 200]), required=st.booleans())
@example(value="\x00标题", max_length=200, required=True)
@example(value="a\ud800b", max_length=200, required=True)
@example(value="x\uffffy", max_length=200, required=True)
def test_text_is_printable_stripped_and_short_enough_or_refused(value, max_length: int, required: bool) -> None:  # noqa: ANN001
    got = outcome(v.text, value, field="demand_title", max_length=max_length, required=required)
    if isinstance(got, ValidationError):
        return
    assert isinstance(got, str) and len(got) <= max_length and (got or not required)
    assert not UNPRINTABLE.search(got) and got == got.strip()
    got.encode("utf-8")  # PostgreSQL and every workbook take it


@PROFILE
@given(value=any_text)
def test_printable_only_removes_and_is_stable(value: str) -> None:
    clean = v.printable(value)
    assert not UNPRINTABLE.search(clean) and "\r" not in clean
    assert v.printable(clean) == clean
    rest = iter(value.replace("\r\n", "\n").replace("\r", "\n"))
    assert all(ch in rest for ch in clean)  # a subsequence: nothing added, nothing reordered
    clean.encode("utf-8")


# --- choice and dates --------------------------------------------------------------------------

@PROFILE
@given(value=anything | st.sampled_from([f.value for f in Field_]), required=st.booleans())
def test_choice_is_one_of_the_options_or_refused(value, required: bool) -> None:  # noqa: ANN001
    got = outcome(v.choice, value, Field_, field="result_field", required=required)
    if isinstance(got, ValidationError) or got is None:
        assert got is not None or not required
        return
    assert got in {f.value for f in Field_}


@PROFILE
@given(value=anything | st.dates().map(str) | st.datetimes().map(str) | st.dates().map(lambda d: f"{d}{'x' * 3}"),
       required=st.booleans())
@example(value="2024-01-0123", required=True)
@example(value="9999-12-31", required=True)
@example(value=datetime(9999, 12, 31), required=True)
def test_a_date_is_a_plausible_day_or_refused(value, required: bool) -> None:  # noqa: ANN001
    got = outcome(v.a_date, value, field="demand_wanted_by", required=required)
    if isinstance(got, ValidationError) or got is None:
        assert got is not None or not required
        return
    assert type(got) is date and v.MIN_DATE <= got <= v.MAX_DATE
    if isinstance(value, str):  # the whole text was the date (or its date-time): nothing ignored
        typed = unicodedata.normalize("NFKC", value).strip()
        assert re.fullmatch(r"[0-9/.:+\- TZ年月日]+", typed) and int(re.sub(r"[^0-9]", "", typed)[:4]) == got.year
        assert isinstance(outcome(v.a_date, typed + "x", field="demand_wanted_by"), ValidationError)


@PROFILE
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)),
       spelling=st.sampled_from(["{d}", "{d.year}/{d.month}/{d.day}", "{d.year}.{d.month:02}.{d.day:02}",
                                 "{d.year}年{d.month}月{d.day}日", "{d:%Y%m%d}", "{d}T08:30:00+08:00", "{d} 00:00:00",
                                 "　{d}　"]))
def test_a_date_reads_the_spellings_people_type(day: date, spelling: str) -> None:
    assert v.a_date(spelling.format(d=day), field="demand_wanted_by") == day
    wide = spelling.format(d=day).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert v.a_date(wide, field="demand_wanted_by") == day


# --- identifiers -------------------------------------------------------------------------------

ASCII_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
ASCII_LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}", re.ASCII)


@PROFILE
@given(value=anything | st.from_regex(r"\A(\+86)?1[3-9][0-9]{9}\Z") | st.from_regex(r"\A0[0-9]{2,3}-[0-9]{7,8}\Z"),
       required=st.booleans())
@example(value="13８００１３８０００", required=True)
@example(value="13٠٠٠٠٠٠٠٠٠", required=True)
def test_phone_is_an_ascii_mainland_number_or_refused(value, required: bool) -> None:  # noqa: ANN001
    got = outcome(v.phone, value, field="pilot_contact_phone", required=required)
    if isinstance(got, ValidationError) or got is None:
        assert got is not None or not required
        return
    assert ASCII_MOBILE.fullmatch(got) or ASCII_LANDLINE.fullmatch(got), got


def _credit_code(body: str) -> str:
    return body + v.credit_check_char(body)


credit_codes = st.text(v.CREDIT_CHARSET, min_size=17, max_size=17).map(_credit_code)


@PROFILE
@given(value=anything | credit_codes | credit_codes.map(str.lower) | credit_codes.map(lambda c: c[:17] + "0"))
@example(value="91٣٣0106MA2B1C2D3X")
@example(value="９１３３０１０６ＭＡ２Ｂ１Ｃ２Ｄ３Ｘ")
def test_credit_code_has_its_check_character_or_is_refused(value) -> None:  # noqa: ANN001
    got = outcome(v.credit_code, value, field="credit_code")
    if isinstance(got, ValidationError):
        return
    assert len(got) == 18 and set(got) <= set(v.CREDIT_CHARSET)
    assert v.credit_check_char(got[:17]) == got[17]


def _patent(digits: str) -> str:
    return f"{digits}.{v.patent_check_char(digits)}"


patents = st.from_regex(r"\A(19|20)[0-9]{2}[12389][0-9]{7}\Z").map(_patent)


@PROFILE
@given(value=anything | patents | patents.map(lambda p: "CN" + p.replace(".", "")) | patents.map(lambda p: p[:-1] + "X"))
@example(value="２０２３１０１２３４５６.6")
@example(value="２０２３１０１２３４５６.６")
@example(value="٢٠٢٣١٠١٢٣٤٥٦.6")
def test_patent_number_is_canonical_with_its_check_digit_or_refused(value) -> None:  # noqa: ANN001
    got = outcome(v.patent_number, value, field="number")
    if isinstance(got, ValidationError):
        return
    number, kind = got
    assert re.fullmatch(r"([0-9]{12}|[0-9]{8})\.[0-9X]", number, re.ASCII), number
    digits, check = number.split(".")
    assert v.patent_check_char(digits) == check and kind in set(ResultType)


@PROFILE
@given(value=anything | st.from_regex(r"\A[a-z][a-z0-9_.-]{2,39}\Z"))
@example(value="\u212aate")  # KELVIN SIGN lower-cases to an ASCII k
def test_username_is_a_lower_case_ascii_login_or_refused(value) -> None:  # noqa: ANN001
    got = outcome(v.username, value, field="username")
    if isinstance(got, ValidationError):
        return
    assert re.fullmatch(r"[a-z][a-z0-9_.-]{2,39}", got, re.ASCII), got


@PROFILE
@given(value=anything | st.text(min_size=8, max_size=100).map(lambda s: s + "a1"))
@example(value="a1" + "x" * 100)
@example(value="abc\x00def12")
@example(value="密码很长" * 6 + "a1")
def test_password_can_be_hashed_or_is_refused(value) -> None:  # noqa: ANN001
    got = outcome(v.password, value, field="password")
    if isinstance(got, ValidationError):
        return
    assert len(got) >= 8 and re.search(r"[A-Za-z]", got) and re.search(r"\d", got)
    assert len(got.encode("utf-8")) <= 72 and not UNPRINTABLE.search(got)  # what bcrypt takes as it is


@pytest.mark.parametrize("typed, expected", [("5万", Decimal("50000.00")), ("5 万元", Decimal("50000.00")),
                                             ("¥50,000", Decimal("50000.00")), ("1.2亿", Decimal("120000000.00")),
                                             ("５万", Decimal("50000.00"))])
def test_money_as_people_type_it(typed: str, expected: Decimal) -> None:
    assert v.money(typed, field="demand_budget_min") == expected
