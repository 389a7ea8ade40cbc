"""Who may do what with results and their objections (DOMAIN.md rules 5 and 9), as data.

A result is entered as a draft by its discloser (the owner's institution officer, the city's
operator, the province), submitted, approved or returned by the institution (or the province),
put on public notice by the city's staff, paused by an objection and resumed when the last one
is dismissed, listed when the notice ends (the daily job), and withdrawn by its discloser.

Reading: a listed result is open to every signed-in role except presenters (they see only
published roadshow cards); the rest of a result's business — drafts, trials, objections, the
desk — is "overseen" by the province, the city's operators and managers and the owner's officer.
"""

from __future__ import annotations

from db.models import Objection, Result
from db.models.enums import ObjectionStatus, ResultStatus, Role
from portal.core.actor import Actor
from portal.core.workflow import STAFF, Reach, Step, Subject, Workflow, register

S = ResultStatus
# who sees a result's whole business, whatever its status
OVERSEERS = {Role.PROVINCE_ADMIN: Reach.ANY, Role.CITY_OPERATOR: Reach.CITY, Role.MANAGER: Reach.CITY,
             Role.INSTITUTION_OFFICER: Reach.ORG}
# who enters, edits, submits and withdraws results: the institution, or the city on its behalf
DISCLOSERS = {Role.PROVINCE_ADMIN: Reach.ANY, Role.CITY_OPERATOR: Reach.CITY,
              Role.INSTITUTION_OFFICER: Reach.ORG}
# the institution's own decision (the province may take it for any institution)
APPROVERS = {Role.PROVINCE_ADMIN: Reach.ANY, Role.INSTITUTION_OFFICER: Reach.ORG}
LISTED_READERS = {role: Reach.ANY for role in Role if role != Role.PRESENTER}

EDITABLE = (S.DRAFT, S.RETURNED, S.WITHDRAWN)
WITHDRAWABLE = (S.SUBMITTED, S.APPROVED, S.NOTICE, S.PAUSED, S.LISTED)
IN_NOTICE = (S.NOTICE, S.PAUSED)

RESULT = register(Workflow(
    "result", tuple(S), records=(Result,), orgs=("owner_org_id",), audit_prefix="result",
    steps=(
        Step("read", LISTED_READERS, (S.LISTED,)),
        Step("read", OVERSEERS),
        Step("oversee", OVERSEERS),
        Step("create", DISCLOSERS),
        Step("edit", DISCLOSERS, EDITABLE, refusal="pool.error.not_editable"),
        Step("attach", DISCLOSERS, EDITABLE, refusal="pool.error.not_editable"),
        # a spreadsheet corrects the imported fields of its own results in any status, as it always has
        Step("import", DISCLOSERS),
        Step("submit", DISCLOSERS, EDITABLE, S.SUBMITTED),
        Step("approve", APPROVERS, (S.SUBMITTED,), S.APPROVED),
        Step("return", APPROVERS, (S.SUBMITTED,), S.RETURNED),
        Step("start_notice", STAFF, (S.APPROVED,), S.NOTICE),
        Step("file_objection", STAFF, IN_NOTICE, S.PAUSED),
        Step("resume", STAFF, (S.PAUSED,), S.NOTICE),  # the last open objection was dismissed
        Step("withdraw", DISCLOSERS, WITHDRAWABLE, S.WITHDRAWN),
        # the daily job (`portal tick`, acting as the province-wide system) lists ended notices
        Step("list", {Role.PROVINCE_ADMIN: Reach.ANY}, (S.NOTICE,), S.LISTED),
    ),
    bad_status="pool.error.bad_transition",
))

# Objections to a result in notice; their rows carry the result's owner (`owner_org_id`) so that
# the owner's officer reads them. Contract objections are the contracts' own business.
OBJECTION = register(Workflow(
    "objection", tuple(ObjectionStatus), records=(Objection,), orgs=("owner_org_id",),
    steps=(
        Step("read", OVERSEERS),
        # open → upheld (the result is withdrawn) or dismissed (the notice resumes when none is left)
        Step("resolve", STAFF, (ObjectionStatus.OPEN,)),
    ),
    bad_status="pool.error.objection_closed",
))

# "any listed result": what browsing the pool asks the table about
ANY_LISTED = Subject(status=S.LISTED)


def browses_pool(actor: Actor) -> bool:
    """Whether actor reads every listed result (a grant of reach ANY: the Subject has no city)."""
    return RESULT.may(actor, "read", ANY_LISTED)


def discloses_for_own_only(actor: Actor) -> bool:
    """Whether actor's grant to disclose reaches only its own organization (an institution's
    officer): whatever a form names, its results are its own institution's."""
    grants = [step.who[actor.role] for step in RESULT.steps_for("create") if actor.role in step.who]
    reaches = [r for g in grants for r in (g if isinstance(g, tuple) else (g,))]
    return bool(reaches) and all(r == Reach.ORG for r in reaches)
