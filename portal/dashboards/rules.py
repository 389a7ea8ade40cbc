"""Who reads which figures, as data: dashboards, rankings and the home page.

The dashboards, the activity index and the points rankings are read by the city's staff and
managers for their city, and by the province's for every city (one city at a time, or all of
them). Presenters, institution officers and enterprises read none of them. Everyone has a home
page; which figures it shows depends on the grant the actor holds (the `home_*` steps), and each
figure comes from the list it summarises, so the home page and that list agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models.enums import Role
from portal.core.actor import Actor
from portal.core.errors import PermissionDenied, ValidationError
from portal.core.regions import cities
from portal.core.workflow import EVERYONE, STAFF, STAFF_READ, Reach, Step, Workflow, register


@dataclass(frozen=True)
class Scope:
    """The region a figure covers: one city, or (None) the whole province."""

    city_code: str | None = None


PROVINCE = Scope(None)

DASHBOARD = register(Workflow(
    "dashboard", (), records=(Scope,),
    steps=(
        Step("read", STAFF_READ),
        # the eleven cities side by side: the province's readers
        Step("compare_cities", {Role.PROVINCE_ADMIN: Reach.ANY, Role.MANAGER: Reach.PROVINCE}),
        Step("home", EVERYONE),
        # the home page each kind of user sees first (portal.dashboards.home)
        Step("home_operations", STAFF),
        Step("home_monitoring", {Role.MANAGER: Reach.CITY}),
        Step("home_disclosure", {Role.INSTITUTION_OFFICER: Reach.ORG}),
        Step("home_enterprise", {Role.ENTERPRISE: Reach.ORG}),
        Step("home_presenter", {Role.PRESENTER: Reach.CITY}),
    ),
))


def province_wide(actor: Actor) -> bool:
    """Whether actor reads the figures of every city (and may narrow them to one)."""
    return DASHBOARD.may(actor, "read", PROVINCE)


def scope_city(actor: Actor, city_code: str | None = None) -> str | None:
    """The city the actor's figures cover: its own, or (province) the one chosen, or None = all;
    PermissionDenied for a role that reads no figures."""
    if not DASHBOARD.may(actor, "read"):
        raise PermissionDenied()
    if province_wide(actor):
        if city_code and city_code not in {c.code for c in cities()}:
            raise ValidationError("error.bad_choice", field="city", value=city_code)
        return city_code or None
    if not DASHBOARD.may(actor, "read", Scope(actor.city_code)) or not actor.city_code:
        raise PermissionDenied()
    return actor.city_code  # a city's reader asking for another city still sees its own
