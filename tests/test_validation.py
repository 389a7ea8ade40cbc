"""Validators: each accepts the good value and refuses the bad one naming the field, in zh and en."""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.models.enums import ResultType
from portal.core import validation as v
from portal.core.errors import ValidationError


def _valid(code17: str) -> str:
    return code17 + v.credit_check_char(code17)


def test_credit_code_check_character_is_gb32100() -> None:
    # weights 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28; 31 - sum mod 31
    first17 = "91330106MA2B1C2D3"
    total = sum(v.CREDIT_CHARSET.index(c) * w for c, w in zip(first17, v.CREDIT_WEIGHTS, strict=True))
    assert v.credit_check_char(first17) == v.CREDIT_CHARSET[(31 - total % 31) % 31]


def test_credit_code_accepts_valid_and_normalizes() -> None:
    code = _valid("91330106MA2B1C2D3")
    assert v.credit_code(f"  {code.lower()} ") == code


@pytest.mark.parametrize("bad, key", [
    ("", "error.required"),
    ("9133010", "error.credit_code_shape"),
    ("91330106MA2B1C2DIO", "error.credit_code_shape"),  # I and O are not in the charset
])
def test_credit_code_refuses_bad_shapes(bad: str, key: str) -> None:
    with pytest.raises(ValidationError) as err:
        v.credit_code(bad)
    assert err.value.key == key and err.value.field == "credit_code"


def test_credit_code_refuses_wrong_check_character() -> None:
    good = _valid("91330106MA2B1C2D3")
    wrong = good[:17] + next(c for c in "0123456789" if c != good[17])
    with pytest.raises(ValidationError) as err:
        v.credit_code(wrong, field="licensee_credit_code")
    assert err.value.key == "error.credit_code_check"
    assert err.value.message("zh").startswith("【")
    assert "check character" in err.value.message("en")


def _patent(digits: str) -> str:
    return f"{digits}.{v.patent_check_char(digits)}"


@pytest.mark.parametrize("digits, kind", [
    ("202310123456", ResultType.INVENTION),
    ("202320123456", ResultType.UTILITY_MODEL),
    ("202330123456", ResultType.DESIGN),
    ("202380123456", ResultType.INVENTION),  # PCT entering the national phase
])
def test_patent_number_type_digit(digits: str, kind: ResultType) -> None:
    number, got = v.patent_number(_patent(digits))
    assert number == _patent(digits) and got == kind


def test_patent_check_digit_known_value() -> None:
    # 2,3,4,5,6,7,8,9,2,3,4,5 · 2,0,2,3,1,0,1,2,3,4,5,6 = 4+0+8+15+6+0+8+18+6+12+20+30 = 127; 127 mod 11 = 6
    assert v.patent_check_char("202310123456") == "6"
    assert v.patent_check_char("200510012340") in "0123456789X"


def test_patent_number_accepts_common_spellings() -> None:
    canonical = _patent("202310123456")
    for spelling in ("CN" + canonical, "ZL " + canonical, "2023 1 0123456." + canonical[-1],
                     canonical.replace(".", "")):
        assert v.patent_number(spelling)[0] == canonical


@pytest.mark.parametrize("bad, key", [
    ("", "error.required"),
    ("2023-ABC", "error.patent_shape"),
    ("202340123456.7", None),  # type digit 4 does not exist (check digit aside)
])
def test_patent_number_refusals(bad: str, key: str | None) -> None:
    if key is None:
        bad = _patent("202340123456")
        key = "error.patent_type"
    with pytest.raises(ValidationError) as err:
        v.patent_number(bad)
    assert err.value.key == key and err.value.field == "number"


def test_patent_number_refuses_wrong_check_digit() -> None:
    good = _patent("202310123456")
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as err:
        v.patent_number(wrong)
    assert err.value.key == "error.patent_check"


@pytest.mark.parametrize("raw, expected", [
    ("1234.5", Decimal("1234.50")), ("¥1,234.56", Decimal("1234.56")), (Decimal("10"), Decimal("10.00")),
    (12, Decimal("12.00")), ("100元", Decimal("100.00")), (0.1, Decimal("0.10")),
])
def test_money_accepts_yuan(raw, expected: Decimal) -> None:  # noqa: ANN001
    assert v.money(raw, field="amount") == expected


@pytest.mark.parametrize("raw, key", [
    ("abc", "error.money_shape"), ("1.234", "error.money_decimals"), ("-5", "error.money_negative"),
    ("", "error.required"), ("NaN", "error.money_shape"), ("1e15", "error.money_too_large"),
])
def test_money_refuses_bad_amounts(raw: str, key: str) -> None:
    with pytest.raises(ValidationError) as err:
        v.money(raw, field="deal_amount")
    assert err.value.key == key and err.value.field == "deal_amount"
    assert "合作金额" in err.value.message("zh") and "Deal amount" in err.value.message("en")


def test_money_positive_refuses_zero() -> None:
    with pytest.raises(ValidationError) as err:
        v.money("0", field="deal_amount", positive=True)
    assert err.value.key == "error.money_positive"


@pytest.mark.parametrize("good", ["13812345678", "+86 138 1234 5678", "0571-88888888", "057188888888"])
def test_phone_accepts(good: str) -> None:
    assert v.phone(good)


@pytest.mark.parametrize("bad", ["12345", "23812345678", "abc"])
def test_phone_refuses(bad: str) -> None:
    with pytest.raises(ValidationError) as err:
        v.phone(bad)
    assert err.value.key == "error.phone_shape"


def test_password_and_username_rules() -> None:
    assert v.password("Abcdefg1") == "Abcdefg1"
    for weak in ("short1", "allletters", "12345678"):
        with pytest.raises(ValidationError):
            v.password(weak)
    assert v.username(" HZ_Op ") == "hz_op"
    with pytest.raises(ValidationError):
        v.username("1abc")
