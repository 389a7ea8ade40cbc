"""Who may do what with contracts, vouchers, insurance policies and templates, as data
(DOMAIN.md rules 1–3, 7 and 9).

A trial runs (active, extended, disputed while an objection is open), and ends converted into a
paid licence or transfer, terminated, or expired when its end date passes with no decision (the
daily job); an expired trial may still be converted, extended or terminated. The city's operators
and the province record and change contracts; the city's managers read them; an institution
officer or an enterprise reads the contracts its organization is a party to. Presenters see none.
Which steps apply to a trial only (convert, extend, terminate) is the contract's kind, not its
status: the services refuse them on a deal ("not a trial").
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Contract, InsurancePolicy, Voucher
from db.models.enums import ContractStatus, Role, VoucherStatus
from portal.core.workflow import (
    CITY_ADMINS,
    PARTIES_READ,
    STAFF,
    STAFF_READ,
    Reach,
    Step,
    Workflow,
    register,
)

C = ContractStatus
# A trial in one of these states holds one of the result's licensee slots.
RUNNING = (C.ACTIVE, C.EXTENDED, C.DISPUTED)
# What a trial may become from: running (not disputed) or past its end with no decision.
DECIDABLE = (C.ACTIVE, C.EXTENDED, C.EXPIRED)

CONTRACT = register(Workflow(
    "contract", tuple(C), records=(Contract,), orgs=("licensor_org_id", "licensee_org_id"),
    steps=(
        Step("read", PARTIES_READ),
        # the parties may have the standard-form text of their own contract
        Step("document", PARTIES_READ),
        # pinning the template version a contract's text is rendered with (at its first document)
        Step("pin_template", STAFF),
        Step("create_trial", STAFF),
        Step("convert", STAFF, DECIDABLE, C.CONVERTED, refusal="contracts.error.not_convertible"),
        Step("extend", STAFF, DECIDABLE, C.EXTENDED, refusal="contracts.error.not_running"),
        Step("terminate", STAFF, (*RUNNING, C.EXPIRED), C.TERMINATED, refusal="contracts.error.not_running"),
        Step("expire", STAFF, (C.ACTIVE, C.EXTENDED), C.EXPIRED),
        # the trials near their end, with what the agency knows of the enterprise: the staff's worklist
        Step("follow_expiry", STAFF, (C.ACTIVE, C.EXTENDED)),
        # objections: recorded on any contract; a running one is disputed until none stays open
        Step("object", STAFF),
        Step("dispute", STAFF, (C.ACTIVE, C.EXTENDED), C.DISPUTED),
        Step("resolve", STAFF),
        Step("resume", STAFF, (C.DISPUTED,)),  # back to active or extended: the service says which
    ),
    bad_status="contracts.error.not_running", status_field="contract",
))

VOUCHER = register(Workflow(
    "voucher", tuple(VoucherStatus), records=(Voucher,), orgs=("enterprise_org_id",),
    steps=(
        Step("read", PARTIES_READ),  # an enterprise reads its own vouchers
        Step("issue", STAFF),
        Step("redeem", STAFF, (VoucherStatus.ACTIVE,)),
    ),
    bad_status="contracts.error.voucher_not_active", status_field="redemption_voucher",
))

INSURANCE = register(Workflow(
    "insurance_policy", (), records=(InsurancePolicy,), audit_prefix="insurance",
    steps=(
        Step("read", STAFF_READ),  # the parties see a trial's policies on the contract they read
        Step("add", STAFF),
        Step("refund", STAFF),  # a voucher redeemed against the policy's premium
    ),
))


@dataclass(frozen=True)
class TemplateScope:
    """Whose templates: a city's (city_code), or the province's defaults (None)."""

    city_code: str | None

    @property
    def level(self) -> str:
        return "province" if self.city_code is None else "city"


# Every city's operator reads the province's defaults (its contracts inherit them); a city's own
# versions are its operators' and the province's; its administrators and the province edit them.
TEMPLATE = register(Workflow(
    "contract_template", ("province", "city"), records=(TemplateScope,), status="level",
    steps=(
        Step("read", {Role.PROVINCE_ADMIN: Reach.ANY, Role.CITY_OPERATOR: Reach.CITY}),
        Step("read", {Role.CITY_OPERATOR: Reach.ANY}, ("province",)),
        Step("edit", CITY_ADMINS),
    ),
))
