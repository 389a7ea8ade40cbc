"""Test factories: records written directly (not through services) so tests start from a known state."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlmodel import Session, SQLModel

from db.engine import get_engine
from db.models import Agency, Contract, Organization, Result, UserAccount
from db.models.enums import Role
from portal.core.actor import Actor
from portal.core.auth import actor_from_user, hash_password_once
from portal.core.clock import today
from portal.core.validation import credit_check_char, patent_check_char

PASSWORD = "Test@2026"
_seq = itertools.count(1)


def credit_code(county: str = "330106", kind: str = "91") -> str:
    """A fresh valid unified social credit code."""
    body = f"{kind}{county}{next(_seq):09d}"
    return body + credit_check_char(body)


def patent_no(year: int = 2023, type_digit: int = 1) -> str:
    """A fresh valid patent application number."""
    digits = f"{year}{type_digit}{next(_seq):07d}"
    return f"{digits}.{patent_check_char(digits)}"


def save(*objs: SQLModel) -> None:
    """Insert objects in one transaction, in the order given."""
    with Session(get_engine(), expire_on_commit=False) as s:
        for obj in objs:
            s.add(obj)
            s.flush()
        s.commit()


def make_org(name: str, kind: str = "university", city: str = "330100", **kw) -> Organization:
    org = Organization(name=name, kind=kind, credit_code=credit_code(city[:4] + "06"), city_code=city, **kw)
    save(org)
    return org


def make_agency(name: str, city: str = "330100") -> Agency:
    org = make_org(name, "agency", city)
    agency = Agency(organization_id=org.id, name=name, city_code=city)
    save(agency)
    return agency


def make_user(username: str, role: str, *, city: str | None = None, agency: Agency | None = None,
              org: Organization | None = None, city_admin: bool = False, disabled: bool = False) -> Actor:
    user = UserAccount(username=username, display_name=username, password_hash=hash_password_once(PASSWORD),
                       role=role, city_code=city or (agency.city_code if agency else (org.city_code if org else None)),
                       agency_id=agency.id if agency else None,
                       organization_id=org.id if org else (agency.organization_id if agency else None),
                       is_city_admin=city_admin, disabled=disabled)
    save(user)
    return actor_from_user(user)


def make_result(owner: Organization, *, status: str = "listed", field: str = "new_materials",
                title: str = "一种高导热石墨烯复合散热膜", **kw) -> Result:
    result = Result(number=patent_no(), type="invention", title=title, owner_org_id=owner.id,
                    city_code=owner.city_code, field=field, trl=5, status=status, **kw)
    save(result)
    return result


def make_trial(result: Result, licensee: Organization, agency: Agency, *, start: date | None = None,
               months: int = 12, status: str = "active") -> Contract:
    start = start or today() - timedelta(days=30)
    trial = Contract(kind="trial", licence_type="ordinary", result_id=result.id, licensor_org_id=result.owner_org_id,
                     licensee_org_id=licensee.id, agency_id=agency.id, city_code=agency.city_code,
                     number=f"T-{uuid.uuid4().hex[:10]}", start_date=start,
                     end_date=start + timedelta(days=30 * months), fee=Decimal("0"), status=status)
    save(trial)
    return trial


@dataclass
class City:
    """One city's cast: agency, operator (city admin), plain operator, licensor, officer, enterprise…"""

    code: str
    agency: Agency
    operator: Actor
    plain_operator: Actor
    licensor: Organization
    officer: Actor
    enterprise: Organization
    enterprise_user: Actor
    presenter: Actor
    manager: Actor
    result: Result
    extra: dict = field(default_factory=dict)


def _city(code: str, prefix: str) -> City:
    agency = make_agency(f"{prefix}技术转移中心", code)
    licensor = make_org(f"{prefix}大学", "university", code)
    enterprise = make_org(f"{prefix}恒拓科技有限公司", "enterprise", code, size="small")
    return City(
        code=code, agency=agency,
        operator=make_user(f"{prefix}_op", Role.CITY_OPERATOR, agency=agency, city_admin=True),
        plain_operator=make_user(f"{prefix}_op2", Role.CITY_OPERATOR, agency=agency),
        licensor=licensor, officer=make_user(f"{prefix}_officer", Role.INSTITUTION_OFFICER, org=licensor),
        enterprise=enterprise, enterprise_user=make_user(f"{prefix}_ent", Role.ENTERPRISE, org=enterprise),
        presenter=make_user(f"{prefix}_presenter", Role.PRESENTER, city=code),
        manager=make_user(f"{prefix}_manager", Role.MANAGER, city=code),
        result=make_result(licensor, title=f"{prefix}的一种锂电池正极材料表面包覆方法"),
    )


def build_world() -> SimpleNamespace:
    """Hangzhou (hz) and Ningbo (nb) casts plus the province admin and a province manager."""
    return SimpleNamespace(
        hz=_city("330100", "hz"), nb=_city("330200", "nb"),
        admin=make_user("admin", Role.PROVINCE_ADMIN),
        province_manager=make_user("zj_mgr", Role.MANAGER),
    )


def at_once(n: int, work: Callable[[int], None], *, timeout: float = 300) -> None:
    """Run work(0) … work(n - 1) in n threads released together (a barrier), and wait for them."""
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait()
        work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout)
