"""Pilot platforms and their bookable resources: browsed by every signed-in user but presenters,
managed by the operators of the platform's city and the province (`rules.PLATFORM`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, or_
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Organization, PilotPlatform, PilotResource
from db.models.enums import OrgKind
from portal.core import directory, idempotency, validation
from portal.core.actor import Actor
from portal.core.audit import audited_add, audited_change
from portal.core.cache import cached
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.paging import Page, paginate
from portal.core.regions import all_regions
from portal.core.scope import as_id
from portal.core.service import reader, service
from portal.core.workflow import Columns, Subject
from portal.pilot import capacity as cap
from portal.pilot.rules import PLATFORM

COLUMNS = Columns(city=PilotPlatform.city_code)
HOST_KINDS = tuple(kind for kind in OrgKind if kind != OrgKind.INSURER)  # any organization but insurers
CATALOGUE_PAGE = 10  # a province has hundreds of platforms: one table each


@dataclass(frozen=True)
class ResourceRow:
    """A bookable line or piece of equipment as lists show it."""

    id: uuid.UUID
    platform_id: uuid.UUID
    name: str
    capacity: int
    price_per_day: Decimal


@dataclass(frozen=True)
class PlatformRow:
    """A platform as the catalogue shows it, with its resources."""

    id: uuid.UUID
    name: str
    host_org_id: uuid.UUID
    host_name: str
    city_code: str
    county_code: str | None
    capabilities: str
    tags: list[str]
    opening_hours: str
    contact_name: str
    contact_phone: str
    resources: list[ResourceRow]

    @property
    def total_capacity(self) -> int:
        return sum(r.capacity for r in self.resources)


PLATFORM.govern(PlatformRow)


def _tags(value: str) -> str:
    parts = [p.strip() for p in str(value or "").replace("，", ",").replace("、", ",").split(",")]
    clean = ",".join(dict.fromkeys(p for p in parts if p))
    if len(clean) > 200:
        raise ValidationError("error.too_long", field="pilot_tags", max=200)
    return clean


def _resource_row(r: PilotResource) -> ResourceRow:
    return ResourceRow(r.id, r.platform_id, r.name, r.capacity, r.price_per_day)


def _filtered(stmt, actor: Actor, city_code: str | None, query: str):  # noqa: ANN001, ANN202
    stmt = PLATFORM.scope_filter(stmt, actor, COLUMNS)
    if city_code:
        stmt = stmt.where(PilotPlatform.city_code == city_code)
    words = str(query or "").strip()[:50]
    if words:
        like = f"%{words}%"
        stmt = stmt.where(or_(PilotPlatform.name.ilike(like), PilotPlatform.capabilities.ilike(like),
                              PilotPlatform.tags.ilike(like)))
    return stmt


def _rows(s: Session, stmt) -> list[PlatformRow]:  # noqa: ANN001
    """The platforms stmt selects (PilotPlatform, host name), with their resources (one more read)."""
    rows = s.exec(stmt).all()
    resources: dict[uuid.UUID, list[ResourceRow]] = {p.id: [] for p, _ in rows}
    if resources:
        for r in s.exec(select(PilotResource).where(PilotResource.platform_id.in_(list(resources)))
                        .order_by(PilotResource.name)).all():
            resources[r.platform_id].append(_resource_row(r))
    return [PlatformRow(p.id, p.name, p.host_org_id, host or "", p.city_code, p.county_code, p.capabilities,
                        [x for x in p.tags.split(",") if x], p.opening_hours, p.contact_name,
                        p.contact_phone, resources[p.id]) for p, host in rows]


def _with_host():  # noqa: ANN202
    return (select(PilotPlatform, Organization.name)
            .join(Organization, Organization.id == PilotPlatform.host_org_id, isouter=True))


ORDER = (PilotPlatform.city_code, PilotPlatform.name, PilotPlatform.id)


@reader(PLATFORM)
def list_platforms(*, actor: Actor, city_code: str | None = None, query: str = "",
                   limit: int = 200) -> list[PlatformRow]:
    """Platforms actor may browse (for pickers), optionally of one city and matching query in
    name, capabilities or tags; by city and name."""
    stmt = _filtered(_with_host(), actor, city_code, query).order_by(*ORDER).limit(max(1, min(int(limit), 500)))
    with read_session() as s:
        return _rows(s, stmt)


@reader(PLATFORM)
def browse_platforms(*, actor: Actor, city_code: str | None = None, query: str = "", page: int | None = 1,
                     page_size: int = CATALOGUE_PAGE) -> Page[PlatformRow]:
    """One page of the catalogue: the platforms list_platforms would show, counted once."""
    count = _filtered(select(func.count()).select_from(PilotPlatform), actor, city_code, query)
    stmt = _filtered(_with_host(), actor, city_code, query).order_by(*ORDER)
    with read_session() as s:
        return paginate(s, count, lambda offset, limit: _rows(s, stmt.offset(offset).limit(limit)),
                        page=page, size=max(1, min(int(page_size), 100)))


@reader(PLATFORM)
def get_platform(*, actor: Actor, platform_id: uuid.UUID) -> PlatformRow:
    """One platform with its resources."""
    pid = as_id(platform_id)
    with read_session() as s:
        rows = _rows(s, _filtered(_with_host(), actor, None, "").where(PilotPlatform.id == pid)) if pid else []
    if not rows:
        raise NotFound()
    return rows[0]


def _managed_city(actor: Actor, city_code: str | None) -> str:
    """The city a platform is made in (the operator's own unless another is named), if actor manages it."""
    if not PLATFORM.may(actor, "manage"):
        raise PermissionDenied()
    city = city_code or actor.city_code
    if not city or city not in all_regions():
        raise ValidationError("error.required", field="city")
    PLATFORM.require(actor, "manage", Subject(city_code=city))
    return city


@reader(PLATFORM, "manage")
def host_options(*, actor: Actor, city_code: str | None = None, query: str = "") -> list[directory.Choice]:
    """Organizations of the city that may host a platform (any kind but insurers), by name, at
    most 200 (a name or credit code typed in finds the others)."""
    city = _managed_city(actor, city_code)
    words = str(query or "").strip()[:60]

    def compute() -> list[directory.Choice]:
        return directory.organizations(actor=actor, kinds=HOST_KINDS, query=words, city_code=city, limit=200)

    # two forms a rerun ask, and whoever manages the city may name the same organizations:
    # kept until one of the city's organizations changes
    return cached(("host_options", words), compute, city=city)


def _platform_fields(s: Session, actor: Actor, *, name: str, host_org_id: uuid.UUID | None, city_code: str,
                     county_code: str | None, capabilities: str, tags: str, opening_hours: str,
                     contact_name: str, contact_phone: str) -> dict:
    clean = {
        "name": validation.text(name, field="pilot_platform_name", max_length=120),
        "capabilities": validation.text(capabilities, field="pilot_capabilities", max_length=4000,
                                        required=False),
        "tags": _tags(tags),
        "opening_hours": validation.text(opening_hours, field="pilot_opening_hours", max_length=100,
                                         required=False),
        "contact_name": validation.text(contact_name, field="pilot_contact_name", max_length=40,
                                        required=False),
        "contact_phone": validation.phone(contact_phone, field="pilot_contact_phone", required=False) or "",
    }
    host = directory.named(s, actor, as_id(host_org_id), kinds=HOST_KINDS, field="pilot_host", city_code=city_code)
    if county_code:
        county = all_regions().get(county_code)
        if county is None or county.parent != city_code:
            raise ValidationError("error.bad_choice", field="county", value=county_code)
    clean.update(host_org_id=host.id, county_code=county_code or None)
    return clean


@service(PLATFORM, "manage")
def create_platform(s: Session, *, actor: Actor, name: str, host_org_id: uuid.UUID | None,
                    city_code: str | None = None, county_code: str | None = None, capabilities: str = "",
                    tags: str = "", opening_hours: str = "", contact_name: str = "",
                    contact_phone: str = "", idempotency_key: str | None = None) -> PilotPlatform:
    """Add a platform to the operator's city (the province names the city); the same
    idempotency_key again returns the platform already added."""
    city = _managed_city(actor, city_code)
    fields = _platform_fields(s, actor, name=name, host_org_id=host_org_id, city_code=city, county_code=county_code,
                              capabilities=capabilities, tags=tags, opening_hours=opening_hours,
                              contact_name=contact_name, contact_phone=contact_phone)
    return idempotency.once(s, actor, idempotency_key, "pilot.platform_add", PilotPlatform, lambda: audited_add(
        s, actor, "pilot.platform_add", PilotPlatform(city_code=city, **fields)))


def _platform(s: Session, actor: Actor, platform_id: uuid.UUID | None) -> PilotPlatform:
    pid = as_id(platform_id)
    return PLATFORM.readable(actor, s.get(PilotPlatform, pid) if pid else None)


@service(PLATFORM, "manage")
def update_platform(s: Session, *, actor: Actor, platform_id: uuid.UUID, name: str, host_org_id: uuid.UUID | None,
                    county_code: str | None = None, capabilities: str = "", tags: str = "",
                    opening_hours: str = "", contact_name: str = "", contact_phone: str = "") -> PilotPlatform:
    """Change a platform's details (its city stays)."""
    platform = _platform(s, actor, platform_id)
    PLATFORM.require(actor, "manage", platform)
    fields = _platform_fields(s, actor, name=name, host_org_id=host_org_id, city_code=platform.city_code,
                              county_code=county_code, capabilities=capabilities, tags=tags,
                              opening_hours=opening_hours, contact_name=contact_name, contact_phone=contact_phone)
    with PLATFORM.move(s, actor, "manage", platform, audit_action="pilot.platform_change"):
        for key, value in fields.items():
            setattr(platform, key, value)
    return platform


def _resource_fields(name: str, capacity_value: object, price_per_day: object) -> dict:
    return {
        "name": validation.text(name, field="pilot_resource_name", max_length=120),
        "capacity": validation.integer(capacity_value, field="pilot_capacity", minimum=1, maximum=1000),
        "price_per_day": validation.money(price_per_day, field="pilot_price_per_day"),
    }


@service(PLATFORM, "manage")
def add_resource(s: Session, *, actor: Actor, platform_id: uuid.UUID, name: str, capacity: int | str,
                 price_per_day: Decimal | str, idempotency_key: str | None = None) -> PilotResource:
    """Add a bookable resource (capacity = parallel bookings per day) to a platform; the same
    idempotency_key again returns the resource already added."""
    fields = _resource_fields(name, capacity, price_per_day)
    platform = _platform(s, actor, platform_id)
    PLATFORM.require(actor, "manage", platform)
    return idempotency.once(s, actor, idempotency_key, "pilot.resource_add", PilotResource, lambda: audited_add(
        s, actor, "pilot.resource_add", PilotResource(platform_id=platform.id, **fields),
        city_code=platform.city_code))


def _check_capacity_kept(s: Session, resource: PilotResource, capacity: int) -> None:
    """Refuse a capacity below what bookings from today on hold, naming the days."""
    start = today()
    date_max = start + timedelta(days=3650)
    held = cap.holding_bookings(s, resource.id, start, date_max)
    if not held:
        return
    last = min(max(b.end_date for b in held), date_max)
    over = [d for d, used in cap.usage(cap.spans_of(held), start, last).items() if used > capacity]
    if over:
        first, end = cap.day_ranges(over)[0]
        raise ValidationError("pilot.error.capacity_below_bookings", field="pilot_capacity",
                              first=first.isoformat(), last=end.isoformat(), days=len(over))


@service(PLATFORM, "manage")
def update_resource(s: Session, *, actor: Actor, resource_id: uuid.UUID, name: str, capacity: int | str,
                    price_per_day: Decimal | str) -> PilotResource:
    """Change a resource; lowering capacity below what bookings from today on hold is refused,
    naming the days. The resource is locked, so no booking slips in between the count and the change."""
    fields = _resource_fields(name, capacity, price_per_day)
    rid = as_id(resource_id)
    resource = cap.lock_resource(s, rid) if rid else None
    platform = _platform(s, actor, resource.platform_id if resource else None)
    PLATFORM.require(actor, "manage", platform)
    if fields["capacity"] < resource.capacity:
        _check_capacity_kept(s, resource, fields["capacity"])
    with audited_change(s, actor, "pilot.resource_change", resource, city_code=platform.city_code):
        for key, value in fields.items():
            setattr(resource, key, value)
    return resource
