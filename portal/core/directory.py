"""The organizations and agencies a form may name, within the actor's reach (DOMAIN.md rule 9).

Every picker (enterprises, institutions, insurers, agencies) is served from here, and every
service that is handed an organization's id checks it here (`named`), so what a picker offers
and what a service accepts cannot differ: a Ningbo operator neither sees nor books a Hangzhou
enterprise, and the refusal names the field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Agency, Organization
from db.models.enums import LICENSOR_KINDS, OrgKind, Role
from portal.core.actor import Actor
from portal.core.cache import cached
from portal.core.errors import PermissionDenied, ValidationError
from portal.core.service import reader
from portal.core.workflow import STAFF, Columns, Reach, Step, Workflow, register

ORGANIZATION = register(Workflow(
    "organization", (), records=(Organization,), orgs=("id",),
    steps=(
        Step("read", {Role.PROVINCE_ADMIN: Reach.ANY, Role.CITY_OPERATOR: Reach.CITY, Role.MANAGER: Reach.CITY,
                      Role.INSTITUTION_OFFICER: Reach.ORG, Role.ENTERPRISE: Reach.ORG}),
        # naming an organization in a record the actor writes (a booking, a trial, a demand, …)
        Step("name", {**STAFF, Role.INSTITUTION_OFFICER: Reach.ORG, Role.ENTERPRISE: Reach.ORG}),
        # insurers write trial policies province-wide: every city's staff may name any of them
        Step("name_insurer", {Role.PROVINCE_ADMIN: Reach.ANY, Role.CITY_OPERATOR: Reach.ANY}),
    ),
))
AGENCY = register(Workflow(
    "agency", (), records=(Agency,), agency="id",
    steps=(
        Step("read", {Role.PROVINCE_ADMIN: Reach.ANY, Role.CITY_OPERATOR: Reach.CITY, Role.MANAGER: Reach.CITY}),
        Step("act_for", {Role.PROVINCE_ADMIN: Reach.ANY, Role.CITY_OPERATOR: Reach.AGENCY}),
    ),
))
COLUMNS = Columns(city=Organization.city_code, orgs=(Organization.id,))
ENTERPRISES = (OrgKind.ENTERPRISE,)
INSTITUTIONS = tuple(LICENSOR_KINDS)


@dataclass(frozen=True)
class Choice:
    """An organization or agency as a picker offers it."""

    id: uuid.UUID
    name: str
    city_code: str


def _search(actor: Actor, kinds: tuple[str, ...], query: str, city_code: str | None, limit: int,
            action: str) -> list[Choice]:
    stmt = ORGANIZATION.scope_filter(select(Organization.id, Organization.name, Organization.city_code), actor,
                                     COLUMNS, action).where(Organization.kind.in_(kinds))
    if city_code:
        stmt = stmt.where(Organization.city_code == city_code)
    words = str(query or "").strip()[:60]
    if words:
        stmt = stmt.where(or_(Organization.name.contains(words, autoescape=True),
                              Organization.credit_code == words.upper()))
    with read_session() as s:
        rows = s.exec(stmt.order_by(Organization.name, Organization.id).limit(max(1, min(limit, 200)))).all()
    return [Choice(*r) for r in rows]


@reader(ORGANIZATION, "name")
def enterprises(*, actor: Actor, query: str = "", city_code: str | None = None, limit: int = 50) -> list[Choice]:
    """Enterprises actor may name whose name contains query (or whose credit code it is): the
    actor's city (the province: the city asked for, or all), at most limit, by name."""
    return _search(actor, ENTERPRISES, query, city_code, limit, "name")


@reader(ORGANIZATION, "name")
def institutions(*, actor: Actor, query: str = "", city_code: str | None = None, limit: int = 50) -> list[Choice]:
    """Licensors (universities, institutes, hospitals, new R&D institutions) actor may name."""
    return _search(actor, INSTITUTIONS, query, city_code, limit, "name")


@reader(ORGANIZATION, "name")
def organizations(*, actor: Actor, kinds: tuple[str, ...], query: str = "", city_code: str | None = None,
                  limit: int = 50) -> list[Choice]:
    """Organizations of kinds actor may name (a platform's host, …)."""
    return _search(actor, tuple(kinds), query, city_code, limit, "name")


@reader(ORGANIZATION, "name_insurer")
def insurers(*, actor: Actor) -> list[Choice]:
    """Every insurer, for the city staff who record trial policies."""
    if not ORGANIZATION.may(actor, "name_insurer"):
        return []
    with read_session() as s:
        rows = s.exec(select(Organization.id, Organization.name, Organization.city_code)
                      .where(Organization.kind == OrgKind.INSURER).order_by(Organization.name)).all()
    return [Choice(*r) for r in rows]


def named(s: Session, actor: Actor, org_id: uuid.UUID | None, *, kinds: tuple[str, ...], field: str,
          city_code: str | None = None) -> Organization:
    """The organization a form named, inside the caller's transaction; refused naming field when
    it does not exist, is of another kind, is outside the actor's reach or (city_code given) of
    another city than the record it goes into."""
    org = s.get(Organization, org_id) if org_id else None
    if org is None or org.kind not in kinds:
        raise ValidationError("error.no_such_organization", field=field)
    if org.kind == OrgKind.INSURER and ORGANIZATION.may(actor, "name_insurer"):
        return org  # insurers are province-wide (see `insurers`)
    if not ORGANIZATION.may(actor, "name", org) or (city_code is not None and org.city_code != city_code):
        raise ValidationError("error.organization_out_of_reach", field=field)
    return org


# --- agencies ------------------------------------------------------------------------------------

def _all_agencies() -> list[Choice]:
    """Every agency by city and name: a form per recommendation asks, so kept until one changes."""
    def compute() -> list[Choice]:
        with read_session() as s:
            return [Choice(a.id, a.name, a.city_code)
                    for a in s.exec(select(Agency).order_by(Agency.city_code, Agency.name)).all()]

    return cached(("agencies",), compute, city=None)


@reader(AGENCY, "act_for")
def agencies(*, actor: Actor, city_code: str | None = None) -> list[Choice]:
    """The agencies actor may record work for: a city operator only its own; the province every
    agency, those of city_code first, then by city and name (a province has a few dozen)."""
    if not AGENCY.may(actor, "act_for"):
        return []
    rows = [a for a in _all_agencies() if AGENCY.may(actor, "act_for", _AgencyRef(a.id, a.city_code))]
    return sorted(rows, key=lambda a: a.city_code != city_code)  # stable: city and name order kept


@dataclass(frozen=True)
class _AgencyRef:
    id: uuid.UUID
    city_code: str


def acting_agency(s: Session, actor: Actor, agency_id: uuid.UUID | None = None) -> Agency:
    """The agency a write is made for: a city operator's own; the province names one (required)."""
    if not AGENCY.may(actor, "act_for"):
        raise PermissionDenied()
    if actor.role == Role.CITY_OPERATOR:
        agency_id = actor.agency_id
    elif agency_id is None:
        raise ValidationError("error.required", field="agency")
    agency = s.get(Agency, agency_id) if agency_id else None
    if agency is None:
        raise ValidationError("error.required", field="agency")
    AGENCY.require(actor, "act_for", agency)
    return agency
