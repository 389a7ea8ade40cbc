"""Deterministic demo data for all 11 cities: every page has something real to show.

Dates are anchored to the day the data is loaded (trials ending soon stay 'soon'); everything
else comes from one seeded random generator, so two loads on the same day are identical.
Loading is idempotent: it does nothing when demo users already exist.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlmodel import Session, SQLModel, select

from db.models import (
    Agency,
    ApprovalStep,
    AuditEntry,
    Budget,
    Contract,
    ContractTemplate,
    Demand,
    FeeClaim,
    InsurancePolicy,
    Intent,
    Match,
    Objection,
    Organization,
    PilotBooking,
    PilotPlatform,
    PilotResource,
    PointsEvent,
    PolicyVersion,
    PublicNotice,
    Result,
    Roadshow,
    RoadshowAttendance,
    RoadshowItem,
    UserAccount,
    Voucher,
    VoucherRedemption,
)
from db.models.enums import Role
from db.reference import ensure_regions
from portal.contracts.texts import DEFAULT_TRIAL_TEMPLATE
from portal.core import numbering
from portal.core.auth import hash_password_once
from portal.core.clock import TZ, today
from portal.core.regions import PROVINCE_CODE, cities, counties
from portal.core.validation import credit_check_char, patent_check_char
from seed import names, texts
from seed.demo_requests import load_requests

DEMO_PASSWORD = "Demo@2026"

# (username, display name, role, city, binding) — binding: agency / licensor name, or None
DEMO_ACCOUNTS: list[tuple[str, str, str, str | None, str | None]] = [
    ("zj_admin", "省科技厅管理员", Role.PROVINCE_ADMIN, None, None),
    ("hz_operator", "杭州运营专员", Role.CITY_OPERATOR, "330100", "杭州市技术转移中心"),
    ("nb_operator", "宁波运营专员", Role.CITY_OPERATOR, "330200", "宁波市科技成果转化服务中心"),
    ("wz_operator", "温州运营专员", Role.CITY_OPERATOR, "330300", "温州市技术市场服务中心"),
    ("zju_officer", "浙江大学成果转化办", Role.INSTITUTION_OFFICER, "330100", "浙江大学"),
    ("presenter", "杭州路演讲解员", Role.PRESENTER, "330100", None),
    ("hz_manager", "杭州市科技局", Role.MANAGER, "330100", None),
    ("zj_manager", "省科技厅成果处", Role.MANAGER, None, None),
    ("ent_demo", "杭州恒拓智能科技", Role.ENTERPRISE, "330100", "杭州恒拓智能科技有限公司"),
]

RESULT_STATUS_MIX = (["listed"] * 62 + ["notice"] * 8 + ["paused"] * 3 + ["submitted"] * 7
                     + ["approved"] * 2 + ["draft"] * 8 + ["returned"] * 5 + ["withdrawn"] * 5)
CITY_WEIGHTS = {"330100": 6, "330200": 4, "330300": 3, "330400": 2, "330500": 2, "330600": 2,
                "330700": 2, "330800": 1, "330900": 1, "331000": 2, "331100": 1}


@dataclass
class Ctx:
    """What the sections of the loader share."""

    s: Session
    rng: random.Random
    day: date
    orgs: dict[str, Organization] = field(default_factory=dict)
    licensors: dict[str, list[Organization]] = field(default_factory=dict)
    enterprises: dict[str, list[Organization]] = field(default_factory=dict)
    agencies: dict[str, list[Agency]] = field(default_factory=dict)
    operators: dict[str, UserAccount] = field(default_factory=dict)
    results: list[Result] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    trials: list[Contract] = field(default_factory=list)
    deals: list[Contract] = field(default_factory=list)
    redemptions: list[VoucherRedemption] = field(default_factory=list)
    users: dict[str, UserAccount] = field(default_factory=dict)
    audits: list[AuditEntry] = field(default_factory=list)

    pending: list = field(default_factory=list)
    counters: dict[tuple[str, str, int], int] = field(default_factory=dict)

    def number(self, kind: str, city: str, year: int) -> str:
        """The next document number of kind for city's year (the counters start after them)."""
        key = (kind, city, year)
        self.counters[key] = self.counters.get(key, 0) + 1
        return numbering.number(kind, city, year, self.counters[key])

    def add(self, obj) -> None:  # noqa: ANN001
        self.pending.append(obj)

    def flush(self) -> None:
        """Insert pending rows table by table in foreign-key order (there are no ORM relationships
        to tell the unit of work the order)."""
        by_table: dict[str, list] = {}
        for obj in self.pending:
            by_table.setdefault(obj.__tablename__, []).append(obj)
        self.pending.clear()
        for table in SQLModel.metadata.sorted_tables:
            if table.name in by_table:
                self.s.add_all(by_table[table.name])
                self.s.flush()

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def at(self, day: date, hour: int = 10) -> datetime:
        return datetime.combine(day, time(hour, self.rng.randrange(60)), tzinfo=TZ)

    def audit(self, action: str, entity: str, entity_id: uuid.UUID, city: str | None, when: datetime,
              user: UserAccount | None = None) -> None:
        self.audits.append(AuditEntry(
            id=self.uid(), at=when, actor_id=user.id if user else None,
            actor_name=user.username if user else "system", action=action, entity=entity,
            entity_id=str(entity_id), city_code=city))


def credit_code(rng: random.Random, county: str, kind: str) -> str:
    """A syntactically valid unified social credit code for a demo organization."""
    head = {"enterprise": "91", "insurer": "91", "agency": "12", "platform": "91"}.get(kind, "12")
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = head + county + "".join(rng.choice(charset) for _ in range(9))
    return body + credit_check_char(body)


def result_number(rng: random.Random, kind: str, year: int) -> str:
    """A result number of the right shape for its type (patent numbers carry a valid check digit)."""
    serial = f"{rng.randrange(10**7):07d}"
    if kind in ("invention", "utility_model", "design"):
        digits = f"{year}{ {'invention': 1, 'utility_model': 2, 'design': 3}[kind] }{serial}"
        return f"{digits}.{patent_check_char(digits)}"
    prefix = {"software": f"{year}SR", "ic_layout": f"BS.{year}", "plant_variety": f"CNA{year}"}.get(kind, f"ZJJS-{year}-")
    return f"{prefix}{serial}"


def load_demo(s: Session, *, day: date | None = None, seed: int = 2026) -> dict[str, int]:
    """Fill an empty, migrated database; returns counts. Does nothing if demo users exist."""
    if s.exec(select(UserAccount.id).where(UserAccount.username == "zj_admin")).first():
        return {}
    ctx = Ctx(s=s, rng=random.Random(seed), day=day or today())
    _regions(ctx)
    _organizations(ctx)
    _users(ctx)
    _policy(ctx)
    _pool(ctx)
    _matching(ctx)
    _roadshows(ctx)
    _pilot(ctx)
    _contracts(ctx)
    _claims(ctx)
    load_requests(ctx)
    for entry in ctx.audits:
        ctx.add(entry)
    ctx.flush()
    return {"results": len(ctx.results), "cities": len(cities()), "audit": len(ctx.audits)}


def _regions(ctx: Ctx) -> None:
    ensure_regions(ctx.s)


def _org(ctx: Ctx, name: str, kind: str, city: str, county: str | None = None, **kw) -> Organization:
    county = county or ctx.rng.choice(counties(city)).code
    org = Organization(id=ctx.uid(), name=name, kind=kind, credit_code=credit_code(ctx.rng, county, kind),
                       city_code=city, county_code=county, address=names.address(name, city, county),
                       contact_name=ctx.rng.choice(names.PEOPLE),
                       contact_phone=f"1{ctx.rng.choice('35789')}{ctx.rng.randrange(10**9):09d}", **kw)
    ctx.add(org)
    ctx.orgs[name] = org
    return org


def _organizations(ctx: Ctx) -> None:
    fields = list(texts.RESULTS)
    for c in cities():
        ctx.licensors[c.code] = [
            _org(ctx, n, k, c.code, county, max_trial_licensees=ctx.rng.choice([None, 3, 5]))
            for n, k, county in names.LICENSORS[c.code]
        ]
        ctx.enterprises[c.code] = []
        words = ctx.rng.sample(names.ENTERPRISE_WORDS, 7)
        for i, word in enumerate(words):
            fld = fields[(i + int(c.code[2:4])) % len(fields)]
            name = f"{names.CITY_SHORT[c.code]}{word}{names.ENTERPRISE_INDUSTRY[fld]}有限公司"
            if c.code == "330100" and i == 0:
                name = "杭州恒拓智能科技有限公司"
            ctx.enterprises[c.code].append(_org(ctx, name, "enterprise", c.code, size=ctx.rng.choice(["micro", "small", "small", "medium"])))
        ctx.agencies[c.code] = []
        for name in names.AGENCIES[c.code]:
            org = _org(ctx, name, "agency", c.code)
            agency = Agency(id=ctx.uid(), organization_id=org.id, name=name, city_code=c.code,
                            county_code=org.county_code, contact_name=org.contact_name,
                            contact_phone=org.contact_phone, email=f"tt{c.code}@example.gov.cn")
            ctx.add(agency)
            ctx.agencies[c.code].append(agency)
    for name, city in names.INSURERS:
        _org(ctx, name, "insurer", city)
    ctx.flush()


def _users(ctx: Ctx) -> None:
    hashed = hash_password_once(DEMO_PASSWORD)  # one bcrypt per process, not one per account
    agencies = {a.name: a for lst in ctx.agencies.values() for a in lst}
    for username, display, role, city, binding in DEMO_ACCOUNTS:
        user = UserAccount(id=ctx.uid(), username=username, display_name=display, password_hash=hashed,
                           role=role, city_code=city, is_city_admin=role == Role.CITY_OPERATOR)
        if role == Role.CITY_OPERATOR:
            user.agency_id = agencies[binding].id
            user.organization_id = agencies[binding].organization_id
        elif binding:
            user.organization_id = ctx.orgs[binding].id
        ctx.add(user)
        ctx.users[username] = user
    for c in cities():  # every city has an operator for the records it owns
        op = next((u for u in ctx.users.values() if u.role == Role.CITY_OPERATOR and u.city_code == c.code), None)
        if op is None:
            op = UserAccount(id=ctx.uid(), username=f"op_{c.name_en.lower()}", display_name=f"{c.name_zh}运营专员",
                             password_hash=hashed, role=Role.CITY_OPERATOR, city_code=c.code,
                             agency_id=ctx.agencies[c.code][0].id,
                             organization_id=ctx.agencies[c.code][0].organization_id, is_city_admin=True)
            ctx.add(op)
        ctx.operators[c.code] = op
    ctx.flush()


def _policy(ctx: Ctx) -> None:
    admin = ctx.users["zj_admin"]
    ctx.add(PolicyVersion(id=ctx.uid(), region_code=PROVINCE_CODE, version=1, changed_by=admin.id,
                            data={"service_fee_floor": "0.05", "voucher_refund_floor": "0.80"},
                            reason="《先用后转全面推广实施方案》规定的下限"))
    for c in cities():
        data = {"service_fee_rate": "0.06" if c.code == "330100" else "0.05",
                "voucher_refund_rate": "0.90" if c.code == "330200" else "0.80",
                "notice_days": 15, "trial_reminder_days": 30}
        ctx.add(PolicyVersion(id=ctx.uid(), region_code=c.code, version=1, changed_by=admin.id,
                                data=data, reason="初始设置"))
    ctx.add(ContractTemplate(id=ctx.uid(), city_code=None, kind="trial", version=1,
                               title="科技成果“先用后转”普通许可试用合同（示范文本）",
                               body=DEFAULT_TRIAL_TEMPLATE, created_by=admin.id, reason="省级示范文本"))
    ctx.flush()


def _weighted_city(ctx: Ctx) -> str:
    codes = list(CITY_WEIGHTS)
    return ctx.rng.choices(codes, weights=[CITY_WEIGHTS[c] for c in codes])[0]


def _pool(ctx: Ctx) -> None:
    rng = ctx.rng
    pairs = [(f, item) for f, items in texts.RESULTS.items() for item in items]
    types = ["invention"] * 6 + ["utility_model"] * 2 + ["software", "design", "ic_layout", "plant_variety", "other"]
    variants = ["", "（改进型）", "（第二代）", "及其应用", "（产业化版）"]
    for i in range(300):
        fld, (title, keywords, application, advantage) = pairs[i % len(pairs)]
        city = "330100" if i < 40 else _weighted_city(ctx)
        owner = ctx.licensors[city][i % len(ctx.licensors[city])] if city != "330100" or i % 3 else ctx.orgs["浙江大学"]
        kind = "plant_variety" if fld == "agriculture" and "品种" in title else (
            "software" if "软件" in title or "系统" in title and rng.random() < 0.5 else rng.choice(types))
        grant = ctx.day - timedelta(days=rng.randrange(60, 2400))
        status = RESULT_STATUS_MIX[i % len(RESULT_STATUS_MIX)]
        officer = ctx.operators[city]
        uid, number = ctx.uid(), result_number(rng, kind, grant.year)
        inventors = "、".join(rng.sample(names.PEOPLE, rng.randint(2, 4)))
        # the TRL near the result's typical one, drawn as before so the rest of the demo is unchanged
        trl = texts.result_trl(title, (rng.randint(3, 8) - 3) % 3 - 1)
        summary, card = texts.card_texts(title, advantage, trl)
        result = Result(
            id=uid, number=number, type=kind,
            title=title + variants[(i // len(pairs)) % len(variants)],
            inventors=inventors, owner_org_id=owner.id,
            city_code=city, field=fld, trl=trl,
            abstract=texts.ABSTRACT.format(title_tail=f"“{title}”", problem=keywords.split(",")[0] + "应用中的效率与成本",
                                           advantage=advantage, application=application,
                                           stage=texts.stage_sentence(trl)),
            keywords=keywords, summary_plain=summary, advantages=card,
            fiscally_funded=rng.random() < 0.45, grant_date=grant, trial_months=rng.choice([6, 12, 12, 18]),
            max_trial_licensees=owner.max_trial_licensees, price_guidance=rng.choice(
                ["转化价格面议", "许可费20–50万元", "转让价100万元起", "按销售额3%提成"]),
            status=status, created_by=officer.id,
            created_at=ctx.at(ctx.day - timedelta(days=rng.randrange(20, 700))),
        )
        if result.fiscally_funded and rng.random() < 0.12:
            result.exclusion_reason = rng.choice(["national_defence", "national_security", "national_interest", "public_interest"])
        result.updated_at = result.created_at
        ctx.add(result)
        ctx.results.append(result)
        _history(ctx, result, officer)
    ctx.flush()


def _history(ctx: Ctx, r: Result, officer: UserAccount) -> None:
    """Approval steps, a public notice and objections consistent with the result's status."""
    path = {"draft": [], "submitted": ["submit"], "returned": ["submit", "return"],
            "approved": ["submit", "approve"], "notice": ["submit", "approve", "notice"],
            "paused": ["submit", "approve", "notice", "object"], "listed": ["submit", "approve", "notice", "list"],
            "withdrawn": ["submit", "approve", "notice", "list", "withdraw"]}[r.status]
    states = {"submit": ("draft", "submitted"), "return": ("submitted", "returned"), "approve": ("submitted", "approved"),
              "notice": ("approved", "notice"), "object": ("notice", "paused"), "list": ("notice", "listed"),
              "withdraw": ("listed", "withdrawn")}
    notice_days = 15
    if r.status in ("notice", "paused"):
        start = ctx.day - timedelta(days=ctx.rng.randrange(1, notice_days))
    else:
        start = r.created_at.date() + timedelta(days=5)
    when = r.created_at
    for step in path:
        when = ctx.at(start) if step == "notice" else when + timedelta(days=2)
        if step == "list":
            when = ctx.at(start + timedelta(days=notice_days))
            r.listed_at = when
        if step == "object":  # the day the notice paused (below), not after today
            when = datetime.combine(ctx.day - timedelta(days=1), time(16, 0), tzinfo=TZ)
        frm, to = states[step]
        reason = {"return": "请补充技术成熟度佐证材料", "withdraw": "许可人决定暂不开放试用",
                  "object": "收到异议，公示暂停"}.get(step, "")
        ctx.add(ApprovalStep(id=ctx.uid(), result_id=r.id, action=step, from_status=frm, to_status=to,
                               actor_id=officer.id, actor_name=officer.display_name, reason=reason,
                               created_at=when, updated_at=when))
        ctx.audit(f"result.{step}", "result", r.id, r.city_code, when, officer)
    if "notice" in path:
        state = {"notice": "running", "paused": "paused"}.get(r.status, "ended")
        notice = PublicNotice(id=ctx.uid(), result_id=r.id, city_code=r.city_code, days=notice_days,
                              start_date=start, end_date=start + timedelta(days=notice_days), state=state)
        if state == "paused":
            notice.paused_on = ctx.day - timedelta(days=1)
            notice.remaining_days = max(1, (notice.end_date - notice.paused_on).days)
        ctx.add(notice)
        if state == "paused" or ctx.rng.random() < 0.05:
            ctx.add(Objection(
                id=ctx.uid(), result_id=r.id, notice_id=notice.id, city_code=r.city_code,
                objector_name=ctx.rng.choice(names.PEOPLE), objector_contact="0571-8888" + f"{ctx.rng.randrange(10**4):04d}",
                reason="认为该成果与本单位在先专利存在权属争议",
                status="open" if state == "paused" else "dismissed",
                resolution="" if state == "paused" else "经核实权属清晰，异议不成立",
                resolved_by=None if state == "paused" else officer.id,
                resolved_at=None if state == "paused" else when))


def _listed(ctx: Ctx, city: str | None = None) -> list[Result]:
    return [r for r in ctx.results if r.status == "listed" and (city is None or r.city_code == city)]


def _matching(ctx: Ctx) -> None:
    rng = ctx.rng
    stages = ["contacted"] * 4 + ["interested"] * 3 + ["pilot"] * 2 + ["trial"] * 3 + ["converted"] * 2 + ["dropped"] * 2
    for c in cities():
        ents = ctx.enterprises[c.code]
        agency = ctx.agencies[c.code][0]
        op = ctx.operators[c.code]
        demand_fields = [f for f in texts.DEMANDS][int(c.code[2:4]) % 3::2]
        for j, fld in enumerate(demand_fields[:6]):
            title, desc = texts.DEMANDS[fld][j % len(texts.DEMANDS[fld])]
            low = Decimal(rng.choice([5, 10, 20, 30])) * 10000
            d = Demand(id=ctx.uid(), enterprise_org_id=ents[j % len(ents)].id, city_code=c.code,
                       county_code=ents[j % len(ents)].county_code, title=title, description=desc, field=fld,
                       budget_min=low, budget_max=low * 3, wanted_by=ctx.day + timedelta(days=rng.randrange(30, 240)),
                       cooperation=rng.choice(["trial", "trial,licence", "transfer", "joint,pilot"]),
                       status=rng.choice(["open", "open", "matched"]), created_by=op.id,
                       created_at=ctx.at(ctx.day - timedelta(days=rng.randrange(5, 300))))
            ctx.add(d)
            ctx.audit("demand.create", "demand", d.id, c.code, d.created_at, op)
            pool = [r for r in _listed(ctx) if r.field == fld] or _listed(ctx)
            for k in range(rng.randint(1, 3)):
                r = pool[(j + k) % len(pool)]
                stage = rng.choice(stages)
                contact = ctx.day - timedelta(days=rng.randrange(3, 200))
                m = Match(id=ctx.uid(), demand_id=d.id, result_id=r.id, enterprise_org_id=d.enterprise_org_id,
                          agency_id=agency.id, city_code=c.code, channel=rng.choice(["hub", "visit", "phone", "online", "roadshow"]),
                          contact_date=contact, people=f"{op.display_name}、{rng.choice(names.PEOPLE)}",
                          notes="企业对试用条件感兴趣，约定下次带技术人员面谈",
                          next_follow_up=None if stage in ("converted", "dropped") else ctx.day + timedelta(days=rng.randrange(-10, 30)),
                          stage=stage, drop_reason=rng.choice(["price", "fit", "timing"]) if stage == "dropped" else None,
                          created_by=op.id, created_at=ctx.at(contact))
                ctx.add(m)
                ctx.matches.append(m)
                ctx.audit("match.create", "match_record", m.id, c.code, m.created_at, op)
    ctx.flush()


def _roadshows(ctx: Ctx) -> None:
    rng = ctx.rng
    themes = ["new_materials", "digital", "biomedicine", "high_end_equipment", "new_energy", "agriculture"]
    for c in cities():
        agency = ctx.agencies[c.code][0]
        op = ctx.operators[c.code]
        plan = [("closed", -40), ("published", 5), ("draft", 30)] if c.code in ("330100", "330200") else [("published", 10), ("closed", -60)]
        for n, (status, offset) in enumerate(plan):
            theme = themes[(n + int(c.code[2:4])) % len(themes)]
            start = datetime.combine(ctx.day + timedelta(days=offset), time(14, 0), tzinfo=TZ)
            show = Roadshow(id=ctx.uid(), title=f"{names.CITY_SHORT[c.code]}“先用后转”{ {'new_materials': '新材料', 'digital': '数字经济', 'biomedicine': '生物医药', 'high_end_equipment': '高端装备', 'new_energy': '新能源', 'agriculture': '现代农业'}[theme]}专场路演",
                            theme_field=theme, starts_at=start, ends_at=start + timedelta(hours=3),
                            venue=f"{c.name_zh}科技大市场路演厅", city_code=c.code, agency_id=agency.id,
                            status=status, created_by=op.id, created_at=min(start - timedelta(days=20), ctx.at(ctx.day - timedelta(days=1))),
                            description="遴选成果池中适合先用后转的成果，面向本地中小企业现场推介。")
            ctx.add(show)
            ctx.audit("roadshow.create", "roadshow", show.id, c.code, show.created_at, op)
            listed = [r for r in _listed(ctx) if r.field == theme] or _listed(ctx, c.code) or _listed(ctx)
            items = []
            for pos, r in enumerate(listed[: rng.randint(4, 7)]):
                slot = start + timedelta(minutes=15 * pos)
                item = RoadshowItem(id=ctx.uid(), roadshow_id=show.id, result_id=r.id, position=pos + 1,
                                    presenter_name=rng.choice(names.PEOPLE), slot_start=slot,
                                    slot_end=slot + timedelta(minutes=15), token=secrets.token_urlsafe(24))
                ctx.add(item)
                items.append((item, r))
            if status == "draft":
                continue
            for e_no, ent in enumerate(ctx.enterprises[c.code][:5]):
                ctx.add(RoadshowAttendance(id=ctx.uid(), roadshow_id=show.id, enterprise_org_id=ent.id,
                                             company_name=ent.name, credit_code=ent.credit_code,
                                             present=status == "closed" and e_no < 4))
                item, r = items[e_no % len(items)]
                if status == "closed" or e_no < 2:
                    ctx.add(Intent(id=ctx.uid(), result_id=r.id, roadshow_id=show.id, roadshow_item_id=item.id,
                                     city_code=c.code, source="roadshow", company_name=ent.name, credit_code=ent.credit_code,
                                     contact_person=ent.contact_name or "联系人", phone=ent.contact_phone or "13800000000",
                                     wants=rng.choice(["trial", "pilot", "info", "trial,pilot"]),
                                     enterprise_org_id=ent.id, created_at=start + timedelta(minutes=30)))
    ctx.flush()


def _pilot(ctx: Ctx) -> None:
    rng = ctx.rng
    statuses = ["requested", "confirmed", "in_progress", "done", "done", "cancelled"]
    for c in cities():
        op = ctx.operators[c.code]
        for name, caps, resources in names.PLATFORMS[c.code]:
            host = ctx.licensors[c.code][0]
            platform = PilotPlatform(id=ctx.uid(), name=name, host_org_id=host.id, city_code=c.code,
                                     county_code=host.county_code, capabilities=caps,
                                     tags=",".join(caps.replace("、", ",").split(",")[:3]),
                                     opening_hours="周一至周五 8:30–17:30", contact_name=rng.choice(names.PEOPLE),
                                     contact_phone=f"0{rng.randrange(570, 580)}-8{rng.randrange(10**6):06d}")
            ctx.add(platform)
            for res_name, capacity, price in resources:
                res = PilotResource(id=ctx.uid(), platform_id=platform.id, name=res_name, capacity=capacity,
                                    price_per_day=Decimal(price))
                ctx.add(res)
                # bookings never exceed capacity: one lane per capacity slot, ranges do not overlap
                for lane in range(capacity):
                    cursor = ctx.day - timedelta(days=40 - lane * 3)
                    for _ in range(5):
                        length = rng.randint(2, 8)
                        start, end = cursor, cursor + timedelta(days=length - 1)
                        cursor = end + timedelta(days=rng.randint(2, 10))
                        if end < ctx.day:
                            status = "done"
                        elif start <= ctx.day:
                            status = "in_progress"
                        else:
                            status = rng.choice(statuses[:2])
                        if rng.random() < 0.1:
                            status = "cancelled"
                        ent = rng.choice(ctx.enterprises[c.code])
                        r = rng.choice(_listed(ctx, c.code) or _listed(ctx))
                        b = PilotBooking(id=ctx.uid(), reference=ctx.number("booking", c.code, start.year),
                                         resource_id=res.id, platform_id=platform.id, city_code=c.code,
                                         enterprise_org_id=ent.id, result_id=r.id, start_date=start, end_date=end,
                                         status=status, created_by=op.id, created_at=ctx.at(start - timedelta(days=7)),
                                         outcome="样品性能达到合同约定指标，建议进入试用" if status == "done" else "",
                                         cancel_reason="企业调整排产计划" if status == "cancelled" else "",
                                         finished_on=end if status == "done" else None)
                        ctx.add(b)
                        if status == "done":
                            r.last_pilot_on = max(r.last_pilot_on or end, end)
                _pilot_history(ctx, res, platform, op)
    ctx.flush()


def _pilot_history(ctx: Ctx, res: PilotResource, platform: PilotPlatform, op: UserAccount) -> None:
    """About eleven months of finished pilot runs before the current window, so that the utilization
    chart has a trend. A generator of its own keeps every other section's data unchanged."""
    rng = random.Random(f"pilot-history-{res.name}-{platform.city_code}")
    listed = _listed(ctx, platform.city_code) or _listed(ctx)
    for lane in range(res.capacity):  # lane ranges end before the window above begins (day - 40)
        cursor = ctx.day - timedelta(days=330 - lane * 5 - rng.randint(0, 6))
        while True:
            start = cursor
            end = start + timedelta(days=rng.randint(3, 12) - 1)
            if end >= ctx.day - timedelta(days=42):
                break
            cursor = end + timedelta(days=rng.randint(1, 9))
            status = "cancelled" if rng.random() < 0.12 else "done"
            r = rng.choice(listed)
            b = PilotBooking(id=uuid.UUID(int=rng.getrandbits(128), version=4),
                             reference=ctx.number("booking", platform.city_code, start.year), resource_id=res.id,
                             platform_id=platform.id, city_code=platform.city_code,
                             enterprise_org_id=rng.choice(ctx.enterprises[platform.city_code]).id,
                             result_id=r.id, start_date=start, end_date=end, status=status, created_by=op.id,
                             created_at=datetime.combine(start - timedelta(days=10), time(9), tzinfo=TZ),
                             outcome=rng.choice(PILOT_OUTCOMES) if status == "done" else "",
                             cancel_reason="企业调整排产计划" if status == "cancelled" else "",
                             finished_on=end if status == "done" else None)
            ctx.add(b)
            if status == "done":
                r.last_pilot_on = max(r.last_pilot_on or end, end)
                ctx.add(ApprovalStep(id=uuid.UUID(int=rng.getrandbits(128), version=4), result_id=r.id,
                                     action="pilot_done", from_status=r.status, to_status=r.status,
                                     actor_id=op.id, actor_name=op.display_name,
                                     reason=f"{end.isoformat()} {platform.name}: {b.outcome}",
                                     created_at=datetime.combine(end, time(17), tzinfo=TZ)))


PILOT_OUTCOMES = (
    "样品性能达到合同约定指标，建议进入试用",
    "工艺放大至中试规模，收率稳定，建议小批量试产",
    "可靠性测试通过 500 小时，发现封装应力问题已整改",
    "关键参数未达预期，需改进后再次验证",
)


def _contracts(ctx: Ctx) -> None:
    rng = ctx.rng
    insurers = [o for o in ctx.orgs.values() if o.kind == "insurer"]
    template = ctx.s.exec(select(ContractTemplate).where(ContractTemplate.kind == "trial")).first()
    # the voucher refund rate each city set in _policy (Ningbo refunds 90 %, the others the 80 % floor)
    rates = {p.region_code: Decimal(p.data["voucher_refund_rate"]) for p in ctx.s.exec(select(PolicyVersion)).all()
             if "voucher_refund_rate" in p.data}
    seq = 0
    for c in cities():
        agency = ctx.agencies[c.code][0]
        op = ctx.operators[c.code]
        listed = _listed(ctx, c.code) or _listed(ctx)
        n_trials = 18 if c.code == "330100" else 8
        for k in range(n_trials):
            seq += 1
            r = listed[k % len(listed)]
            ent = ctx.enterprises[c.code][k % len(ctx.enterprises[c.code])]
            # a spread of states: running (some ending within 30 days), extended, converted, terminated, expired
            plan = ["ending", "running", "running", "extended", "converted", "converted", "terminated", "expired", "ending"][k % 9]
            if plan == "ending":
                end = ctx.day + timedelta(days=rng.randint(2, 28))
            elif plan in ("running", "extended"):
                end = ctx.day + timedelta(days=rng.randint(40, 200))
            else:
                end = ctx.day - timedelta(days=rng.randint(5, 300))
            start = end - timedelta(days=30 * r.trial_months)
            status = {"ending": "active", "running": "active", "extended": "extended", "converted": "converted",
                      "terminated": "terminated", "expired": "expired"}[plan]
            trial = Contract(id=ctx.uid(), kind="trial", licence_type="ordinary", result_id=r.id,
                             licensor_org_id=r.owner_org_id, licensee_org_id=ent.id, agency_id=agency.id,
                             city_code=c.code, number=f"XYSY-{c.code[:4]}-{start.year}-{seq:04d}",
                             start_date=start, end_date=end, original_end_date=end - timedelta(days=90) if plan == "extended" else end,
                             fee=Decimal("0"), status=status, template_id=template.id if template else None,
                             status_reason={"extended": "中试验证需延长三个月", "terminated": "企业产品线调整"}.get(plan, ""),
                             termination_reason="enterprise_change" if plan == "terminated" else None,
                             signing_date=start, created_by=op.id, created_at=ctx.at(start))
            ctx.add(trial)
            ctx.trials.append(trial)
            ctx.audit("contract.create_trial", "contract", trial.id, c.code, trial.created_at, op)
            if plan == "converted":
                seq += 1
                amount = Decimal(rng.choice([18, 25, 40, 60, 80, 120, 200])) * 10000
                signed = end - timedelta(days=rng.randint(0, 20))
                deal = Contract(id=ctx.uid(), kind=rng.choice(["paid_licence", "transfer"]), licence_type="ordinary",
                                result_id=r.id, licensor_org_id=r.owner_org_id, licensee_org_id=ent.id,
                                agency_id=agency.id, city_code=c.code, parent_trial_id=trial.id,
                                number=f"XYZH-{c.code[:4]}-{signed.year}-{seq:04d}", start_date=signed,
                                deal_amount=amount, signing_date=signed, payment_terms="签约后30日内支付50%，验收后支付余款",
                                status="active", created_by=op.id, created_at=ctx.at(signed))
                ctx.add(deal)
                ctx.deals.append(deal)
                ctx.audit("contract.convert", "contract", deal.id, c.code, deal.created_at, op)
            if k % 3 == 0:
                premium = Decimal(rng.choice([3000, 5000, 8000, 12000]))
                policy = InsurancePolicy(id=ctx.uid(), contract_id=trial.id, insurer_org_id=rng.choice(insurers).id,
                                         city_code=c.code, policy_number=f"PZJ{start:%Y%m%d}{seq:05d}",
                                         product="科技成果“先用后转”试用险", premium=premium, coverage=premium * 50,
                                         start_date=start, end_date=end)
                ctx.add(policy)
                voucher_amount = Decimal(20000)
                rate = rates.get(c.code, Decimal("0.80"))
                spent = (premium * rate).quantize(Decimal("0.01"))
                voucher = Voucher(id=ctx.uid(), code=ctx.number("voucher", c.code, (start - timedelta(days=30)).year), enterprise_org_id=ent.id,
                                  city_code=c.code, county_code=ent.county_code, amount=voucher_amount,
                                  balance=voucher_amount - spent, issued_on=start - timedelta(days=30),
                                  expires_on=start + timedelta(days=730))
                ctx.add(voucher)
                red = VoucherRedemption(id=ctx.uid(), voucher_id=voucher.id, policy_id=policy.id,
                                        redeemed_by_org_id=policy.insurer_org_id if k % 2 else ent.id,
                                        city_code=c.code, amount=spent, rate=rate,
                                        redeemed_at=ctx.at(start + timedelta(days=5)))
                ctx.add(red)
                ctx.redemptions.append(red)
            if c.code == "330100" and k in (1, 2):
                # one dispute still open (the trial is marked disputed), one resolved with who and why
                resolved = k == 2
                if not resolved:
                    trial.status = "disputed"
                ctx.add(Objection(id=ctx.uid(), contract_id=trial.id, city_code=c.code, objector_name="周某（第三方企业）",
                                  objector_contact="13905710000", reason="认为该成果与本公司在先专利存在权利冲突",
                                  status="dismissed" if resolved else "open",
                                  resolved_by=op.id if resolved else None,
                                  resolved_at=ctx.at(start + timedelta(days=20)) if resolved else None,
                                  resolution="经比对权利要求，不构成冲突，异议不成立" if resolved else "",
                                  created_at=ctx.at(start + timedelta(days=10))))
    ctx.flush()


# how far each step of a claim's review comes after its creation (days), by the status it reached
_CLAIM_STEPS = {"submitted": ("submitted",), "reviewed": ("submitted", "reviewed"),
                "approved": ("submitted", "reviewed", "decided"), "rejected": ("submitted", "reviewed", "decided"),
                "paid": ("submitted", "reviewed", "decided", "paid")}
_CLAIM_DAYS = {"submitted": 1, "reviewed": 4, "decided": 8, "paid": 15}


def _stamp_claim(ctx: Ctx, claim: FeeClaim, created: datetime) -> FeeClaim:
    """Fill the times and people of the steps claim's status says it went through (a claim marked
    已拨付 was submitted, reviewed and approved first), none after today. No random draws: the
    demo's other records stay as they were."""
    steps = _CLAIM_STEPS.get(claim.status, ())
    if steps:  # a claim reviewed or paid by today was made long enough ago for its steps
        latest = datetime.combine(ctx.day, time(9, 0), tzinfo=TZ)
        created = min(created, latest - timedelta(days=_CLAIM_DAYS[steps[-1]] + 1))
    claim.created_at = created
    reviewer = ctx.operators[claim.city_code].id
    for step in steps:
        when = created + timedelta(days=_CLAIM_DAYS[step], hours=1)
        if step == "submitted":
            claim.submitted_at = when
        elif step == "reviewed":
            claim.reviewed_at, claim.reviewed_by = when, reviewer
        elif step == "decided":
            claim.decided_at, claim.decided_by = when, reviewer
        elif claim.paid_on is None or claim.paid_on < when.date():
            claim.paid_on = when.date()
    return claim


def _claims(ctx: Ctx) -> None:
    rng = ctx.rng
    year = ctx.day.year
    statuses = ["draft", "submitted", "reviewed", "approved", "rejected", "paid", "paid"]
    for c in cities():
        for kind, amount in (("service_fee", 500000), ("voucher_refund", 300000), ("operating_subsidy", 1000000)):
            ctx.add(Budget(id=ctx.uid(), region_code=c.code, city_code=c.code, year=year, kind=kind,
                             amount=Decimal(amount) * (2 if c.code == "330100" else 1)))
        first_county = counties(c.code)[0]
        ctx.add(Budget(id=ctx.uid(), region_code=first_county.code, city_code=c.code, year=year,
                         kind="operating_subsidy", amount=Decimal(200000)))
    n = 0
    for deal in ctx.deals:
        n += 1
        rate = Decimal("0.06") if deal.city_code == "330100" else Decimal("0.05")
        status = statuses[n % len(statuses)]
        claim = FeeClaim(id=ctx.uid(), reference=ctx.number("claim", deal.city_code, year), kind="service_fee", agency_id=deal.agency_id, city_code=deal.city_code,
                         budget_region_code=deal.city_code, budget_year=year, contract_id=deal.id,
                         basis_amount=deal.deal_amount, rate=rate,
                         amount=(deal.deal_amount * rate).quantize(Decimal("0.01")), status=status,
                         justification="促成先用后转成果转化，按合作金额计提服务费",
                         reject_reason="佐证材料不全" if status == "rejected" else "",
                         paid_on=ctx.day - timedelta(days=rng.randrange(1, 60)) if status == "paid" else None,
                         payment_ref=f"ZF{year}{n:05d}" if status == "paid" else "",
                         created_by=ctx.operators[deal.city_code].id)
        _stamp_claim(ctx, claim, ctx.at(deal.signing_date + timedelta(days=10)))
        ctx.add(claim)
        ctx.audit("claim.create", "fee_claim", claim.id, deal.city_code, claim.created_at, ctx.operators[deal.city_code])
        if status == "paid":
            ctx.add(PointsEvent(id=ctx.uid(), agency_id=deal.agency_id, user_id=ctx.operators[deal.city_code].id,
                                  city_code=deal.city_code, kind="conversion", points=10, entity="contract",
                                  entity_id=str(deal.id), occurred_on=deal.signing_date))
    for red in ctx.redemptions[::2]:
        n += 1
        agency = ctx.agencies[red.city_code][0]
        ctx.add(_stamp_claim(ctx, FeeClaim(
            id=ctx.uid(), reference=ctx.number("claim", red.city_code, year), kind="voucher_refund", agency_id=agency.id,
            city_code=red.city_code, budget_region_code=red.city_code, budget_year=year, redemption_id=red.id,
            basis_amount=red.amount, amount=red.amount, status=statuses[n % len(statuses)],
            justification="创新券兑付试用保险保费", created_by=ctx.operators[red.city_code].id),
            red.redeemed_at + timedelta(days=5)))
    for c in cities():
        agency = ctx.agencies[c.code][0]
        ctx.add(_stamp_claim(ctx, FeeClaim(
            id=ctx.uid(), reference=ctx.number("claim", c.code, year), kind="operating_subsidy", agency_id=agency.id,
            city_code=c.code, budget_region_code=c.code, budget_year=year, programme=f"{c.name_zh}先用后转运营经费补贴",
            period_start=date(year, 1, 1), period_end=date(year, 6, 30),
            amount=Decimal(rng.choice([80000, 120000, 150000])), status=rng.choice(["submitted", "approved", "paid"]),
            justification="上半年组织路演、中试与撮合服务", created_by=ctx.operators[c.code].id),
            datetime.combine(date(year, 7, 6), time(10, 0), tzinfo=TZ)))
        for m in [m for m in ctx.matches if m.city_code == c.code][:4]:
            ctx.add(PointsEvent(id=ctx.uid(), agency_id=agency.id, user_id=ctx.operators[c.code].id, city_code=c.code,
                                  kind="match_recorded", points=1, entity="match_record", entity_id=str(m.id),
                                  occurred_on=m.contact_date))
    ctx.flush()
