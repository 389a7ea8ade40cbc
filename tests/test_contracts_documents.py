"""Standard-form templates (versioned) and the generated .docx (every field filled, risk hints)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import ContractTemplate, Organization, Result
from portal.clock import today
from portal.contracts.documents import contract_risks, generate_document
from portal.contracts.templates import current_template, list_templates, save_template
from portal.contracts.trials import create_trial
from portal.errors import NotFound, PermissionDenied, ValidationError
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
    assert "尚未获得授权" in text and "13 个月" in text and "上限 2 家" in text


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
