"""Who may do what, as data (DOMAIN.md rules 5 and 9).

Each capability declares its workflows in its own `rules.py`: the statuses a record passes
through, and the steps that may be taken on it. A step says which statuses it starts from, the
status it leads to, and who may take it: a role and the reach it needs to the record (its city,
its agency, one of its organizations). Services enforce a step with `require`; pages and
`portal.ui` ask `allowed_actions` / `may` which buttons to show; lists are filtered by
`scope_filter` from the same table, so what a list shows and what a record allows cannot drift.

Reading is a step too (`read`), and may depend on the status: every signed-in user reads a
listed result; a presenter reads a roadshow only while it is published.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, false, or_, true

from db.models.enums import Role
from portal.core.actor import Actor
from portal.core.audit import audited_change
from portal.core.errors import NotFound, PermissionDenied, ValidationError


class Reach(StrEnum):
    """How far a role's grant extends over records."""

    ANY = "any"  # every record
    PROVINCE = "province"  # every record, for province-wide actors only (a province manager)
    CITY = "city"  # records of the actor's city (province-wide actors: every city)
    CITY_ADMIN = "city_admin"  # records of a city the actor administers (a city admin operator)
    AGENCY = "agency"  # records of the actor's agency
    ORG = "org"  # records where the actor's organization is a party
    SELF = "self"  # records the actor created


# role → the reach of its grant (or several reaches, any of which will do)
Who = Mapping[str, Reach | tuple[Reach, ...]]

# The grants most workflows share; a capability writes its own where these do not fit.
STAFF: Who = {Role.PROVINCE_ADMIN: Reach.ANY, Role.CITY_OPERATOR: Reach.CITY}
CITY_ADMINS: Who = {Role.PROVINCE_ADMIN: Reach.ANY, Role.CITY_OPERATOR: Reach.CITY_ADMIN}
# staff, managers of the city (or the province), the parties' own officers and enterprises
PARTIES_READ: Who = {**STAFF, Role.MANAGER: Reach.CITY, Role.INSTITUTION_OFFICER: Reach.ORG,
                     Role.ENTERPRISE: Reach.ORG}
STAFF_READ: Who = {**STAFF, Role.MANAGER: Reach.CITY}
EVERYONE: Who = {role: Reach.ANY for role in Role}
ORG_ROLES = (Role.INSTITUTION_OFFICER, Role.ENTERPRISE)  # scoped by their organization, not a city


@dataclass(frozen=True)
class Step:
    """One thing that may be done to a record: from which statuses, to which, and by whom."""

    action: str
    who: Who
    source: tuple[str, ...] = ()  # statuses the record must be in; empty: any
    target: str | None = None  # the status afterwards; None: unchanged
    not_creator: bool = False  # four eyes: the record's creator may not take it
    refusal: str | None = None  # catalogue key when taken from the wrong status (default: the workflow's)


@dataclass(frozen=True)
class Subject:
    """A record that does not exist yet (a trial about to be created), or a stand-in for one:
    what a step's reach is measured against."""

    city_code: str | None = None
    agency_id: uuid.UUID | None = None
    org_ids: tuple[uuid.UUID | None, ...] = ()
    status: str | None = None
    created_by: uuid.UUID | None = None


@dataclass(frozen=True)
class Columns:
    """The columns `scope_filter` restricts a query by (any may be missing on a table)."""

    city: Any = None
    orgs: tuple[Any, ...] = ()
    agency: Any = None
    status: Any = None
    creator: Any = None


@dataclass(frozen=True)
class Workflow:
    """A record type's statuses and steps, and where its scope lives on a record.

    Records may be ORM rows or the dataclass rows lists return: both carry the attributes named
    here (`city`, `agency`, `creator`, `status`, `orgs`)."""

    entity: str
    statuses: tuple[str, ...]
    steps: tuple[Step, ...]
    records: tuple[type, ...] = ()
    city: str = "city_code"
    orgs: tuple[str, ...] = ()
    agency: str = "agency_id"
    creator: str = "created_by"
    status: str = "status"
    bad_status: str = "error.bad_transition"  # catalogue key of a step from the wrong status
    status_field: str | None = None  # the field named in that refusal
    own_record: str = "error.own_record"  # catalogue key of a four-eyes refusal
    audit_prefix: str = ""  # audit actions are "<prefix>.<action>" (default: the entity)
    _by_action: dict[str, tuple[Step, ...]] = field(default_factory=dict, init=False, repr=False,
                                                    compare=False)

    def govern(self, *types: type) -> None:
        """Let the row types a capability's lists return be governed by this table too."""
        object.__setattr__(self, "records", (*self.records, *types))

    def __post_init__(self) -> None:
        for step in self.steps:
            self._by_action[step.action] = (*self._by_action.get(step.action, ()), step)
            unknown = set(step.source) - set(self.statuses) | (
                {step.target} - set(self.statuses) if step.target else set())
            if self.statuses and unknown:
                raise ValueError(f"{self.entity}.{step.action}: unknown statuses {unknown}")

    # --- questions ---------------------------------------------------------------------------

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action the workflow knows, in declaration order."""
        return tuple(self._by_action)

    def steps_for(self, action: str) -> tuple[Step, ...]:
        """The steps declared for action (a programming error when there is none)."""
        if action not in self._by_action:
            raise KeyError(f"{self.entity} has no action {action!r}")
        return self._by_action[action]

    def roles(self, action: str) -> frozenset[str]:
        """The roles with some grant for action, whatever the record."""
        return frozenset(role for step in self.steps_for(action) for role in step.who)

    def may(self, actor: Actor, action: str, record: Any = None) -> bool:
        """Whether actor may take action on record now; with no record: on some record of theirs."""
        if record is None:
            return any(_role_may(actor, step) and any(_possible(actor, r) for r in _reaches_of(step, actor))
                       for step in self.steps_for(action))
        return any(self._fits(actor, step, record) for step in self.steps_for(action))

    def grants(self, actor: Actor, action: str, record: Any) -> bool:
        """Whether some step of action is granted to actor over record, whatever its status now."""
        return any(_role_may(actor, step) and self._reaches(actor, step, record) for step in self.steps_for(action))

    def allowed_actions(self, actor: Actor, record: Any) -> list[str]:
        """The actions (other than reading) actor may take on record now, in declaration order."""
        return [a for a in self.actions if a != "read" and self.may(actor, a, record)]

    def only_four_eyes_stop(self, actor: Actor, record: Any) -> bool:
        """Whether actor could take some step on record but for having created it (a hint to show)."""
        if actor.user_id is None or actor.user_id != getattr(record, self.creator, None):
            return False
        status = getattr(record, self.status, None)
        return any(step.not_creator and _role_may(actor, step) and self._reaches(actor, step, record)
                   and (not step.source or status in step.source) for step in self.steps)

    def target(self, action: str, record: Any) -> str | None:
        """The status action leads record to (None: unchanged)."""
        status = getattr(record, self.status, None)
        for step in self.steps_for(action):
            if not step.source or status in step.source:
                return step.target
        return None

    # --- enforcement -------------------------------------------------------------------------

    def require(self, actor: Actor, action: str, record: Any, *, readable: bool | None = None) -> Step:
        """The step actor takes; NotFound when the record is out of their sight, PermissionDenied
        when no grant covers them, the workflow's bad-status refusal from the wrong status."""
        if record is None:
            raise NotFound()
        if readable is None:  # a record to be made (a Subject) is refused, not hidden, out of reach
            readable = (isinstance(record, Subject) or action == "read" or "read" not in self._by_action
                        or self.may(actor, "read", record))
        if not readable:
            raise NotFound()
        steps = self.steps_for(action)
        granted = [s for s in steps if _role_may(actor, s) and self._reaches(actor, s, record)]
        if not granted:
            raise NotFound() if action == "read" else PermissionDenied()
        status = getattr(record, self.status, None)
        for step in granted:
            if not step.source or status in step.source:
                if step.not_creator and actor.user_id is not None and \
                        actor.user_id == getattr(record, self.creator, None):
                    raise PermissionDenied(self.own_record)
                return step
        raise ValidationError(granted[0].refusal or self.bad_status, field=self.status_field, status=status,
                              action=action, current=status, target=steps[0].target or status)

    @contextmanager
    def move(self, s: Any, actor: Actor, action: str, record: Any, *, reason: str | None = None,
             audit_action: str | None = None) -> Iterator[Any]:
        """Take action on record: refused unless the table allows it; the block sets the step's
        other fields, then the status moves to the step's target and the audit entry is written."""
        step = self.require(actor, action, record)
        name = audit_action or f"{self.audit_prefix or self.entity}.{action}"
        with audited_change(s, actor, name, record, reason=reason):
            yield record
            if step.target is not None:
                setattr(record, self.status, step.target)

    def readable(self, actor: Actor, record: Any) -> Any:
        """record when actor may read it; NotFound when missing or out of sight."""
        if record is None or not self.may(actor, "read", record):
            raise NotFound()
        return record

    def scope_filter(self, stmt: Any, actor: Actor, columns: Columns, action: str = "read") -> Any:
        """stmt restricted to the records actor may take action on (reading, by default);
        PermissionDenied for a role that may take it on no record at all."""
        if not self.may(actor, action):
            raise PermissionDenied()
        conditions = []
        for step in self.steps_for(action):
            if not _role_may(actor, step):
                continue
            parts = [c for c in (_reach_condition(actor, r, columns) for r in _reaches_of(step, actor))
                     if c is not None]
            if not parts:
                continue
            reach = parts[0] if len(parts) == 1 else or_(*parts)
            if step.source:
                if columns.status is None:
                    continue
                reach = and_(reach, columns.status.in_(step.source))
            conditions.append(reach)
        if not conditions:
            return stmt.where(false())
        return stmt.where(or_(*conditions)) if len(conditions) > 1 else stmt.where(conditions[0])

    # --- internals ---------------------------------------------------------------------------

    def _fits(self, actor: Actor, step: Step, record: Any) -> bool:
        if not _role_may(actor, step) or not self._reaches(actor, step, record):
            return False
        if step.source and getattr(record, self.status, None) not in step.source:
            return False
        if step.not_creator and actor.user_id is not None and \
                actor.user_id == getattr(record, self.creator, None):
            return False
        return True

    def _reaches(self, actor: Actor, step: Step, record: Any) -> bool:
        if isinstance(record, Subject):
            city, agency, orgs, creator = record.city_code, record.agency_id, record.org_ids, record.created_by
        else:
            city = getattr(record, self.city, None)
            agency = getattr(record, self.agency, None)
            orgs = tuple(getattr(record, name, None) for name in self.orgs)
            creator = getattr(record, self.creator, None)
        return any(reaches(actor, reach, city_code=city, agency_id=agency, org_ids=orgs, created_by=creator)
                   for reach in _reaches_of(step, actor))


def _possible(actor: Actor, reach: Reach) -> bool:
    """Whether a grant of reach can cover any record at all for actor (a city-admin grant covers
    nothing for an operator who administers no city; an agency grant nothing without an agency)."""
    if reach == Reach.PROVINCE:
        return actor.is_province
    if reach == Reach.CITY:
        return actor.is_province or actor.city_code is not None
    if reach == Reach.CITY_ADMIN:
        return actor.is_city_admin and actor.city_code is not None
    if reach == Reach.AGENCY:
        return actor.agency_id is not None
    if reach == Reach.ORG:
        return actor.organization_id is not None
    if reach == Reach.SELF:
        return actor.user_id is not None
    return True


def _reaches_of(step: Step, actor: Actor) -> tuple[Reach, ...]:
    grant = step.who[actor.role]
    return grant if isinstance(grant, tuple) else (grant,)


def _role_may(actor: Actor, step: Step) -> bool:
    return actor.role in step.who


def reaches(actor: Actor, reach: Reach, *, city_code: str | None = None, agency_id: uuid.UUID | None = None,
            org_ids: tuple[uuid.UUID | None, ...] = (), created_by: uuid.UUID | None = None) -> bool:
    """Whether a grant of reach covers a record of city_code / agency_id / org_ids for actor."""
    if reach == Reach.ANY:
        return True
    if reach == Reach.PROVINCE:
        return actor.is_province
    if reach == Reach.CITY:
        return actor.is_province or (actor.city_code is not None and actor.city_code == city_code)
    if reach == Reach.CITY_ADMIN:
        return actor.is_city_admin and actor.city_code is not None and actor.city_code == city_code
    if reach == Reach.AGENCY:
        return actor.agency_id is not None and actor.agency_id == agency_id
    if reach == Reach.ORG:
        return actor.organization_id is not None and actor.organization_id in org_ids
    if reach == Reach.SELF:
        return actor.user_id is not None and actor.user_id == created_by
    return False


def _reach_condition(actor: Actor, reach: Reach, columns: Columns) -> Any:
    """The SQL form of reaches(); None when the table has no column to tell."""
    if reach == Reach.ANY:
        return true()
    if reach == Reach.PROVINCE:
        return true() if actor.is_province else None
    if reach == Reach.CITY:
        if actor.is_province:
            return true()
        return columns.city == actor.city_code if columns.city is not None and actor.city_code else None
    if reach == Reach.CITY_ADMIN:
        ok = actor.is_city_admin and actor.city_code and columns.city is not None
        return columns.city == actor.city_code if ok else None
    if reach == Reach.AGENCY:
        return columns.agency == actor.agency_id if columns.agency is not None and actor.agency_id else None
    if reach == Reach.ORG:
        if not columns.orgs or actor.organization_id is None:
            return None
        return or_(*(col == actor.organization_id for col in columns.orgs))
    if reach == Reach.SELF:
        return columns.creator == actor.user_id if columns.creator is not None and actor.user_id else None
    return None


# --- the registry: one answer to "what may this actor do with this record?" --------------------

_WORKFLOWS: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    """Make workflow known to `allowed_actions` and `workflow_of` (each capability's rules.py)."""
    _WORKFLOWS[workflow.entity] = workflow
    return workflow


def workflows() -> dict[str, Workflow]:
    """Every registered workflow by entity name."""
    return dict(_WORKFLOWS)


def workflow_of(record: Any) -> Workflow:
    """The workflow that governs record's type."""
    for wf in _WORKFLOWS.values():
        if wf.records and isinstance(record, wf.records):
            return wf
    raise LookupError(f"no workflow governs {type(record).__name__}")


def allowed_actions(actor: Actor, record: Any) -> list[str]:
    """The actions actor may take on record now, from its workflow's table."""
    return workflow_of(record).allowed_actions(actor, record)


def may(actor: Actor, action: str, record: Any) -> bool:
    """Whether actor may take action on record; record may be an entity name ("fee_claim") to
    ask about records in general (may this actor create claims at all?)."""
    if isinstance(record, str):
        return _WORKFLOWS[record].may(actor, action)
    return workflow_of(record).may(actor, action, record)
