"""Who may do what in the 供需荟, as data: enterprise demands, match records and their stages.

A demand is posted, edited and closed by its enterprise's own users, or for it by the city's
operators and the province; the city's managers read them too. It is open until a match is
recorded on it (matched), and closed or reopened by hand. Presenters and institution officers
have no business with demands (DOMAIN.md rule 9).

A match moves forward along contacted → interested → pilot → trial → converted (steps may be
skipped, never taken back), or from any open stage to dropped (with a reason from the fixed
list). Converted and dropped are final. The city's operators and the province record and move
matches; the city's managers read them, an enterprise reads its own.
"""

from __future__ import annotations

from db.models import Demand, Match
from db.models.enums import DemandStatus, MatchStage, Role
from portal.core.workflow import STAFF, STAFF_READ, Reach, Step, Workflow, register

STAGE_ORDER = (MatchStage.CONTACTED, MatchStage.INTERESTED, MatchStage.PILOT, MatchStage.TRIAL,
               MatchStage.CONVERTED)
FINAL_STAGES = (MatchStage.CONVERTED, MatchStage.DROPPED)
OPEN_STAGES = STAGE_ORDER[:-1]


def stage_action(stage: str) -> str:
    """The action that moves a match to stage ("to_trial", or "drop")."""
    return "drop" if stage == MatchStage.DROPPED else f"to_{stage}"


MATCH = register(Workflow(
    "match_record", (*STAGE_ORDER, MatchStage.DROPPED), records=(Match,), status="stage",
    orgs=("enterprise_org_id",), audit_prefix="match",
    steps=(
        Step("read", {**STAFF, Role.MANAGER: Reach.CITY, Role.ENTERPRISE: Reach.ORG}),
        Step("record", STAFF),
        Step("pipeline", STAFF_READ),  # the board of stages and overdue follow-ups
        Step("follow_up", STAFF, OPEN_STAGES, refusal="matching.error.match_closed"),
        # forward along STAGE_ORDER, skipping steps if need be
        *(Step(stage_action(stage), STAFF, STAGE_ORDER[:i], stage) for i, stage in enumerate(STAGE_ORDER) if i),
        Step("drop", STAFF, OPEN_STAGES, MatchStage.DROPPED),
    ),
    bad_status="matching.error.bad_transition", status_field="match_stage",
))

# who posts and changes a demand: the enterprise itself, the city's operators and the province
DEMAND_WRITERS = {**STAFF, Role.ENTERPRISE: Reach.ORG}
D = DemandStatus
DEMAND = register(Workflow(
    "demand", tuple(D), records=(Demand,), orgs=("enterprise_org_id",),
    steps=(
        Step("read", {**DEMAND_WRITERS, Role.MANAGER: Reach.CITY}),
        Step("create", DEMAND_WRITERS),
        Step("update", DEMAND_WRITERS),
        # recording a match on an open demand marks it matched (who records matches: MATCH)
        Step("match", STAFF, (D.OPEN,), D.MATCHED),
        Step("close", DEMAND_WRITERS, (D.OPEN, D.MATCHED), D.CLOSED),
        Step("reopen", DEMAND_WRITERS, (D.CLOSED,), D.OPEN),
    ),
    bad_status="demands.error.bad_status", status_field="demand_status",
))
# the action that leads a demand to each status (set_demand_status)
DEMAND_ACTIONS = {D.MATCHED: "match", D.CLOSED: "close", D.OPEN: "reopen"}
