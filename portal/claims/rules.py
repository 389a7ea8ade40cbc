"""Who may do what with fee claims and budgets (DOMAIN.md rules 6 and 8), as data.

A claim is made by a city operator for its own agency; the city's administrators and the
province review, approve, reject and pay it, never the person who made it (four eyes). An
operator reads its agency's claims, a city administrator and the city's managers the city's,
the province all. Budgets are read by the city's staff and managers and set by its administrators.
"""

from __future__ import annotations

from db.models import Budget, FeeClaim
from db.models.enums import ClaimStatus, Role
from portal.core.workflow import CITY_ADMINS, Reach, Step, Workflow, register

CLAIMANT = {Role.CITY_OPERATOR: Reach.AGENCY}  # the operator's own agency
REVIEWER = CITY_ADMINS

S = ClaimStatus
CLAIM = register(Workflow(
    "fee_claim", tuple(S), records=(FeeClaim,), audit_prefix="claim",
    steps=(
        Step("read", {Role.PROVINCE_ADMIN: Reach.ANY, Role.MANAGER: Reach.CITY,
                      Role.CITY_OPERATOR: (Reach.CITY_ADMIN, Reach.AGENCY)}),
        Step("create", CLAIMANT),
        Step("submit", CLAIMANT, (S.DRAFT,), S.SUBMITTED),
        Step("attach", CLAIMANT, (S.DRAFT, S.SUBMITTED, S.REJECTED)),
        Step("review", REVIEWER, (S.SUBMITTED,), S.REVIEWED, not_creator=True),
        Step("approve", REVIEWER, (S.REVIEWED,), S.APPROVED, not_creator=True),
        Step("reject", REVIEWER, (S.SUBMITTED, S.REVIEWED), S.REJECTED, not_creator=True),
        Step("pay", REVIEWER, (S.APPROVED,), S.PAID, not_creator=True),
        Step("reopen", CLAIMANT, (S.REJECTED,), S.DRAFT),
    ),
    bad_status="claims.error.bad_status", status_field="claim_status", own_record="claims.error.own_claim",
))

BUDGET = register(Workflow(
    "budget", (), records=(Budget,),
    steps=(
        Step("read", {Role.PROVINCE_ADMIN: Reach.ANY, Role.CITY_OPERATOR: Reach.CITY, Role.MANAGER: Reach.CITY}),
        Step("set", CITY_ADMINS),
    ),
))

