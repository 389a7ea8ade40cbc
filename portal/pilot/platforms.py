"""Pilot platforms and their bookable resources: browsed by everyone signed in, managed by the
operators of the platform's city (and the province)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import or_
from sqlmodel import Session, select

from db.engine import read_session, transaction
from db.models import Organization, PilotPlatform, PilotResource
from db.models.enums import OrgKind, Role
from portal.core import audit, validation
from portal.core.actor import Actor
from portal.core.cache import cached
from portal.core.clock import today
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.regions import all_regions
from portal.pilot import capacity as cap

MANAGER_ROLES = (Role.CITY_OPERATOR, Role.PROVINCE_ADMIN)


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


def may_manage(actor: Actor, city_code: str | None) -> bool:
    """Whether actor manages platforms (and books resources) of city_code."""
    if actor.role == Role.PROVINCE_ADMIN:
        return True
    return actor.role == Role.CITY_OPERATOR and bool(actor.city_code) and actor.city_code == city_code


def require_manager(actor: Actor, city_code: str | None) -> None:
    """Refuse unless actor manages city_code's platforms."""
    if not may_manage(actor, city_code):
        raise PermissionDenied()


def _tags(value: str) -> str:
    parts = [p.strip() for p in str(value or "").replace("，", ",").replace("、", ",").split(",")]
    clean = ",".join(dict.fromkeys(p for p in parts if p))
    if len(clean) > 200:
        raise ValidationError("error.too_long", field="pilot_tags", max=200)
    return clean


def _resource_row(r: PilotResource) -> ResourceRow:
    return ResourceRow(r.id, r.platform_id, r.name, r.capacity, r.price_per_day)


def list_platforms(*, actor: Actor, city_code: str | None = None, query: str = "",
                   limit: int = 200) -> list[PlatformRow]:
    """Platforms (every signed-in user may browse), optionally of one city and matching query
    in name, capabilities or tags; by city and name."""
    stmt = select(PilotPlatform, Organization.name).join(Organization, Organization.id == PilotPlatform.host_org_id)
    if city_code:
        stmt = stmt.where(PilotPlatform.city_code == city_code)
    words = str(query or "").strip()[:50]
    if words:
        like = f"%{words}%"
        stmt = stmt.where(or_(PilotPlatform.name.ilike(like), PilotPlatform.capabilities.ilike(like),
                              PilotPlatform.tags.ilike(like)))
    stmt = stmt.order_by(PilotPlatform.city_code, PilotPlatform.name).limit(limit)
    with read_session() as s:
        rows = s.exec(stmt).all()
        ids = [p.id for p, _ in rows]
        resources: dict[uuid.UUID, list[ResourceRow]] = {i: [] for i in ids}
        if ids:
            for r in s.exec(select(PilotResource).where(PilotResource.platform_id.in_(ids))
                            .order_by(PilotResource.name)).all():
                resources[r.platform_id].append(_resource_row(r))
    return [PlatformRow(p.id, p.name, p.host_org_id, host, p.city_code, p.county_code, p.capabilities,
                        [x for x in p.tags.split(",") if x], p.opening_hours, p.contact_name,
                        p.contact_phone, resources[p.id]) for p, host in rows]


def get_platform(*, actor: Actor, platform_id: uuid.UUID) -> PlatformRow:
    """One platform with its resources."""
    with read_session() as s:
        platform = s.get(PilotPlatform, platform_id) if platform_id else None
        if platform is None:
            raise NotFound()
        host = s.get(Organization, platform.host_org_id)
        res = s.exec(select(PilotResource).where(PilotResource.platform_id == platform.id)
                     .order_by(PilotResource.name)).all()
    return PlatformRow(platform.id, platform.name, platform.host_org_id, host.name if host else "",
                       platform.city_code, platform.county_code, platform.capabilities,
                       [x for x in platform.tags.split(",") if x], platform.opening_hours,
                       platform.contact_name, platform.contact_phone, [_resource_row(r) for r in res])


def host_options(*, actor: Actor, city_code: str | None = None) -> list[tuple[uuid.UUID, str]]:
    """Organizations of the city that may host a platform (any kind but insurers), by name."""
    city = city_code or actor.city_code
    require_manager(actor, city)

    def compute() -> list[tuple[uuid.UUID, str]]:
        with read_session() as s:
            rows = s.exec(select(Organization.id, Organization.name)
                          .where(Organization.city_code == city, Organization.kind != OrgKind.INSURER)
                          .order_by(Organization.name).limit(500)).all()
        return [(i, n) for i, n in rows]

    return cached(("host_options",), compute, city=city)  # two forms a rerun ask: kept until an organization changes


def _platform_fields(s: Session, *, name: str, host_org_id: uuid.UUID | None, city_code: str,
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
    host = s.get(Organization, host_org_id) if host_org_id else None
    if host is None:
        raise ValidationError("error.required", field="pilot_host")
    if host.city_code != city_code:
        raise ValidationError("pilot.error.host_other_city", field="pilot_host")
    regions = all_regions()
    if county_code:
        county = regions.get(county_code)
        if county is None or county.parent != city_code:
            raise ValidationError("error.bad_choice", field="county", value=county_code)
    clean.update(host_org_id=host.id, county_code=county_code or None)
    return clean


def create_platform(*, actor: Actor, name: str, host_org_id: uuid.UUID | None, city_code: str | None = None,
                    county_code: str | None = None, capabilities: str = "", tags: str = "",
                    opening_hours: str = "", contact_name: str = "", contact_phone: str = "") -> PilotPlatform:
    """Add a platform to the operator's city (the province names the city)."""
    city = actor.city_code if actor.role == Role.CITY_OPERATOR else city_code
    if actor.role == Role.PROVINCE_ADMIN and (not city or city not in all_regions()):
        raise ValidationError("error.required", field="city")
    require_manager(actor, city)
    with transaction() as s:
        fields = _platform_fields(s, name=name, host_org_id=host_org_id, city_code=city, county_code=county_code,
                                  capabilities=capabilities, tags=tags, opening_hours=opening_hours,
                                  contact_name=contact_name, contact_phone=contact_phone)
        platform = PilotPlatform(city_code=city, **fields)
        s.add(platform)
        audit.record(s, actor, "pilot.platform_add", platform)
    return platform


def update_platform(*, actor: Actor, platform_id: uuid.UUID, name: str, host_org_id: uuid.UUID | None,
                    county_code: str | None = None, capabilities: str = "", tags: str = "",
                    opening_hours: str = "", contact_name: str = "", contact_phone: str = "") -> PilotPlatform:
    """Change a platform's details (its city stays)."""
    with transaction() as s:
        platform = s.get(PilotPlatform, platform_id) if platform_id else None
        if platform is None:
            raise NotFound()
        require_manager(actor, platform.city_code)
        fields = _platform_fields(s, name=name, host_org_id=host_org_id, city_code=platform.city_code,
                                  county_code=county_code, capabilities=capabilities, tags=tags,
                                  opening_hours=opening_hours, contact_name=contact_name,
                                  contact_phone=contact_phone)
        before = audit.snapshot(platform)
        for key, value in fields.items():
            setattr(platform, key, value)
        s.add(platform)
        audit.record(s, actor, "pilot.platform_change", platform, before=before)
    return platform


def _resource_fields(name: str, capacity_value: object, price_per_day: object) -> dict:
    return {
        "name": validation.text(name, field="pilot_resource_name", max_length=120),
        "capacity": validation.integer(capacity_value, field="pilot_capacity", minimum=1, maximum=1000),
        "price_per_day": validation.money(price_per_day, field="pilot_price_per_day"),
    }


def add_resource(*, actor: Actor, platform_id: uuid.UUID, name: str, capacity: int | str,
                 price_per_day: Decimal | str) -> PilotResource:
    """Add a bookable resource (capacity = parallel bookings per day) to a platform."""
    fields = _resource_fields(name, capacity, price_per_day)
    with transaction() as s:
        platform = s.get(PilotPlatform, platform_id) if platform_id else None
        if platform is None:
            raise NotFound()
        require_manager(actor, platform.city_code)
        resource = PilotResource(platform_id=platform.id, **fields)
        s.add(resource)
        audit.record(s, actor, "pilot.resource_add", resource, city_code=platform.city_code)
    return resource


def update_resource(*, actor: Actor, resource_id: uuid.UUID, name: str, capacity: int | str,
                    price_per_day: Decimal | str) -> PilotResource:
    """Change a resource; lowering capacity below what bookings from today on hold is refused,
    naming the days."""
    fields = _resource_fields(name, capacity, price_per_day)
    with transaction() as s:
        resource = cap.lock_resource(s, resource_id) if resource_id else None
        platform = s.get(PilotPlatform, resource.platform_id) if resource else None
        if resource is None or platform is None:
            raise NotFound()
        require_manager(actor, platform.city_code)
        if fields["capacity"] < resource.capacity:
            start = today()
            held = cap.holding_bookings(s, resource.id, start, date_max := start + timedelta(days=3650))
            if held:
                last = min(max(b.end_date for b in held), date_max)
                over = [d for d, used in cap.usage(cap.spans_of(held), start, last).items()
                        if used > fields["capacity"]]
                if over:
                    first, end = cap.day_ranges(over)[0]
                    raise ValidationError("pilot.error.capacity_below_bookings", field="pilot_capacity",
                                          first=first.isoformat(), last=end.isoformat(), days=len(over))
        before = audit.snapshot(resource)
        for key, value in fields.items():
            setattr(resource, key, value)
        s.add(resource)
        audit.record(s, actor, "pilot.resource_change", resource, before=before, city_code=platform.city_code)
    return resource
