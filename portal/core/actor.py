"""The acting user, as every service receives it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from db.models.enums import Role


@dataclass(frozen=True)
class Actor:
    """Who is acting and within which scope (city, agency, organization)."""

    user_id: uuid.UUID | None
    username: str
    display_name: str
    role: str
    city_code: str | None = None
    agency_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    is_city_admin: bool = False
    lang: str = "zh"

    @property
    def is_province(self) -> bool:
        """Province administrators and province managers see every city."""
        return self.role == Role.PROVINCE_ADMIN or (self.role == Role.MANAGER and not self.city_code)

    @property
    def is_system(self) -> bool:
        return self.user_id is None


# Scheduled jobs (`portal tick`) and the demo loader act as the province-wide system.
SYSTEM = Actor(user_id=None, username="system", display_name="系统", role=Role.PROVINCE_ADMIN)
