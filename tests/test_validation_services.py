"""What the validator properties found, through the services a user reaches them by, on SQLite and
PostgreSQL: each refusal names the field and writes nothing, and the allowed case next to it works."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import Contract, Demand, UserAccount
from db.models.enums import Role
from portal.admin.users import add_user
from portal.contracts.trials import create_trial
from portal.core.clock import today
from portal.core.errors import ValidationError
from portal.hub.demand_sheets import export_demands
from portal.hub.demands import create_demand
from portal.pool import disclosure, excel
from tests.factories import make_org
from tests.test_pool import form


def count(model, *where) -> int:  # noqa: ANN001
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def _user(world, password: str, name: str):  # noqa: ANN001, ANN202
    return add_user(actor=world.hz.operator, username=name, display_name="讲解员", password=password,
                    role=Role.PRESENTER, city_code="330100")


def test_a_password_bcrypt_cannot_take_is_refused_naming_it(world) -> None:  # noqa: ANN001
    for bad, key in (("密码" * 12 + "ab12", "error.password_too_long"),  # 76 bytes: bcrypt raised ValueError
                     ("abc\x00def12", "error.password_control")):  # NUL: bcrypt raised ValueError
        with pytest.raises(ValidationError) as err:
            _user(world, bad, "hz_long_pw")
        assert (err.value.key, err.value.field) == (key, "password")
    assert count(UserAccount, UserAccount.username == "hz_long_pw") == 0
    _user(world, "密码" * 11 + "ab1234", "hz_long_pw")  # 66 + 6 bytes: the most bcrypt takes
    assert count(UserAccount, UserAccount.username == "hz_long_pw") == 1


def test_text_neither_postgresql_nor_a_workbook_can_hold_is_dropped(world) -> None:  # noqa: ANN001
    """A lone surrogate raised UnicodeEncodeError on PostgreSQL; U+FFFF broke the .xlsx export."""
    d = create_demand(actor=world.hz.operator, enterprise_org_id=world.hz.enterprise.id, data={
        "title": "电池\ud800鼓包\uffff问题", "description": "续航\ufffe下降", "field": "new_energy",
        "cooperation": ["trial"]})
    assert (d.title, d.description) == ("电池鼓包问题", "续航下降")
    sheet = load_workbook(io.BytesIO(export_demands(actor=world.hz.operator))).worksheets[0]
    assert "电池鼓包问题" in [row[1] for row in sheet.iter_rows(values_only=True)]
    r = disclosure.save_result(actor=world.hz.officer, data=form(result_title="一种\uffff散热膜\ud83d"))
    assert r.title == "一种散热膜"
    assert excel.export_workbook(actor=world.hz.operator)  # builds: nothing in it the XML refuses


def test_a_date_beyond_what_the_portal_reckons_with_is_refused(world) -> None:  # noqa: ANN001
    """A trial starting 9999-12-01 raised in its end-date arithmetic; now the date is refused."""
    licensee = make_org("远期试用企业", "enterprise")
    before = count(Contract)
    for typed in ("9999-12-01", "2200-01-01", "2024-01-0123"):
        with pytest.raises(ValidationError) as err:
            create_trial(actor=world.hz.operator, result_id=world.hz.result.id, licensee_org_id=licensee.id,
                         start_date=typed)
        assert err.value.field == "contract_start_date"
    assert count(Contract) == before
    trial = create_trial(actor=world.hz.operator, result_id=world.hz.result.id, licensee_org_id=licensee.id,
                         start_date=f"{today().year}年{today().month}月{today().day}日")
    assert trial.start_date == today() and trial.end_date > today() + timedelta(days=300)


def test_a_demand_budget_typed_full_width_or_in_wan_is_kept_exactly(world) -> None:  # noqa: ANN001
    d = create_demand(actor=world.hz.operator, enterprise_org_id=world.hz.enterprise.id, data={
        "title": "染料废水脱色", "field": "new_energy", "cooperation": ["trial"],
        "budget_min": "５万", "budget_max": "¥1,200,000.5"})
    assert (str(d.budget_min), str(d.budget_max)) == ("50000.00", "1200000.50")
    with pytest.raises(ValidationError) as err:
        create_demand(actor=world.hz.operator, enterprise_org_id=world.hz.enterprise.id, data={
            "title": "染料废水脱色", "field": "new_energy", "cooperation": ["trial"],
            "budget_min": "0.01000000000000000000000000000001万"})  # rounded to 100.00 before
    assert (err.value.key, err.value.field) == ("error.money_decimals", "demand_budget_min")
    assert count(Demand, Demand.title == "染料废水脱色") == 1


def test_a_results_keywords_and_number_are_cleaned_before_they_are_stored(world) -> None:
    """Keywords with a NUL (PostgreSQL refuses it) and a number that grows when upper-cased."""
    from portal.pool.disclosure import save_result

    data = {"number": "ß" * 40, "result_type": "software", "result_title": "控制字符测试成果",
            "result_field": "new_materials", "result_trl": 5, "result_owner": world.hz.licensor.id,
            "result_trial_months": 12, "result_keywords": "石墨烯\x00,散热\x1e膜"}
    with pytest.raises(ValidationError) as err:
        save_result(actor=world.hz.operator, data=data)
    assert err.value.field == "number"
    saved = save_result(actor=world.hz.operator, data={**data, "number": "2024SR0123456"})
    assert saved.keywords == "石墨烯,散热膜"
