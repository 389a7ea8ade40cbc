"""The contract documents people hand out: A4, a period stated as a contract states it (months
and days, never rounded up), the trial's parties with their addresses and contacts like the deal
contracts, the signatures side by side, and risk hints that say why a long trial matters."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from docx import Document
from sqlmodel import Session

from db.engine import get_engine
from db.models import ContractTemplate, InsurancePolicy, Organization, Result
from portal.contracts.common import period, trial_end
from portal.contracts.documents import contract_risks, generate_document, period_text
from portal.contracts.texts import DEFAULT_TRIAL_TEMPLATE
from portal.contracts.trials import create_trial
from tests.factories import make_org, save
from tests.test_contracts_documents import _set


def _doc(data: bytes) -> Document:
    return Document(io.BytesIO(data))


def _text(data: bytes) -> str:
    doc = _doc(data)
    cells = [c.text for table in doc.tables for row in table.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.mark.parametrize(("start", "end", "months", "days", "text"), [
    (date(2025, 7, 7), date(2026, 12, 29), 17, 23, "17 个月 23 天"),  # the issue's: not "18 个月"
    (date(2026, 1, 24), date(2027, 1, 19), 11, 27, "11 个月 27 天"),  # not "12 个月"
    (date(2026, 1, 1), date(2026, 12, 31), 12, 0, "12 个月"),
    (date(2026, 1, 1), date(2027, 1, 1), 12, 1, "12 个月 1 天"),
    (date(2026, 3, 1), date(2027, 2, 28), 12, 0, "12 个月"),
    (date(2026, 1, 31), date(2026, 2, 28), 1, 0, "1 个月"),  # no 31 February: the month's end
    (date(2026, 1, 31), date(2026, 2, 27), 0, 28, "28 天"),
    (date(2028, 2, 29), date(2029, 2, 28), 12, 0, "12 个月"),  # from a leap day
    (date(2026, 5, 10), date(2026, 5, 10), 0, 1, "1 天"),
    (date(2026, 8, 31), date(2026, 10, 30), 2, 0, "2 个月"),
])
def test_a_period_is_stated_in_months_and_days(start, end, months, days, text) -> None:  # noqa: ANN001
    assert period(start, end) == (months, days)
    assert period_text(start, end) == text


def test_every_trial_length_the_form_offers_is_whole_months_from_any_start() -> None:
    day = date(2024, 1, 1)
    while day < date(2029, 1, 1):
        for n in (1, 6, 11, 12, 18, 60):
            end = trial_end(day, n)
            assert period(day, end) == (n, 0), (day, n)
            assert period(day, end + timedelta(days=1)) == (n, 1), (day, n)
            assert period(day, end - timedelta(days=1))[0] == n - 1, (day, n)
        day += timedelta(days=1)
    with pytest.raises(ValueError):
        period(date(2026, 2, 1), date(2026, 1, 31))


def test_the_trial_document_is_a4_with_the_parties_addresses_and_contacts(world) -> None:
    hz = world.hz
    _set(Organization, hz.licensor.id, address="杭州市西湖区余杭塘路866号", contact_name="李老师",
         contact_phone="0571-88888888")
    _set(Organization, hz.enterprise.id, address="杭州市余杭区文一西路1500号", contact_name="王经理",
         contact_phone="13800000000")
    _set(Result, hz.result.id, grant_date=date(2024, 5, 1))
    trial = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                         start_date=date(2025, 7, 7), end_date=date(2026, 12, 29), signing_date=date(2025, 7, 1))
    data = generate_document(actor=hz.operator, contract_id=trial.id).data
    section = _doc(data).sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.left_margin.cm, 2) == 3.17 and round(section.top_margin.cm, 2) == 2.54
    text = _text(data)
    for line in ("住所：杭州市西湖区余杭塘路866号；联系人：李老师 0571-88888888",
                 "住所：杭州市余杭区文一西路1500号；联系人：王经理 13800000000",
                 "运营服务机构（丙方）：hz技术转移中心",
                 "试用期自 2025年7月7日 起至 2026年12月29日 止，共 17 个月 23 天。",
                 "试用期 17 个月 23 天，超过 12 个月：试用期内许可人不收取任何费用"):
        assert line in text, line
    assert "18 个月" not in text
    # the signatures: one column per party, its name, the signature and the date lines
    table = _doc(data).tables[-1]
    columns = [[row.cells[i].text for row in table.rows] for i in range(3)]
    assert columns[0] == ["甲方（盖章）：", "hz大学", "法定代表人或授权代表（签字）：", "日期：____年__月__日"]
    assert columns[1][:2] == ["乙方（盖章）：", "hz恒拓科技有限公司"] and columns[2][:2] == ["丙方（盖章）：", "hz技术转移中心"]
    assert "（以下无正文）" in text


def test_a_template_saved_before_the_exact_period_states_it_too(world) -> None:
    """Stored versions say "共 {trial_months} 个月": they print the exact period, not a rounded count."""
    hz = world.hz
    old_body = DEFAULT_TRIAL_TEMPLATE.replace("共 {trial_period}。", "共 {trial_months} 个月。").replace(
        "住所：{licensee_address}；联系人：{licensee_contact}\n", "")
    with Session(get_engine()) as s:
        s.add(ContractTemplate(city_code="330100", kind="trial", version=1, title="旧版", body=old_body, reason="旧"))
        s.commit()
    trial = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                         start_date=date(2026, 1, 24), end_date=date(2027, 1, 19), signing_date=date(2026, 1, 20))
    text = _text(generate_document(actor=hz.operator, contract_id=trial.id).data)
    assert "共 11 个月 27 天。" in text and "共 12 个月" not in text


def test_a_long_trial_says_what_its_insurance_and_the_three_year_rule_miss(world) -> None:
    hz = world.hz
    _set(Result, hz.result.id, fiscally_funded=True, grant_date=date(2023, 9, 1), exclusion_reason=None)
    trial = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                         start_date=date(2025, 7, 7), end_date=date(2026, 12, 29), signing_date=date(2025, 7, 1))
    insurer = make_org("某保险公司", "insurer")
    save(InsurancePolicy(contract_id=trial.id, insurer_org_id=insurer.id, city_code="330100", policy_number="P-1",
                         product="先用后转试用险", premium=Decimal("1000"), coverage=Decimal("100000"),
                         start_date=date(2025, 7, 7), end_date=date(2026, 7, 6)))
    hints = {h.key: h for h in contract_risks(actor=hz.operator, contract_id=trial.id)}
    assert {"contracts.risk.long_trial", "contracts.risk.insurance_short", "contracts.risk.three_year"} <= set(hints)
    assert "contracts.risk.no_insurance" not in hints
    assert hints["contracts.risk.insurance_short"].text() == (
        "保险期间至 2026年7月6日，早于试用期满（2026年12月29日），最后 176 天没有保险保障；请续保或调整保险期间。")
    assert "2026年9月1日" in hints["contracts.risk.three_year"].text()
    assert hints["contracts.risk.long_trial"].text("en").startswith(
        "The trial runs 17 months and 23 days, longer than 12 months: the licensor is paid nothing")


def test_a_twelve_month_trial_with_a_year_of_cover_has_none_of_those_hints(world) -> None:
    hz = world.hz
    _set(Result, hz.result.id, fiscally_funded=True, grant_date=date(2025, 9, 1), exclusion_reason=None)
    trial = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                         start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), signing_date=date(2025, 12, 1))
    save(InsurancePolicy(contract_id=trial.id, insurer_org_id=make_org("某保险公司", "insurer").id, city_code="330100",
                         policy_number="P-2", product="先用后转试用险", premium=Decimal("1000"),
                         coverage=Decimal("100000"), start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)))
    keys = {h.key for h in contract_risks(actor=hz.operator, contract_id=trial.id)}
    assert not keys & {"contracts.risk.long_trial", "contracts.risk.insurance_short", "contracts.risk.three_year"}
