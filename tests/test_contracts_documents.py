"""Standard-form templates (versioned, per contract kind) and the generated .docx (every field filled,
risk hints) for trials, paid licences and transfers."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from docx import Document
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import ContractTemplate, Organization, Result
from portal.contracts.documents import contract_risks, generate_document
from portal.contracts.outcomes import convert_trial
from portal.contracts.templates import current_template, list_templates, save_template, template_for
from portal.contracts.texts import rmb_upper
from portal.contracts.trials import create_trial
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from tests.factories import make_org, make_trial


def _text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def _set(model, id_, **values) -> None:  # noqa: ANN001
    with Session(get_engine(), expire_on_commit=False) as s:
        row = s.get(model, id_)
        for k, v in values.items():
            setattr(row, k, v)
        s.add(row)
        s.commit()


def test_document_has_every_field_filled(world) -> None:
    hz = world.hz
    _set(Organization, hz.licensor.id, address="杭州市西湖区余杭塘路866号", contact_name="李老师",
         contact_phone="0571-88888888")
    _set(Result, hz.result.id, grant_date=date(2024, 5, 1))
    trial = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                         start_date=date(2026, 1, 1), signing_date=min(date(2026, 1, 1), today()))
    doc = generate_document(actor=hz.operator, contract_id=trial.id)
    text = _text(doc.data)
    assert doc.filename == f"{trial.number}.docx" and doc.template_version == 1
    assert "{" not in text and "}" not in text  # no placeholder left unfilled
    for expected in (trial.number, "hz大学", hz.licensor.credit_code, "hz恒拓科技有限公司",
                     hz.enterprise.credit_code, "hz技术转移中心", hz.result.title, hz.result.number,
                     "中华人民共和国境内", "2026年1月1日", "2026年12月31日",
                     "共 12 个月", "试用费用：0.00 元"):
        assert expected in text, expected
    assert text.splitlines()[0] == "科技成果“先用后转”普通许可试用合同"
    # a clean trial except for the missing insurance
    assert [h.key for h in doc.hints] == ["contracts.risk.no_insurance"]


def test_risk_hints_follow_the_data(world) -> None:
    hz = world.hz
    _set(Result, hz.result.id, grant_date=None, max_trial_licensees=2)
    _set(Organization, hz.enterprise.id, size="large")
    make_trial(hz.result, make_org("戊企业", "enterprise"), hz.agency, start=date(2026, 1, 1))
    trial = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                         start_date=date(2026, 1, 1), end_date=date(2027, 1, 1), signing_date="2025-12-01")
    keys = {h.key for h in contract_risks(actor=hz.operator, contract_id=trial.id)}
    assert {"contracts.risk.not_granted", "contracts.risk.long_trial", "contracts.risk.slots_low",
            "contracts.risk.not_sme", "contracts.risk.no_insurance"} <= keys
    text = _text(generate_document(actor=hz.operator, contract_id=trial.id).data)
    assert "尚未获得授权" in text and "试用期 12 个月 1 天，超过 12 个月" in text and "上限 2 家" in text


def test_exactly_twelve_months_is_not_a_long_trial(world) -> None:
    _set(Result, world.hz.result.id, grant_date=date(2024, 1, 1))
    trial = make_trial(world.hz.result, world.hz.enterprise, world.hz.agency, start=date(2026, 1, 1))
    _set(type(trial), trial.id, end_date=date(2026, 12, 31))
    assert "contracts.risk.long_trial" not in {h.key for h in contract_risks(actor=world.hz.operator,
                                                                               contract_id=trial.id)}


def test_templates_version_and_old_contracts_keep_theirs(world) -> None:
    hz = world.hz
    old = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=hz.enterprise.id,
                       start_date="2026-01-01", signing_date="2025-12-01")
    body = "杭州市先用后转试用合同\n合同编号：{contract_number}\n许可人：{licensor_name}\n本市补充条款：甲方应每季度回访。\n"
    v = save_template(actor=hz.operator, city_code="330100", title="杭州市试用合同（2026版）", body=body,
                      reason="增加回访条款")
    assert v.version == 1 and v.city_code == "330100"
    v2 = save_template(actor=hz.operator, city_code="330100", title="杭州市试用合同（2026版）",
                       body=body + "第二版。\n", reason="再修订")
    assert v2.version == 2
    assert [r.version for r in list_templates(actor=hz.operator, city_code="330100")] == [2, 1]
    assert current_template(actor=hz.operator, city_code="330100").version == 2
    assert current_template(actor=world.nb.operator, city_code="330200").city_code is None  # province default
    new = create_trial(actor=hz.operator, result_id=hz.result.id, licensee_org_id=make_org("己企业", "enterprise").id,
                       start_date="2026-01-01", signing_date="2025-12-01")
    old_text, new_text = (_text(generate_document(actor=hz.operator, contract_id=c.id).data) for c in (old, new))
    assert "本市补充条款" not in old_text and "第五条" in old_text
    assert "本市补充条款" in new_text and "第二版。" in new_text and new.number in new_text


@pytest.mark.parametrize(("body", "key"), [("合同 {contract_numbr}", "contracts.error.template_unknown"),
                                           ("合同 {contract_number", "contracts.error.template_braces"),
                                           ("", "error.required")])
def test_bad_template_is_refused(world, body: str, key: str) -> None:
    with pytest.raises(ValidationError) as err:
        save_template(actor=world.hz.operator, city_code="330100", title="t", body=body, reason="r")
    assert err.value.key == key and err.value.field == "template_body"
    with Session(get_engine()) as s:
        assert s.exec(select(ContractTemplate).where(ContractTemplate.city_code == "330100")).first() is None


def test_only_city_admins_and_the_province_edit_templates(world) -> None:
    args = dict(title="t", body="合同 {contract_number}", reason="r")
    with pytest.raises(PermissionDenied):
        save_template(actor=world.hz.plain_operator, city_code="330100", **args)
    with pytest.raises(PermissionDenied):
        save_template(actor=world.nb.operator, city_code="330100", **args)
    with pytest.raises(PermissionDenied):
        save_template(actor=world.hz.operator, city_code=None, **args)
    with pytest.raises(NotFound):
        list_templates(actor=world.nb.operator, city_code="330100")
    row = save_template(actor=world.admin, city_code=None, **args)
    assert row.city_code is None and row.version >= 1


def test_other_city_cannot_generate_a_document(world) -> None:
    trial = make_trial(world.hz.result, world.hz.enterprise, world.hz.agency)
    with pytest.raises(NotFound):
        generate_document(actor=world.nb.operator, contract_id=trial.id)
    # the parties may read it
    assert generate_document(actor=world.hz.officer, contract_id=trial.id).data[:2] == b"PK"


def _deal(world, kind: str, licence: str = "ordinary"):  # noqa: ANN001, ANN202
    hz = world.hz
    _set(Result, hz.result.id, grant_date=date(2024, 5, 1))
    trial = make_trial(hz.result, hz.enterprise, hz.agency)
    deal = convert_trial(actor=hz.operator, trial_id=trial.id, kind=kind, deal_amount="1200000.50",
                         signing_date=today(), payment_terms="合同生效后十日内一次性支付。", licence_type=licence)
    return trial, deal


def test_paid_licence_document_from_the_built_in_template(world) -> None:
    trial, deal = _deal(world, "paid_licence", "sole")
    assert deal.template_id is not None  # pinned when the deal was recorded, like a trial's
    doc = generate_document(actor=world.hz.operator, contract_id=deal.id)
    text = _text(doc.data)
    assert text.splitlines()[0] == "科技成果付费实施许可合同" and doc.template_version == 1
    assert "{" not in text and "}" not in text
    for expected in (deal.number, f"来源试用合同：{trial.number}", "许可方式：排他许可。", "甲方不得许可第三方实施，但保留",
                     "人民币 1,200,000.50 元（大写：壹佰贰拾万元伍角）", "合同生效后十日内一次性支付。",
                     "hz大学", "hz恒拓科技有限公司", "hz技术转移中心", world.hz.result.title, "不低于合作金额 5%"):
        assert expected in text, expected
    # the parties read it too; another city does not find it
    assert generate_document(actor=world.hz.enterprise_user, contract_id=deal.id).data[:2] == b"PK"
    with pytest.raises(NotFound):
        generate_document(actor=world.nb.operator, contract_id=deal.id)


def test_transfer_document_and_its_own_city_version(world) -> None:
    hz = world.hz
    _, deal = _deal(world, "transfer")
    text = _text(generate_document(actor=hz.operator, contract_id=deal.id).data)
    assert text.splitlines()[0] == "科技成果转让合同" and "受让人（乙方）：hz恒拓科技有限公司" in text
    assert "壹佰贰拾万元伍角" in text and "权利变更登记" in text and "{" not in text
    # a city version of the transfer text leaves the trial and paid-licence texts alone
    body = "杭州市科技成果转让合同\n合同编号：{contract_number}\n价款：{deal_amount_upper}\n"
    v = save_template(actor=hz.operator, city_code="330100", kind="transfer", title="杭州市转让合同",
                      body=body, reason="本市版本")
    assert v.version == 1 and v.kind == "transfer"
    assert current_template(actor=hz.operator, city_code="330100", kind="transfer").title == "杭州市转让合同"
    assert current_template(actor=hz.operator, city_code="330100", kind="trial").city_code is None
    assert list_templates(actor=hz.operator, city_code="330100", kind="paid_licence") == []
    _, later = _deal(world, "transfer")
    assert "价款：壹佰贰拾万元伍角" in _text(generate_document(actor=hz.operator, contract_id=later.id).data)
    assert "第五条 在先许可" in _text(generate_document(actor=hz.operator, contract_id=deal.id).data)  # kept


def test_province_defaults_exist_per_kind_and_an_unknown_kind_is_refused(world) -> None:
    for kind, title in (("trial", "试用合同"), ("paid_licence", "付费实施许可合同"), ("transfer", "转让合同")):
        assert title in current_template(actor=world.admin, city_code=None, kind=kind).title
    with Session(get_engine()) as s:
        with pytest.raises(NotFound):
            template_for(s, "330100", "lease")
    with pytest.raises(ValidationError) as err:
        save_template(actor=world.admin, city_code=None, kind="lease", title="t", body="{contract_number}", reason="r")
    assert err.value.field == "template_kind"


@pytest.mark.parametrize(("amount", "words"), [
    ("1200000.50", "壹佰贰拾万元伍角"), ("123456.78", "壹拾贰万叁仟肆佰伍拾陆元柒角捌分"),
    ("500000", "伍拾万元整"), ("100.05", "壹佰元零伍分"), ("10010000", "壹仟零壹万元整"),
    ("1000100", "壹佰万零壹佰元整"), ("100000001", "壹亿零壹元整"), ("10", "壹拾元整"), ("0", "零元整"),
])
def test_amounts_in_capitals(amount: str, words: str) -> None:
    assert rmb_upper(Decimal(amount)) == words
