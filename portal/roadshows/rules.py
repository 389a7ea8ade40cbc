"""Who may do what with roadshows and their intents (DOMAIN.md rules 9 and 11), as data.

A roadshow belongs to its organizer agency's city and goes draft → published → closed. The
city's operators and the province plan it, edit it and order its results until it is closed,
publish it, close it and record attendance. The province reads every roadshow, the city's
operators and managers those of their city; a presenter of the city reads a roadshow, shows its
cards and hands out its deck only while it is published, and sees nothing else (not the running
order's bookkeeping, attendance, intents or numbers).

Intents come from the public QR page without an account (no step: the token is the key), each
submission its own record (DOMAIN.md rule 11); the city's operators and managers and the
province read them, the city's staff fold a company's repeat submissions for the same result
into one (merge) and turn an open one into a match (the grant is the match table's own, so the
two cannot drift).
"""

from __future__ import annotations

from enum import StrEnum

from db.models import Intent, Roadshow
from db.models.enums import RoadshowStatus, Role
from portal.core.workflow import STAFF, STAFF_READ, Reach, Step, Workflow, register
from portal.hub.rules import MATCH

S = RoadshowStatus
PRESENTER = {Role.PRESENTER: Reach.CITY}
CHANGEABLE = (S.DRAFT, S.PUBLISHED)  # a closed roadshow is history
TAKES_INTENTS = (S.PUBLISHED, S.CLOSED)  # a deck handed out keeps working after the event

ROADSHOW = register(Workflow(
    "roadshow", tuple(S), records=(Roadshow,),
    steps=(
        Step("read", STAFF_READ),
        Step("read", PRESENTER, (S.PUBLISHED,)),
        # the running order's bookkeeping, attendance and numbers: not for presenters
        Step("read_details", STAFF_READ),
        # the full-screen cards, one result at a time (the presenter page)
        Step("present", STAFF),
        Step("present", PRESENTER, (S.PUBLISHED,)),
        # the PPTX / PDF deck with the QR codes
        Step("deck", STAFF_READ),
        Step("deck", PRESENTER, (S.PUBLISHED,)),
        # the items' public intent links, once the QR pages take intents
        Step("share_links", STAFF_READ, TAKES_INTENTS),
        Step("create", STAFF),
        Step("update", STAFF, CHANGEABLE),
        Step("arrange", STAFF, CHANGEABLE),  # add, edit, remove and reorder items
        Step("publish", STAFF, (S.DRAFT,), S.PUBLISHED, refusal="roadshows.error.not_draft"),
        Step("close", STAFF, (S.PUBLISHED,), S.CLOSED, refusal="roadshows.error.not_published"),
        Step("attend", STAFF),  # register enterprises and mark them present, after the event too
    ),
    bad_status="roadshows.error.closed", status_field="roadshow_status",
))


class IntentState(StrEnum):
    """An intent has no status column: it is open until a match records it, or until the operator
    folds it into another submission of the same company (merged)."""

    OPEN = "open"
    MATCHED = "matched"
    MERGED = "merged"


# The Intent row carries no status (its list row derives it); services state it in a Subject.
INTENT = register(Workflow(
    "intent", tuple(IntentState), records=(Intent,),
    steps=(
        Step("read", STAFF_READ),
        *(Step("convert", step.who, (IntentState.OPEN,)) for step in MATCH.steps_for("record")),
        # a company's repeat submissions folded into the one kept (both stay visible); the status
        # is derived from `merged_into_id`, so the step names no target
        Step("merge", STAFF, (IntentState.OPEN,), refusal="intents.error.not_open"),
    ),
    bad_status="matching.error.intent_already_matched", status_field="match_intent",
))
