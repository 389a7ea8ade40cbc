"""Who may administer the portal, as data: user accounts, the audit trail and policy settings.

User accounts: the province manages every account; a city administrator (an operator with
`is_city_admin`) manages the accounts of its own city. Accounts without a city — province
administrators and province managers — are therefore the province's alone. Anyone may change
their own password and signs in to their own account ("own" is Reach.SELF: the account's id is
the actor's). Nobody disables their own account. An account waiting after too many failed
sign-ins has the wait lifted by those who manage it.

The audit trail: city administrators read their city's entries, the province all; the home page
shows the city's staff its city's latest entries.

Policy settings: a city's versions are read by its staff and managers and saved by its
administrators; the province saves the floors under every city and any city's settings; every
city's staff and managers read the floors' history; the province compares the cities.
"""

from __future__ import annotations

from db.models import AuditEntry, PolicyVersion, UserAccount
from db.models.enums import Role
from portal.core.actor import Actor
from portal.core.errors import PermissionDenied
from portal.core.workflow import (
    CITY_ADMINS,
    STAFF,
    STAFF_READ,
    Reach,
    Step,
    Subject,
    Workflow,
    register,
)

OWN_ACCOUNT = {role: Reach.SELF for role in Role}

USER = register(Workflow(
    "user_account", (), records=(UserAccount,), creator="id", audit_prefix="user",
    steps=(
        # an administrator reads the accounts it manages, everyone their own
        Step("read", {**OWN_ACCOUNT, Role.PROVINCE_ADMIN: Reach.ANY,
                      Role.CITY_OPERATOR: (Reach.CITY_ADMIN, Reach.SELF)}),
        Step("list", CITY_ADMINS),
        Step("add", CITY_ADMINS),
        Step("disable", CITY_ADMINS, not_creator=True),  # "creator" is the account itself: never oneself
        Step("enable", CITY_ADMINS),
        Step("reset_password", CITY_ADMINS),
        # lift the wait after too many failed sign-ins (portal.core.auth). An account has no status
        # column: that it waits is its `locked_until`, checked by the service (and the page's offer)
        Step("unlock", CITY_ADMINS),
        Step("change_password", OWN_ACCOUNT),
        Step("sign_in", OWN_ACCOUNT),  # the last sign-in stamp (bookkeeping, no audit entry)
    ),
    own_record="error.cannot_disable_self",
))

AUDIT = register(Workflow(
    "audit_entry", (), records=(AuditEntry,),
    steps=(
        Step("read", CITY_ADMINS),
        Step("recent", STAFF),  # the home page's "recent activity" of the city
    ),
))

# the province floors are stored as the region 330000, outside every city
PROVINCE_WIDE = {Role.PROVINCE_ADMIN: Reach.ANY, Role.CITY_OPERATOR: Reach.ANY, Role.MANAGER: Reach.ANY}

POLICY = register(Workflow(
    "policy_version", (), records=(PolicyVersion,), city="region_code", creator="changed_by",
    audit_prefix="policy",
    steps=(
        Step("read", STAFF_READ),
        Step("read_floors", PROVINCE_WIDE),
        Step("save", CITY_ADMINS),
        Step("save_floors", {Role.PROVINCE_ADMIN: Reach.ANY}),
        # every city side by side: measured against a province-wide subject (no city), so only the
        # province administrator and province managers reach it
        Step("overview", {Role.PROVINCE_ADMIN: Reach.ANY, Role.MANAGER: Reach.PROVINCE}),
    ),
))


def require_administrator(workflow: Workflow, actor: Actor, action: str) -> None:
    """Refuse action on a whole list unless actor may take it on its own city's records (the
    province: on any). A grant of Reach.CITY_ADMIN names a role, so `may` without a record would
    let every operator through; a city administrator is told by its flag, asked of a record."""
    if not workflow.may(actor, action, Subject(city_code=actor.city_code)):
        raise PermissionDenied()
