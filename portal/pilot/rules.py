"""Who may do what in pilot testing (验证中试), as data: platforms and bookings.

Every signed-in user but a presenter browses platforms and their free capacity; the operators of
a platform's city and the province manage platforms and resources, and read its utilization with
the city's managers. A booking goes requested → confirmed → in progress → done, or to cancelled
(with a reason) from any open state; requested and confirmed ones may be rescheduled, and a done
one may raise its result's TRL. The platform's city's operators and the province take every step;
the city's managers read its bookings, an enterprise its own (DOMAIN.md rule 9).

An enterprise asks for a booking itself (DOMAIN.md rule 12): "request" on any platform for a result
it can see, always for its own organization (the step reaches any platform; the booking names the
actor's enterprise, never one a form picks); the request is a booking in the requested state that
the platform's city's operators confirm (or cancel with a reason), and the enterprise may withdraw
it while it is still requested.
"""

from __future__ import annotations

from db.models import PilotBooking, PilotPlatform
from db.models.enums import BookingStatus, Role
from portal.core.workflow import STAFF, STAFF_READ, Reach, Step, Workflow, register

S = BookingStatus
OPEN = (S.REQUESTED, S.CONFIRMED, S.IN_PROGRESS)

PLATFORM = register(Workflow(
    "pilot_platform", (), records=(PilotPlatform,),
    steps=(
        # every signed-in user but presenters, who see only published roadshow cards
        Step("read", {Role.PROVINCE_ADMIN: Reach.ANY, Role.CITY_OPERATOR: Reach.ANY, Role.MANAGER: Reach.ANY,
                      Role.INSTITUTION_OFFICER: Reach.ANY, Role.ENTERPRISE: Reach.ANY}),
        Step("manage", STAFF),  # platforms and their resources
        Step("utilization", STAFF_READ),  # booked resource-days per month
    ),
))

BOOKING = register(Workflow(
    "pilot_booking", tuple(S), records=(PilotBooking,), orgs=("enterprise_org_id",), audit_prefix="pilot",
    steps=(
        # an institution officer follows its results' pilots through read_history, not the bookings list
        Step("read", {**STAFF_READ, Role.ENTERPRISE: Reach.ORG}),
        Step("book", STAFF),  # measured against the platform's city
        Step("request", {Role.ENTERPRISE: Reach.ANY}),  # for the actor's own enterprise, on any platform
        Step("withdraw", {Role.ENTERPRISE: Reach.ORG}, (S.REQUESTED,), S.CANCELLED,
             refusal="pilot.error.not_requested"),
        # a result not yet listed (approved, in notice, paused) only by its own city's staff
        Step("book_unlisted", STAFF),  # measured against the result's city
        Step("confirm", STAFF, (S.REQUESTED,), S.CONFIRMED),
        Step("start", STAFF, (S.CONFIRMED,), S.IN_PROGRESS),
        Step("finish", STAFF, (S.IN_PROGRESS,), S.DONE),
        Step("cancel", STAFF, OPEN, S.CANCELLED),
        Step("reschedule", STAFF, (S.REQUESTED, S.CONFIRMED), refusal="pilot.error.cannot_reschedule"),
        Step("raise_trl", STAFF, (S.DONE,), refusal="pilot.error.not_done"),
        # a result's owner reads its finished pilot tests wherever they ran (measured against the
        # result's owner organization)
        Step("read_history", {Role.PROVINCE_ADMIN: Reach.ANY, Role.INSTITUTION_OFFICER: Reach.ORG,
                              Role.ENTERPRISE: Reach.ORG}),
    ),
    bad_status="pilot.error.bad_transition", status_field="pilot_status",
))

# the steps a booking's page offers as forms, in this order
LIFECYCLE = ("confirm", "start", "finish", "cancel", "reschedule", "raise_trl")
