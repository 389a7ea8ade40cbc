"""Insurance policies covering a trial's risk (their premium is what vouchers refund)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from db.models import InsurancePolicy
from db.models.enums import ContractKind, OrgKind
from portal.contracts.common import locked_contract
from portal.contracts.rules import INSURANCE
from portal.core import directory, idempotency, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add
from portal.core.errors import PermissionDenied, ValidationError
from portal.core.service import service
from portal.core.workflow import Subject

INSURERS = (OrgKind.INSURER,)


@service(INSURANCE, "add")
def add_policy(s: Session, *, actor: Actor, contract_id: uuid.UUID, insurer_org_id: uuid.UUID,
               policy_number: str, product: str, premium: Decimal | str, coverage: Decimal | str,
               start_date: date | str, end_date: date | str, idempotency_key: str | None = None) -> InsurancePolicy:
    """Attach an insurance policy to a trial (the insurer as `directory.insurers` offers it); the
    same idempotency_key again returns the policy already attached."""
    if not INSURANCE.may(actor, "add"):
        raise PermissionDenied()  # before reading the form: this role insures nothing
    number = validation.text(policy_number, field="policy_number", max_length=40)
    name = validation.text(product, field="policy_product", max_length=120)
    prem = validation.money(premium, field="policy_premium", positive=True)
    cover = validation.money(coverage, field="policy_coverage", positive=True)
    start = validation.a_date(start_date, field="policy_start_date")
    end = validation.a_date(end_date, field="policy_end_date")
    if end < start:
        raise ValidationError("contracts.error.end_before_start", field="policy_end_date")
    contract = locked_contract(s, actor, contract_id)  # NotFound out of sight
    INSURANCE.require(actor, "add", Subject(city_code=contract.city_code, agency_id=contract.agency_id))
    if contract.kind != ContractKind.TRIAL:
        raise ValidationError("contracts.error.not_a_trial", field="contract")
    insurer = directory.named(s, actor, insurer_org_id, kinds=INSURERS, field="policy_insurer")

    def make() -> InsurancePolicy:  # a second click finds its number taken: not refused, the same policy
        if s.exec(select(InsurancePolicy.id).where(InsurancePolicy.policy_number == number)).first():
            raise ValidationError("contracts.error.policy_number_taken", field="policy_number", number=number)
        return audited_add(s, actor, "insurance.add", InsurancePolicy(
            contract_id=contract.id, insurer_org_id=insurer.id, city_code=contract.city_code,
            policy_number=number, product=name, premium=prem, coverage=cover, start_date=start, end_date=end))

    return idempotency.once(s, actor, idempotency_key, "insurance.add", InsurancePolicy, make)
