"""Who may do what with an enterprise's requests (DOMAIN.md rule 12, "the enterprise asks, the
agency decides"), as data.

A signed-in enterprise user asks, from any listed result it can see (a recommendation card, the
pool), for a free trial or registers interest; the request is an `Intent` of source "hub" that
names the enterprise, the user, the kind and a message, and goes to the result's city. It is open
until the city's operator (or the province) turns it into a match (matched), into a trial contract
(trial, from open or matched) or declines it with a reason (from open or matched); the enterprise
may withdraw an open one. The enterprise reads its own requests and nothing else; the city's
staff and managers read those of their city.

The step "submit" reaches any result (listed results are the province's, rule 12): the requester
is always the actor's own organization, never one a form names.
"""

from __future__ import annotations

from db.models import Intent
from db.models.enums import RequestStatus, Role
from portal.core.workflow import STAFF, STAFF_READ, Reach, Step, Workflow, register
from portal.roadshows import rules as _roadshows  # noqa: F401 — INTENT first: workflow_of(Intent) is its

SOURCE = "hub"  # Intent.source of an enterprise's own request (QR submissions are "roadshow")
R = RequestStatus
OWN = {Role.ENTERPRISE: Reach.ORG}
DECIDABLE = (R.OPEN, R.MATCHED)  # a match is contact, not yet an answer
FINAL = (R.TRIAL, R.DECLINED, R.WITHDRAWN)

REQUEST = register(Workflow(
    # Intent rows of source "hub" are governed here too (the services load them); the list rows
    # (`listing.RequestRow`) join through `govern`
    "enterprise_request", tuple(R), records=(Intent,), orgs=("enterprise_org_id",), status="request_status",
    creator="requested_by", audit_prefix="request",
    steps=(
        Step("read", {**STAFF_READ, **OWN}),
        Step("submit", {Role.ENTERPRISE: Reach.ANY}),
        Step("withdraw", OWN, (R.OPEN,), R.WITHDRAWN),
        Step("to_match", STAFF, (R.OPEN,), R.MATCHED),
        Step("to_trial", STAFF, DECIDABLE, R.TRIAL),
        Step("decline", STAFF, DECIDABLE, R.DECLINED),
    ),
    bad_status="requests.error.not_open", status_field="request_status",
))

# the operator's answers, in the order the inbox offers them
DECISIONS = ("to_trial", "to_match", "decline")
