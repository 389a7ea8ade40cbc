"""Insurance policies covering a trial's risk (their premium is what vouchers refund)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlmodel import select

from db.engine import transaction
from db.models import InsurancePolicy, Organization
from db.models.enums import ContractKind, OrgKind
from portal.contracts.common import check_writer, writable_contract
from portal.core import audit, validation
from portal.core.actor import Actor
from portal.core.errors import ValidationError


def add_policy(*, actor: Actor, contract_id: uuid.UUID, insurer_org_id: uuid.UUID, policy_number: str,
               product: str, premium: Decimal | str, coverage: Decimal | str,
               start_date: date | str, end_date: date | str) -> InsurancePolicy:
    """Attach an insurance policy to a trial."""
    check_writer(actor)
    number = validation.text(policy_number, field="policy_number", max_length=40)
    name = validation.text(product, field="policy_product", max_length=120)
    prem = validation.money(premium, field="policy_premium", positive=True)
    cover = validation.money(coverage, field="policy_coverage", positive=True)
    start = validation.a_date(start_date, field="policy_start_date")
    end = validation.a_date(end_date, field="policy_end_date")
    if end < start:
        raise ValidationError("contracts.error.end_before_start", field="policy_end_date")
    with transaction() as s:
        contract = writable_contract(s, actor, contract_id)
        if contract.kind != ContractKind.TRIAL:
            raise ValidationError("contracts.error.not_a_trial", field="contract")
        insurer = s.get(Organization, insurer_org_id) if insurer_org_id else None
        if insurer is None or insurer.kind != OrgKind.INSURER:
            raise ValidationError("contracts.error.not_insurer", field="policy_insurer")
        if s.exec(select(InsurancePolicy.id).where(InsurancePolicy.policy_number == number)).first():
            raise ValidationError("contracts.error.policy_number_taken", field="policy_number", number=number)
        policy = InsurancePolicy(contract_id=contract.id, insurer_org_id=insurer.id, city_code=contract.city_code,
                                 policy_number=number, product=name, premium=prem, coverage=cover,
                                 start_date=start, end_date=end)
        s.add(policy)
        audit.record(s, actor, "insurance.add", policy)
    return policy
