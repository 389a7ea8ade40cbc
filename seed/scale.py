"""Province-scale data: a deterministic, believable data set in every table, in proportion.

`generate(results=N)` yields (table, columns, rows) in foreign-key order; `load()` writes them in
one transaction through seed.bulk. For N results there are about N/2 demands, 3N/2 match records,
N/2 intents, N/4 pilot bookings, N/2 contracts (3/4 trials, 1/4 paid deals converted from them),
N/4 fee claims and an audit entry for each record an operator created, spread over 11 cities
(weighted like the demo data) and the four years before `as_of`, with more in recent years.

Same seed and same as_of → the same rows, byte for byte: every section draws from its own
random.Random seeded by a string (stable across Python versions and processes).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from portal.contracts.texts import DEFAULT_TRIAL_TEMPLATE
from portal.core import numbering
from portal.core.regions import PROVINCE_CODE, cities, counties
from portal.core.validation import credit_check_char, patent_check_char
from seed import names, texts
from seed.demo import CITY_WEIGHTS, DEMO_ACCOUNTS, DEMO_PASSWORD

Rows = list[tuple]
YEARS = 4
RECORD = ("id", "created_at", "updated_at")
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
TIMES = [f" {h:02d}:{m:02d}:00.000000" for h in range(1, 10) for m in range(0, 60, 3)]  # 09–17 local
FIELDS = list(texts.RESULTS)
PAIRS = [(f, item) for f, items in texts.RESULTS.items() for item in items]
VARIANTS = ["", "（改进型）", "（第二代）", "及其应用", "（产业化版）", "（低成本型）", "的优化方法",
            "（模块化）", "（智能版）", "系统集成方案", "（绿色工艺）", "（小型化）"]
ORG_SUFFIX = {"university": ["大学", "学院", "职业技术学院"], "institute": ["研究院", "研究所", "工程技术研究中心"],
              "medical": ["人民医院", "中医院", "妇幼保健院"], "rnd": ["创新研究院", "产业技术研究院", "实验室"]}
CITY_LATIN = {c: n for c, n in zip(names.CITY_SHORT, ["hz", "nb", "wz", "jx", "hu", "sx", "jh", "qz", "zs", "tz", "ls"],
                                   strict=True)}


def sizes(results: int) -> dict[str, int]:
    """How many rows of the main tables a data set of `results` results has."""
    n = max(results, 22)
    return {"results": n, "demands": n // 2, "matches": 3 * n // 2, "intents": n // 2,
            "bookings": n // 4, "contracts": n // 2, "trials": 3 * n // 8, "roadshows": max(11, n // 200),
            "licensors": max(22, n // 200), "enterprises": max(77, n // 5), "platforms": max(11, n // 2000)}


def hexid(rng: random.Random) -> str:
    """A version-4 UUID as 32 hex digits (how SQLAlchemy stores Uuid on SQLite; PostgreSQL reads it too)."""
    v = rng.getrandbits(128) & ~(0xF << 76) & ~(0xC << 60) | (4 << 76) | (0x8 << 60)
    return f"{v:032x}"


def dashed(h: str) -> str:
    """The usual 8-4-4-4-12 spelling (audit entries keep ids as text)."""
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _enc(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 31)
        out.append(CREDIT_CHARSET[r])
    return "".join(reversed(out))


@dataclass
class World:
    """What later sections need from earlier ones (indexes into parallel lists)."""

    seed: int
    as_of: date
    only_city: str | None = None  # a single city's own database (what a city sends to the roll-up)
    start: date = field(init=False)
    span: int = field(init=False)
    days: list[str] = field(default_factory=list)
    credit_seq: int = 0
    numbers: dict[tuple[str, str, int], int] = field(default_factory=dict)  # (series, city, year) → last
    lic: dict[str, list[tuple[str, str, int | None]]] = field(default_factory=dict)  # city → (id, county, max)
    ent: dict[str, list[tuple[str, str, str, str]]] = field(default_factory=dict)  # city → (id, county, name, credit)
    ent_all: list[tuple[str, str]] = field(default_factory=list)  # (id, city)
    agencies: dict[str, list[str]] = field(default_factory=dict)
    agency_org: dict[str, str] = field(default_factory=dict)
    operator: dict[str, tuple[str, str]] = field(default_factory=dict)  # city → (user id, username)
    agency_operator: dict[str, tuple[str, str]] = field(default_factory=dict)
    insurers: list[str] = field(default_factory=list)
    template_id: str = ""
    resources: list[tuple[str, str, str, int]] = field(default_factory=list)  # (id, platform, city, capacity)
    # results
    r_id: list[str] = field(default_factory=list)
    r_city: list[str] = field(default_factory=list)
    r_owner: list[str] = field(default_factory=list)
    r_field: list[str] = field(default_factory=list)
    r_months: list[int] = field(default_factory=list)
    r_max: list[int | None] = field(default_factory=list)
    listed: list[int] = field(default_factory=list)
    listed_by_city: dict[str, list[int]] = field(default_factory=dict)
    listed_by_field: dict[str, list[int]] = field(default_factory=dict)
    # matching
    items: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)  # roadshow → (item id, ...)
    roadshow_city: dict[str, tuple[str, int]] = field(default_factory=dict)  # roadshow → (city, day)
    demand: list[tuple[str, str, str, str]] = field(default_factory=list)  # (id, city, enterprise, field)
    intents: list[tuple[str, str, str, int, str]] = field(default_factory=list)  # (id, city, roadshow, result, ent)
    trial_matches: list[tuple[str, int, str, str]] = field(default_factory=list)  # (match, result, ent, city)
    deals: list[tuple[str, str, str, str, int, int]] = field(default_factory=list)  # (id, city, agency, signed, fen, year)
    redemptions: list[tuple[str, str, int, str, int]] = field(default_factory=list)  # (id, city, fen, day, year)
    audit: list[tuple] = field(default_factory=list)

    def number(self, kind: str, city: str, year: int) -> str:
        """The next document number of kind for city's year (the counters start after them)."""
        key = (kind, city, year)
        self.numbers[key] = self.numbers.get(key, 0) + 1
        return numbering.number(kind, city, year, self.numbers[key])

    def __post_init__(self) -> None:
        self.start = self.as_of.replace(year=self.as_of.year - YEARS)
        self.span = (self.as_of - self.start).days
        base = self.start - timedelta(days=3000)
        self.days = [(base + timedelta(days=k)).isoformat() for k in range(3000 + self.span + 1500)]

    def cities(self) -> list:
        return [c for c in cities() if self.only_city in (None, c.code)]

    def day(self, k: int) -> str:
        """Day k after the start of the data set (may be negative or in the future), ISO."""
        return self.days[k + 3000]

    def ts(self, k: int, rng: random.Random) -> str:
        """A working-hours timestamp on day k, as stored (UTC)."""
        return self.days[k + 3000] + TIMES[int(rng.random() * len(TIMES))]

    def year(self, k: int) -> int:
        return int(self.days[k + 3000][:4])

    def rng(self, section: str) -> random.Random:
        return random.Random(f"{self.seed}/{self.only_city or 'province'}/{section}")

    def credit(self, county: str, kind: str) -> str:
        self.credit_seq += 1
        head = "91" if kind in ("enterprise", "insurer", "platform") else "12"
        body = head + county + _enc(self.credit_seq, 9)
        return body + credit_check_char(body)

    def log(self, action: str, entity: str, entity_hex: str, city: str, at: str) -> None:
        user_id, username = self.operator[city]
        self.audit.append((action, entity, dashed(entity_hex), city, at, user_id, username))


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def _city_weights(w: World) -> tuple[list[str], list[int]]:
    codes = [c.code for c in w.cities()]
    return codes, [CITY_WEIGHTS[c] for c in codes]


def _share(w: World, total: int, floor: int) -> dict[str, int]:
    codes, weights = _city_weights(w)
    w = sum(weights)
    return {c: max(floor, round(total * wt / w)) for c, wt in zip(codes, weights, strict=True)}


# --- organizations, agencies, users, policy --------------------------------------------------
ORG_COLS = RECORD + ("name", "kind", "credit_code", "city_code", "county_code", "size", "contact_name",
                     "contact_phone", "max_trial_licensees")


def _organizations(w: World, n: int) -> Iterator[tuple[str, tuple, Rows]]:
    rng = w.rng("organizations")
    sz = sizes(n)
    orgs: Rows = []
    agency_rows: Rows = []
    stamp = w.ts(0, rng)
    lic_share, ent_share = _share(w, sz["licensors"], 2), _share(w, sz["enterprises"], 7)
    kinds = ["university", "institute", "institute", "medical", "rnd"]
    for c in w.cities():
        cty = [x.code for x in counties(c.code)]
        short = names.CITY_SHORT[c.code]
        w.lic[c.code] = []
        known = names.LICENSORS[c.code]
        for i in range(max(lic_share[c.code], len(known))):
            if i < len(known):
                name, kind, county = known[i]
            else:
                kind = kinds[i % len(kinds)]
                county = rng.choice(cty)
                name = f"{short}{rng.choice(names.ENTERPRISE_WORDS)}{rng.choice(ORG_SUFFIX[kind])}"
            oid, cap = hexid(rng), rng.choice([None, None, 3, 5, 10])
            orgs.append((oid, stamp, stamp, name, kind, w.credit(county, kind), c.code, county, None,
                         rng.choice(names.PEOPLE), _phone(rng), cap))
            w.lic[c.code].append((oid, county, cap))
        w.ent[c.code] = []
        for i in range(ent_share[c.code]):
            fld = FIELDS[(i + int(c.code[2:4])) % len(FIELDS)]
            a, b = rng.sample(names.ENTERPRISE_WORDS, 2)
            name = f"{short}{a}{b}{names.ENTERPRISE_INDUSTRY[fld]}有限公司"
            if c.code == "330100" and i == 0:
                name = "杭州恒拓智能科技有限公司"  # the demo enterprise account's company
            county, oid = rng.choice(cty), hexid(rng)
            credit = w.credit(county, "enterprise")
            created = w.ts(rng.randrange(w.span), rng)
            orgs.append((oid, created, created, name, "enterprise", credit, c.code, county,
                         rng.choice(["micro", "small", "small", "small", "medium"]), rng.choice(names.PEOPLE),
                         _phone(rng), None))
            w.ent[c.code].append((oid, county, name, credit))
            w.ent_all.append((oid, c.code))
        extra = round(n * CITY_WEIGHTS[c.code] / 23 / 25000)
        agency_names = names.AGENCIES[c.code] + [f"{short}{x.name_zh}科技成果转化服务站" for x in counties(c.code)[:extra]]
        w.agencies[c.code] = []
        for name in agency_names:
            county = rng.choice(cty)
            oid, aid = hexid(rng), hexid(rng)
            person, phone = rng.choice(names.PEOPLE), _phone(rng)
            orgs.append((oid, stamp, stamp, name, "agency", w.credit(county, "agency"), c.code, county, None,
                         person, phone, None))
            agency_rows.append((aid, stamp, stamp, oid, name, c.code, county, person, phone,
                                f"tt{c.code}@example.gov.cn"))
            w.agencies[c.code].append(aid)
            w.agency_org[aid] = oid
    for name, city in names.INSURERS:
        oid, county = hexid(rng), counties(city)[0].code
        orgs.append((oid, stamp, stamp, name, "insurer", w.credit(county, "insurer"), city, county, None,
                     rng.choice(names.PEOPLE), _phone(rng), None))
        w.insurers.append(oid)
    yield "organization", ORG_COLS, orgs
    yield "agency", RECORD + ("organization_id", "name", "city_code", "county_code", "contact_name",
                              "contact_phone", "email"), agency_rows


def _users(w: World, password_hash: str) -> Iterator[tuple[str, tuple, Rows]]:
    rng = w.rng("users")
    stamp = w.ts(0, rng)
    rows: Rows = []
    by_name = {}
    for city, lst in w.lic.items():
        for (oid, _c, _m), (name, _k, _cty) in zip(lst, names.LICENSORS[city], strict=False):
            by_name[name] = oid
    for lst in w.ent.values():
        by_name.setdefault(lst[0][2], lst[0][0])
    agency_by_name = {}
    for city, ids in w.agencies.items():
        for aid, name in zip(ids, names.AGENCIES[city], strict=False):
            agency_by_name[name] = aid
    for username, display, role, city, binding in DEMO_ACCOUNTS:
        if w.only_city and city != w.only_city:
            continue  # a city's own file has its own people only
        uid = hexid(rng)
        agency = org = None
        if role == "city_operator":
            agency = agency_by_name[binding]
            org = w.agency_org[agency]
            w.agency_operator[agency] = (uid, username)
        elif binding:
            org = by_name[binding]
        rows.append((uid, stamp, stamp, username, display, password_hash, role, city, agency, org,
                     role == "city_operator", None, None, False, None))
    for c in w.cities():
        for k, agency in enumerate(w.agencies[c.code]):
            if agency not in w.agency_operator:
                uid = hexid(rng)
                username = f"op_{CITY_LATIN[c.code]}{k + 1}"
                rows.append((uid, stamp, stamp, username, f"{c.name_zh}运营专员{k + 1}", password_hash,
                             "city_operator", c.code, agency, w.agency_org[agency], k == 0, None, None, False, None))
                w.agency_operator[agency] = (uid, username)
        w.operator[c.code] = w.agency_operator[w.agencies[c.code][0]]
    yield "user_account", RECORD + ("username", "display_name", "password_hash", "role", "city_code",
                                    "agency_id", "organization_id", "is_city_admin", "email", "phone",
                                    "disabled", "last_login_at"), rows


def _policy(w: World) -> Iterator[tuple[str, tuple, Rows]]:
    rng = w.rng("policy")
    stamp = w.ts(0, rng)
    admin = next(iter(w.operator.values()))[0]
    rows = [(hexid(rng), PROVINCE_CODE, 1, json.dumps({"service_fee_floor": "0.05", "voucher_refund_floor": "0.80"}),
             admin, stamp, "《先用后转全面推广实施方案》规定的下限")]
    for c in w.cities():
        data = {"service_fee_rate": "0.06" if c.code == "330100" else "0.05",
                "voucher_refund_rate": "0.90" if c.code == "330200" else "0.80",
                "notice_days": 15, "trial_reminder_days": 30}
        rows.append((hexid(rng), c.code, 1, json.dumps(data, ensure_ascii=False), admin, stamp, "初始设置"))
    yield "policy_version", ("id", "region_code", "version", "data", "changed_by", "changed_at", "reason"), rows
    w.template_id = hexid(rng)
    yield "contract_template", ("id", "city_code", "kind", "version", "title", "body", "created_by", "created_at",
                                "reason"), [(w.template_id, None, "trial", 1, "科技成果“先用后转”普通许可试用合同（示范文本）",
                                             DEFAULT_TRIAL_TEMPLATE, admin, stamp, "省级示范文本")]


def _platforms(w: World, n: int) -> Iterator[tuple[str, tuple, Rows]]:
    rng = w.rng("platforms")
    stamp = w.ts(0, rng)
    plats: Rows = []
    res: Rows = []
    share = _share(w, sizes(n)["platforms"], 1)
    for c in w.cities():
        known = names.PLATFORMS[c.code]
        for i in range(share[c.code]):
            pname, caps, resources = known[i % len(known)]
            if i >= len(known):
                pname = f"{pname}（{counties(c.code)[i % len(counties(c.code))].name_zh}分中心）"
            host_id, county, _cap = rng.choice(w.lic[c.code])
            pid = hexid(rng)
            plats.append((pid, stamp, stamp, pname, host_id, c.code, county, caps,
                          ",".join(caps.replace("、", ",").split(",")[:3]), "周一至周五 8:30–17:30",
                          rng.choice(names.PEOPLE), f"0{rng.randrange(570, 580)}-8{rng.randrange(10**6):06d}"))
            for rname, capacity, price in resources:
                rid = hexid(rng)
                res.append((rid, stamp, stamp, pid, rname, capacity, price * 100))
                w.resources.append((rid, pid, c.code, capacity))
    yield "pilot_platform", RECORD + ("name", "host_org_id", "city_code", "county_code", "capabilities", "tags",
                                      "opening_hours", "contact_name", "contact_phone"), plats
    yield "pilot_resource", RECORD + ("platform_id", "name", "capacity", "price_per_day"), res


# --- the pool --------------------------------------------------------------------------------
RESULT_COLS = RECORD + ("number", "type", "title", "inventors", "owner_org_id", "city_code", "field", "trl",
                        "abstract", "keywords", "summary_plain", "advantages", "fiscally_funded", "grant_date",
                        "exclusion_reason", "trial_months", "max_trial_licensees", "price_guidance", "status", "listed_at", "created_by", "last_pilot_on")
STATUS_AT = RESULT_COLS.index("status")
PATHS = {"draft": (), "submitted": ("submit",), "returned": ("submit", "return"),
         "approved": ("submit", "approve"), "notice": ("submit", "approve", "notice"),
         "paused": ("submit", "approve", "notice", "object"), "listed": ("submit", "approve", "notice", "list"),
         "withdrawn": ("submit", "approve", "notice", "list", "withdraw")}
STATES = {"submit": ("draft", "submitted"), "return": ("submitted", "returned"),
          "approve": ("submitted", "approved"), "notice": ("approved", "notice"), "object": ("notice", "paused"),
          "list": ("notice", "listed"), "withdraw": ("listed", "withdrawn")}
REASONS = {"return": "请补充技术成熟度佐证材料", "withdraw": "许可人决定暂不开放试用", "object": "收到异议，公示暂停"}
OLD_STATUS = ["listed"] * 86 + ["withdrawn"] * 6 + ["draft"] * 3 + ["returned"] * 3 + ["submitted"] * 2


def _status(age: int, rng: random.Random) -> str:
    if age < 3:
        return rng.choice(["draft", "draft", "submitted"])
    if age < 6:
        return rng.choice(["submitted", "returned", "approved"])
    if age < 21:
        return "paused" if rng.random() < 0.06 else "notice"
    return OLD_STATUS[int(rng.random() * len(OLD_STATUS))]


def _results(w: World, n: int) -> Rows:
    """The results' rows (held back until the pilot bookings set last_pilot_on)."""
    rng = w.rng("results")
    codes, weights = _city_weights(w)
    city_of = rng.choices(codes, weights=weights, k=n)
    types = ["invention"] * 6 + ["utility_model"] * 2 + ["software", "design", "ic_layout", "other"]
    titles = {(f, t, v): t + v for f, items in texts.RESULTS.items() for t, *_ in items for v in VARIANTS}
    # the abstract and the card say what the TRL says: one text per result and TRL, made once
    abstracts = {(it[0], trl): texts.ABSTRACT.format(
        title_tail=f"“{it[0]}”", problem=it[1].split(",")[0] + "应用中的效率与成本", advantage=it[3],
        application=it[2], stage=texts.stage_sentence(trl)) for _f, it in PAIRS for trl in range(3, 9)}
    cards = {(it[0], trl): texts.card_texts(it[0], it[3], trl) for _f, it in PAIRS for trl in range(3, 9)}
    prices = ["转化价格面议", "许可费20–50万元", "转让价100万元起", "按销售额3%提成"]
    rows: Rows = []
    span = w.span
    city_no = {c.code: k for k, c in enumerate(cities())}
    per_city: dict[str, int] = {}
    for i in range(n):
        city = city_of[i]
        owner, _county, cap = rng.choice(w.lic[city])
        fld, (title, keywords, _application, _advantage) = PAIRS[int(rng.random() * len(PAIRS))]
        kind = "plant_variety" if "品种" in title else types[int(rng.random() * len(types))]
        k = int(span * rng.random() ** 0.7)  # more results in recent years
        age = span - k
        status = _status(age, rng)
        grant_k = k - rng.randrange(30, 1500)
        year = w.year(grant_k)
        # serials unique per city (a city's own file and the province's never reuse another city's)
        serial = city_no[city] * 800_000 + per_city.get(city, 0)
        per_city[city] = per_city.get(city, 0) + 1
        if kind in ("invention", "utility_model", "design"):
            digits = f"{year}{ {'invention': 1, 'utility_model': 2, 'design': 3}[kind] }{serial:07d}"
            number = f"{digits}.{patent_check_char(digits)}"
        else:
            number = {"software": f"{year}SR{serial:07d}", "ic_layout": f"BS.{year}{serial:07d}",
                      "plant_variety": f"CNA{year}{serial:07d}"}.get(kind, f"ZJJS-{year}-{serial:07d}")
        funded = rng.random() < 0.45
        created = w.ts(k, rng)
        listed_at = w.ts(k + 20, rng) if status in ("listed", "withdrawn") else None
        updated = listed_at or created
        rid = hexid(rng)
        months = rng.choice((6, 12, 12, 18))
        inventors = "、".join(rng.sample(names.PEOPLE, 3))
        trl = texts.result_trl(title, (rng.randint(3, 8) - 3) % 3 - 1)  # drawn as before: the rest is unchanged
        rows.append((rid, created, updated, number, kind, titles[(fld, title, VARIANTS[i % len(VARIANTS)])],
                     inventors, owner, city, fld, trl, abstracts[(title, trl)], keywords, *cards[(title, trl)],
                     funded, w.day(grant_k),
                     rng.choice(["national_defence", "national_security", "national_interest", "public_interest"])
                     if funded and rng.random() < 0.12 else None,
                     months, cap, prices[i % 4], status, listed_at, w.operator[city][0], None))
        w.r_id.append(rid)
        w.r_city.append(city)
        w.r_owner.append(owner)
        w.r_field.append(fld)
        w.r_months.append(months)
        w.r_max.append(cap)
        if status == "listed":
            w.listed.append(i)
            w.listed_by_city.setdefault(city, []).append(i)
            w.listed_by_field.setdefault(fld, []).append(i)
    if not w.listed:  # a tiny data set still needs something listed
        w.listed.append(0)
    for c in codes:
        w.listed_by_city.setdefault(c, w.listed)
    for f in FIELDS:
        w.listed_by_field.setdefault(f, w.listed)
    return rows


def _history(w: World, rows: Rows) -> Iterator[tuple[str, tuple, Rows]]:
    """Approval steps, public notices and objections consistent with each result's status."""
    rng = w.rng("history")
    steps: Rows = []
    notices: Rows = []
    objections: Rows = []
    base = date.fromisoformat(w.day(0)).toordinal()
    for row in rows:
        rid, created, city, status = row[0], row[1], row[8], row[STATUS_AT]
        k = date.fromisoformat(created[:10]).toordinal() - base
        op_id, op_name = w.operator[city]
        notice_k = k + 5
        when_k = k
        for step in PATHS[status]:
            when_k = notice_k if step == "notice" else (notice_k + 15 if step in ("list", "object") else when_k + 2)
            if step == "object":
                when_k = min(notice_k + 3, w.span)
            if step == "withdraw":
                when_k = min(notice_k + 15 + 200, w.span)
            at = w.ts(when_k, rng)
            frm, to = STATES[step]
            steps.append((hexid(rng), at, at, rid, step, frm, to, op_id, op_name, REASONS.get(step, "")))
        if status in ("notice", "paused", "listed", "withdrawn"):
            state = {"notice": "running", "paused": "paused"}.get(status, "ended")
            nid = hexid(rng)
            at = w.ts(notice_k, rng)
            paused_on = w.day(min(notice_k + 3, w.span)) if state == "paused" else None
            notices.append((nid, at, at, rid, city, 15, w.day(notice_k), w.day(notice_k + 15), state, paused_on,
                            12 if paused_on else None))
            if state == "paused" or rng.random() < 0.02:
                opened = state == "paused"
                objections.append((hexid(rng), at, at, rid, nid, city, rng.choice(names.PEOPLE),
                                   f"0571-8888{rng.randrange(10**4):04d}", "认为该成果与本单位在先专利存在权属争议",
                                   "open" if opened else "dismissed", None if opened else op_id,
                                   None if opened else w.ts(min(notice_k + 6, w.span), rng),
                                   "" if opened else "经核实权属清晰，异议不成立"))
        w.log("result.create", "result", rid, city, created)
    yield "approval_step", RECORD + ("result_id", "action", "from_status", "to_status", "actor_id", "actor_name",
                                     "reason"), steps
    yield "public_notice", RECORD + ("result_id", "city_code", "days", "start_date", "end_date", "state",
                                     "paused_on", "remaining_days"), notices
    yield "objection", RECORD + ("result_id", "notice_id", "city_code", "objector_name", "objector_contact",
                                 "reason", "status", "resolved_by", "resolved_at", "resolution"), objections


def _bookings(w: World, n: int, results: Rows) -> tuple[Rows, Rows]:
    """Pilot bookings laid out lane by lane, so no resource is ever booked over its capacity;
    sets each result's last_pilot_on. Returns (attachments, bookings)."""
    rng = w.rng("bookings")
    total = sizes(n)["bookings"]
    lanes = [(rid, pid, city) for rid, pid, city, cap in w.resources for _ in range(cap)]
    per_lane = -(-total // len(lanes))
    gap = max(1, w.span // per_lane - 6)  # lanes fill the whole span
    rows: Rows = []
    files: Rows = []
    last: dict[int, str] = {}
    for lane_no, (res_id, plat_id, city) in enumerate(lanes):
        cursor = rng.randrange(gap + 1)
        ents = w.ent[city]
        pool = w.listed_by_city[city]
        for _ in range(per_lane):
            if len(rows) >= total:
                break
            length = rng.randint(2, 8)
            start_k, end_k = cursor, cursor + length - 1
            cursor = end_k + 1 + rng.randint(max(1, gap - 3), gap + 3)
            if end_k < w.span:
                status = "done"
            elif start_k <= w.span:
                status = "in_progress"
            else:
                status = rng.choice(("requested", "confirmed"))
            if rng.random() < 0.08:
                status = "cancelled"
            ent_id = rng.choice(ents)[0]
            r = pool[int(rng.random() * len(pool))]
            bid = hexid(rng)
            created = w.ts(max(start_k - 7, 0), rng)
            report = None
            if status == "done":
                prev = last.get(r)
                if prev is None or prev < w.day(end_k):
                    last[r] = w.day(end_k)
                if lane_no % 50 == 0 and len(files) < 2000:  # a few reports kept as files
                    report = hexid(rng)
                    files.append((report, created, created, "pilot_booking", bid, city, "中试报告.pdf",
                                  "application/pdf", 9, b"%PDF-1.4\n", w.operator[city][0]))
            rows.append((bid, created, created, w.number("booking", city, int(w.day(start_k)[:4])), res_id, plat_id, city, ent_id, w.r_id[r], w.day(start_k),
                         w.day(end_k), status, "样品性能达到合同约定指标，建议进入试用" if status == "done" else "",
                         "企业调整排产计划" if status == "cancelled" else "", report,
                         w.day(end_k) if status == "done" else None, w.operator[city][0]))
            w.log("pilot.book", "pilot_booking", bid, city, created)
    for r, day in last.items():
        results[r] = results[r][:-1] + (day,)
    return files, rows


@lru_cache(maxsize=1)
def _search() -> dict[str, Callable]:
    """The search capability's tokenizers, cached per distinct text (the generated texts repeat, so
    200 000 results cost a few hundred jieba calls instead of two minutes); {} without search."""
    from sqlmodel import SQLModel

    tables = SQLModel.metadata.tables
    if "result_terms" not in tables:
        return {}
    try:
        from portal.search import text
        from portal.search.recommend import demand_terms
    except ImportError:
        return {}
    out: dict[str, Callable] = {
        "result": lru_cache(maxsize=None)(lambda t, a, k: text.encode(text.result_terms(t, a, k)))}
    if "terms" in tables["demand"].c:
        out["demand"] = lru_cache(maxsize=None)(demand_terms)
    return out


def _result_terms(w: World, rows: Rows) -> Iterator[tuple[str, tuple, Rows]]:
    """Stored search tokens of every listed result and the index's counter, so that the first
    search on a scale database does not re-tokenize the pool."""
    encode = _search().get("result")
    if encode is None:
        return
    terms: Rows = []
    for row in rows:
        if row[STATUS_AT] == "listed":
            terms.append((row[0], encode(row[5], row[11], row[12]), row[9], row[10], True, len(terms) + 1, row[2]))
    yield "result_terms", ("result_id", "terms", "field", "trl", "listed", "seq", "updated_at"), terms
    yield "search_state", ("id", "seq", "epoch"), [(1, len(terms), hexid(w.rng("search")))]


# --- roadshows, demands, intents, matches --------------------------------------------------------
THEMES = {"new_materials": "新材料", "digital": "数字经济", "biomedicine": "生物医药", "high_end_equipment": "高端装备",
          "new_energy": "新能源", "agriculture": "现代农业", "ai": "人工智能", "environment": "节能环保"}


def _roadshows(w: World, n: int) -> Iterator[tuple[str, tuple, Rows]]:
    rng = w.rng("roadshows")
    shows: Rows = []
    items: Rows = []
    attendance: Rows = []
    share = _share(w, sizes(n)["roadshows"], 1)
    themes = list(THEMES)
    for c in w.cities():
        for j in range(share[c.code]):
            theme = themes[(j + int(c.code[2:4])) % len(themes)]
            k = int(w.span * (j + rng.random()) / share[c.code]) + 30  # spread over time, some ahead
            status = "closed" if k < w.span else rng.choice(("published", "published", "draft"))
            sid = hexid(rng)
            created = w.ts(k - 20, rng)
            hh = "06:00:00.000000"  # 14:00 local
            starts = f"{w.day(k)} {hh}"
            agency = w.agencies[c.code][j % len(w.agencies[c.code])]
            shows.append((sid, created, created, f"{names.CITY_SHORT[c.code]}“先用后转”{THEMES[theme]}专场路演（第{j + 1}期）",
                          theme, starts, f"{w.day(k)} 09:00:00.000000", f"{c.name_zh}科技大市场路演厅", "", c.code,
                          None, agency, status, "遴选成果池中适合先用后转的成果，面向本地中小企业现场推介。",
                          w.operator[c.code][0]))
            w.log("roadshow.create", "roadshow", sid, c.code, created)
            pool = w.listed_by_field[theme]
            chosen = {pool[int(rng.random() * len(pool))] for _ in range(7)}
            w.items[sid] = []
            w.roadshow_city[sid] = (c.code, k)
            for pos, r in enumerate(sorted(chosen)[:6]):
                iid = hexid(rng)
                slot = f"{w.day(k)} {6 + pos // 4:02d}:{(pos % 4) * 15:02d}:00.000000"
                items.append((iid, created, created, sid, w.r_id[r], pos + 1, rng.choice(names.PEOPLE), None, slot,
                              slot, hexid(rng)))
                w.items[sid].append((iid, w.r_id[r], r))
            if status == "draft":
                continue
            ents = w.ent[c.code]
            for e in rng.sample(ents, min(20, len(ents))):
                attendance.append((hexid(rng), created, created, sid, e[0], e[2], e[3], True,
                                   status == "closed" and rng.random() < 0.8))
    yield "roadshow", RECORD + ("title", "theme_field", "starts_at", "ends_at", "venue", "online_link", "city_code",
                                "county_code", "agency_id", "status", "description", "created_by"), shows
    yield "roadshow_item", RECORD + ("roadshow_id", "result_id", "position", "presenter_name", "presenter_user_id",
                                     "slot_start", "slot_end", "token"), items
    yield "roadshow_attendance", RECORD + ("roadshow_id", "enterprise_org_id", "company_name", "credit_code",
                                           "registered", "present"), attendance


def _demands(w: World, n: int) -> Iterator[tuple[str, tuple, Rows]]:
    rng = w.rng("demands")
    rows: Rows = []
    terms = _search().get("demand")
    dfields = list(texts.DEMANDS)
    for _ in range(sizes(n)["demands"]):
        ent_id, city = w.ent_all[int(rng.random() * len(w.ent_all))]
        fld = dfields[int(rng.random() * len(dfields))]
        title, desc = rng.choice(texts.DEMANDS[fld])
        k = int(w.span * rng.random() ** 0.7)
        age = w.span - k
        status = "open" if age < 120 else rng.choice(("matched", "matched", "closed", "open"))
        low = rng.choice((5, 10, 20, 30, 50)) * 10000 * 100
        did = hexid(rng)
        created = w.ts(k, rng)
        row = (did, created, created, ent_id, city, None, title, desc, fld, low, low * 3,
               w.day(k + rng.randrange(60, 300)), rng.choice(("trial", "trial,licence", "transfer", "joint,pilot")),
               status, w.operator[city][0])
        rows.append(row + (terms(title, desc),) if terms else row)
        w.demand.append((did, city, ent_id, fld))
        w.log("demand.create", "demand", did, city, created)
    cols = RECORD + ("enterprise_org_id", "city_code", "county_code", "title", "description", "field",
                     "budget_min", "budget_max", "wanted_by", "cooperation", "status", "created_by")
    yield "demand", cols + (("terms",) if terms else ()), rows


def _intents(w: World, n: int) -> Iterator[tuple[str, tuple, Rows]]:
    rng = w.rng("intents")
    rows: Rows = []
    total = sizes(n)["intents"]
    shows = [s for s, its in w.items.items() if its]
    per_item = max(1, total // 2 // max(1, sum(len(w.items[s]) for s in shows)))
    wants = ("trial", "pilot", "info", "trial,pilot")
    for sid in shows:
        city, show_k = w.roadshow_city[sid]
        ents = w.ent[city]
        for iid, r_hex, r in w.items[sid]:
            for e in rng.sample(ents, min(per_item, len(ents))):
                if len(rows) >= total // 2:
                    break
                xid = hexid(rng)
                created = w.ts(min(show_k, w.span), rng)
                rows.append((xid, created, created, r_hex, sid, iid, city, "roadshow", e[2], e[3], rng.choice(names.PEOPLE),
                             _phone(rng), rng.choice(wants), "", e[0]))
                w.intents.append((xid, city, sid, r, e[0]))
    while len(rows) < total:
        city = w.ent_all[int(rng.random() * len(w.ent_all))][1]
        e = rng.choice(w.ent[city])
        r = w.listed[int(rng.random() * len(w.listed))]
        xid = hexid(rng)
        created = w.ts(int(w.span * rng.random() ** 0.7), rng)
        rows.append((xid, created, created, w.r_id[r], None, None, city, "hub", e[2], e[3], rng.choice(names.PEOPLE),
                     _phone(rng), rng.choice(wants), "", e[0]))
        w.intents.append((xid, city, "", r, e[0]))
    yield "intent", RECORD + ("result_id", "roadshow_id", "roadshow_item_id", "city_code", "source", "company_name",
                              "credit_code", "contact_person", "phone", "wants", "note", "enterprise_org_id"), rows


STAGES = ["contacted"] * 5 + ["interested"] * 3 + ["pilot"] * 2 + ["trial"] * 3 + ["converted"] + ["dropped"] * 2


def _matches(w: World, n: int) -> Iterator[tuple[str, tuple, Rows]]:
    rng = w.rng("matches")
    rows: Rows = []
    total = sizes(n)["matches"]
    channels = ("hub", "visit", "phone", "online")
    notes = "企业对试用条件感兴趣，约定下次带技术人员面谈"
    for m in range(total):
        if m % 3 == 2 and w.intents:  # a third come from intents (roadshows, the hub)
            xid, city, sid, r, ent_id = w.intents[int(rng.random() * len(w.intents))]
            demand_id, channel = None, "roadshow" if sid else "hub"
        else:
            demand_id, city, ent_id, fld = w.demand[int(rng.random() * len(w.demand))]
            pool = w.listed_by_field[fld]
            r = pool[int(rng.random() * len(pool))]
            xid, sid, channel = None, "", channels[int(rng.random() * 4)]
        stage = STAGES[int(rng.random() * len(STAGES))]
        k = int(w.span * rng.random() ** 0.7)
        mid = hexid(rng)
        created = w.ts(k, rng)
        agencies = w.agencies[city]
        agency = agencies[m % len(agencies)]
        op_id, op_name = w.agency_operator[agency]
        follow = None if stage in ("converted", "dropped") else w.day(min(k + rng.randrange(7, 45), w.span + 30))
        rows.append((mid, created, created, demand_id, w.r_id[r], ent_id, agency, city, channel, w.day(k),
                     f"{op_name}、{rng.choice(names.PEOPLE)}", notes, follow, stage,
                     rng.choice(("price", "fit", "timing", "too_early")) if stage == "dropped" else None,
                     xid, sid or None, op_id))
        if stage in ("trial", "converted"):
            w.trial_matches.append((mid, r, ent_id, city))
        w.log("match.create", "match_record", mid, city, created)
    yield "match_record", RECORD + ("demand_id", "result_id", "enterprise_org_id", "agency_id", "city_code",
                                    "channel", "contact_date", "people", "notes", "next_follow_up", "stage",
                                    "drop_reason", "intent_id", "roadshow_id", "created_by"), rows


# --- contracts, insurance, vouchers ----------------------------------------------------------------
CONTRACT_COLS = RECORD + ("kind", "licence_type", "result_id", "licensor_org_id", "licensee_org_id", "agency_id",
                          "city_code", "match_id", "parent_trial_id", "number", "start_date", "end_date",
                          "original_end_date", "fee", "deal_amount", "signing_date", "payment_terms", "status",
                          "status_reason", "termination_reason", "template_id", "created_by")


def _contracts(w: World, n: int) -> Iterator[tuple[str, tuple, Rows]]:
    rng = w.rng("contracts")
    trials: Rows = []
    deals: Rows = []
    policies: Rows = []
    vouchers: Rows = []
    reds: Rows = []
    n_trials = sizes(n)["trials"]
    n_deals = sizes(n)["contracts"] - n_trials
    active: dict[int, int] = {}
    seq = 0
    for t in range(n_trials):
        if t < len(w.trial_matches) and t % 2 == 0:
            match_id, r, ent_id, city = w.trial_matches[t]
        else:
            r = w.listed[int(rng.random() * len(w.listed))]
            city = w.r_city[r]
            match_id, ent_id = None, rng.choice(w.ent[city])[0]
        cap = w.r_max[r]
        months = w.r_months[r]
        end_k = int((w.span + 200) * rng.random() ** 0.6)
        start_k = end_k - 30 * months
        if end_k >= w.span:  # running: respect the licensor's limit on simultaneous trials
            if cap is not None and active.get(r, 0) >= cap:
                end_k = w.span - 1 - rng.randrange(300)
                start_k = end_k - 30 * months
            else:
                active[r] = active.get(r, 0) + 1
        will_convert = end_k < w.span and len(w.deals) < n_deals and rng.random() < 0.5
        if end_k >= w.span:
            status = "extended" if rng.random() < 0.1 else "active"
        elif will_convert:
            status = "converted"
        else:
            status = rng.choice(("terminated", "expired", "expired"))
        seq += 1
        tid = hexid(rng)
        agencies = w.agencies[city]
        agency = agencies[t % len(agencies)]
        op_id = w.agency_operator[agency][0]
        created = w.ts(start_k, rng)
        start, end = w.day(start_k), w.day(end_k)
        trials.append((tid, created, created, "trial", "ordinary", w.r_id[r], w.r_owner[r], ent_id, agency, city,
                       match_id, None, f"XYSY-{city[:4]}-{start[:4]}-{seq:07d}", start, end,
                       w.day(end_k - 90) if status == "extended" else end, 0, None, start, "", status,
                       {"extended": "中试验证需延长三个月", "terminated": "企业产品线调整"}.get(status, ""),
                       "enterprise_change" if status == "terminated" else None, w.template_id, op_id))
        w.log("contract.create_trial", "contract", tid, city, created)
        if status == "converted":
            seq += 1
            did = hexid(rng)
            sign_k = end_k - rng.randrange(0, 20)
            fen = rng.choice((18, 25, 40, 60, 80, 120, 200, 350)) * 10000 * 100
            signed = w.day(sign_k)
            at = w.ts(sign_k, rng)
            deals.append((did, at, at, rng.choice(("paid_licence", "transfer")), "ordinary", w.r_id[r], w.r_owner[r],
                          ent_id, agency, city, match_id, tid, f"XYZH-{city[:4]}-{signed[:4]}-{seq:07d}", signed, None,
                          None, 0, fen, signed, "签约后30日内支付50%，验收后支付余款", "active", "", None, None, op_id))
            w.deals.append((did, city, agency, signed, fen, int(signed[:4])))
            w.log("contract.convert", "contract", did, city, at)
        if t % 3 == 0:
            premium = rng.choice((3000, 5000, 8000, 12000)) * 100
            pid, vid, xid = hexid(rng), hexid(rng), hexid(rng)
            insurer = w.insurers[t % len(w.insurers)]
            policies.append((pid, created, created, tid, insurer, city, f"PZJ{city[:4]}{start[:4]}{seq:08d}", "科技成果“先用后转”试用险",
                             premium, premium * 50, start, end))
            spent = premium * 8 // 10
            vouchers.append((vid, w.ts(start_k - 30, rng), created, w.number("voucher", city, int(w.day(start_k - 30)[:4])), ent_id, city, None,
                             2_000_000, 2_000_000 - spent, w.day(start_k - 30), w.day(start_k + 700),
                             "active" if start_k + 700 > w.span else "expired"))
            red_at = w.ts(start_k + 5, rng)
            reds.append((xid, red_at, red_at, vid, pid, insurer if t % 2 else ent_id, city, spent, "0.8000", red_at))
            w.redemptions.append((xid, city, spent, w.day(start_k + 5), int(w.day(start_k + 5)[:4])))
    yield "contract", CONTRACT_COLS, trials
    yield "contract", CONTRACT_COLS, deals
    yield "insurance_policy", RECORD + ("contract_id", "insurer_org_id", "city_code", "policy_number", "product",
                                        "premium", "coverage", "start_date", "end_date"), policies
    yield "voucher", RECORD + ("code", "enterprise_org_id", "city_code", "county_code", "amount", "balance",
                               "issued_on", "expires_on", "status"), vouchers
    yield "voucher_redemption", RECORD + ("voucher_id", "policy_id", "redeemed_by_org_id", "city_code", "amount",
                                          "rate", "redeemed_at"), reds


# --- claims, budgets, points, audit -------------------------------------------------------------
CLAIM_COLS = RECORD + ("reference", "kind", "agency_id", "city_code", "budget_region_code", "budget_year", "contract_id",
                       "redemption_id", "programme", "period_start", "period_end", "basis_amount", "rate", "amount",
                       "justification", "status", "submitted_at", "decided_by", "decided_at", "reject_reason",
                       "paid_on", "payment_ref", "created_by")
CLAIM_MIX = ["paid"] * 5 + ["approved"] * 2 + ["submitted", "reviewed", "rejected", "draft"]


def _claims(w: World) -> Iterator[tuple[str, tuple, Rows]]:
    rng = w.rng("claims")
    rows: Rows = []
    points: Rows = []
    spent: dict[tuple[str, int, str], int] = {}
    last_k = w.span

    def claim(kind: str, agency: str, city: str, year: int, day: str, contract: str | None, red: str | None,
              basis: int | None, rate: str | None, fen: int, why: str, programme: str = "",
              period: tuple[str | None, str | None] = (None, None)) -> None:
        cid = hexid(rng)
        k = min(date.fromisoformat(day).toordinal() - date.fromisoformat(w.day(0)).toordinal() + 10, last_k)
        status = CLAIM_MIX[int(rng.random() * len(CLAIM_MIX))] if k < last_k - 60 else rng.choice(("draft", "submitted"))
        created = w.ts(k, rng)
        op_id = w.agency_operator[agency][0]
        decided = status in ("approved", "paid", "rejected")
        rows.append((cid, created, created, w.number("claim", city, year), kind, agency, city, city, year, contract, red, programme, period[0], period[1],
                     basis, rate, fen, why, status, None if status == "draft" else created,
                     op_id if decided else None, w.ts(min(k + 10, last_k), rng) if decided else None,
                     "佐证材料不全" if status == "rejected" else "", w.day(min(k + 30, last_k)) if status == "paid" else None,
                     f"ZF{year}{len(rows):07d}" if status == "paid" else "", op_id))
        if status in ("approved", "paid"):
            spent[(city, year, kind)] = spent.get((city, year, kind), 0) + fen
        w.log("claim.create", "fee_claim", cid, city, created)
        if status == "paid":
            points.append((hexid(rng), created, created, agency, op_id, city, "claim_paid", 5, "fee_claim", dashed(cid),
                           w.day(min(k + 30, last_k))))

    for did, city, agency, signed, fen, year in w.deals:
        rate = "0.0600" if city == "330100" else "0.0500"
        claim("service_fee", agency, city, year, signed, did, None, fen, rate, fen * (6 if city == "330100" else 5) // 100,
              "促成先用后转成果转化，按合作金额计提服务费")
        points.append((hexid(rng), w.ts(0, rng), w.ts(0, rng), agency, w.agency_operator[agency][0], city, "conversion",
                       10, "contract", dashed(did), signed))
    for xid, city, fen, day, year in w.redemptions:
        claim("voucher_refund", w.agencies[city][0], city, year, day, None, xid, fen, None, fen, "创新券兑付试用保险保费")
    for c in w.cities():
        for year in range(w.start.year, w.as_of.year + 1):
            for half, (p0, p1) in enumerate(((f"{year}-01-01", f"{year}-06-30"), (f"{year}-07-01", f"{year}-12-31"))):
                if p1 > w.as_of.isoformat() and p0 > w.as_of.isoformat():
                    continue
                for agency in w.agencies[c.code]:
                    claim("operating_subsidy", agency, c.code, year, p1 if p1 < w.as_of.isoformat() else w.as_of.isoformat(),
                          None, None, None, None, rng.choice((80000, 120000, 150000)) * 100, "组织路演、中试与撮合服务",
                          f"{c.name_zh}先用后转运营经费补贴{year}年{'上' if half == 0 else '下'}半年", (p0, p1))
    # Budgets cover what was approved with room to spare (approving never overran them).
    budgets: Rows = []
    stamp = w.ts(0, rng)
    for c in w.cities():
        for year in range(w.start.year, w.as_of.year + 1):
            for kind, floor in (("service_fee", 500_000), ("voucher_refund", 300_000), ("operating_subsidy", 1_000_000)):
                used = spent.get((c.code, year, kind), 0)
                amount = max(floor * 100, (used * 13 // 10) // 1_000_000 * 1_000_000 + 1_000_000)
                budgets.append((hexid(rng), stamp, stamp, c.code, c.code, year, kind, amount))
            budgets.append((hexid(rng), stamp, stamp, counties(c.code)[0].code, c.code, year, "operating_subsidy",
                            200_000 * 100))
    yield "fee_claim", CLAIM_COLS, rows
    yield "budget", RECORD + ("region_code", "city_code", "year", "kind", "amount"), budgets
    yield "points_event", RECORD + ("agency_id", "user_id", "city_code", "kind", "points", "entity", "entity_id",
                                    "occurred_on"), points


def _audit(w: World) -> Iterator[tuple[str, tuple, Rows]]:
    rng = w.rng("audit")
    rows = [(hexid(rng), at, user_id, username, action, entity, entity_id, city, None, None, None)
            for action, entity, entity_id, city, at, user_id, username in w.audit]
    w.audit = []
    yield "audit_entry", ("id", "at", "actor_id", "actor_name", "action", "entity", "entity_id", "city_code", "reason",
                          "before", "after"), rows


@lru_cache(maxsize=4)
def demo_password_hash(seed: int) -> str:
    """The demo password hashed with a salt drawn from the seed, so that the data set is the same
    byte for byte on every run (the demo password is public anyway)."""
    import bcrypt

    rng = random.Random(f"{seed}/salt")
    alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    body = "".join(rng.choice(alphabet) for _ in range(21)) + rng.choice(".Oeu")  # 22nd char: 2 bits only
    return bcrypt.hashpw(DEMO_PASSWORD.encode(), f"$2b$12${body}".encode()).decode()


def generate(*, results: int, seed: int = 2026, as_of: date | None = None, city: str | None = None,
             password_hash: str | None = None) -> Iterator[tuple[str, tuple, Rows]]:
    """(table, columns, rows) for the whole data set (or one city's own), parents before children."""
    from portal.core.clock import today

    w = World(seed=seed, as_of=as_of or today(), only_city=city)
    if password_hash is None:
        password_hash = demo_password_hash(seed)
    yield from _organizations(w, results)
    yield from _users(w, password_hash)
    yield from _policy(w)
    yield from _platforms(w, results)
    result_rows = _results(w, results)
    files, bookings = _bookings(w, results, result_rows)
    yield "result", RESULT_COLS, result_rows
    yield from _result_terms(w, result_rows)
    yield from _history(w, result_rows)
    del result_rows
    yield "attachment", RECORD + ("entity", "entity_id", "city_code", "filename", "content_type", "size", "data",
                                  "uploaded_by"), files
    yield "pilot_booking", RECORD + ("reference", "resource_id", "platform_id", "city_code", "enterprise_org_id", "result_id",
                                     "start_date", "end_date", "status", "outcome", "cancel_reason",
                                     "report_attachment_id", "finished_on", "created_by"), bookings
    del bookings
    yield from _roadshows(w, results)
    yield from _demands(w, results)
    yield from _intents(w, results)
    yield from _matches(w, results)
    yield from _contracts(w, results)
    yield from _claims(w)
    yield from _audit(w)


def expected_rows(results: int) -> int:
    """A rough total of rows for the progress bar (about 11.5 rows per result)."""
    return int(max(results, 22) * 11.5)


def load(engine, *, results: int, seed: int = 2026, as_of: date | None = None,  # noqa: ANN001
         city: str | None = None, on_rows: Callable[[int], None] | None = None) -> dict[str, int]:
    """Generate and write the data set into an empty, migrated database in one transaction;
    returns rows written per table."""
    from seed.bulk import BulkWriter

    with BulkWriter(engine, on_rows=on_rows) as writer:
        for table, columns, rows in generate(results=results, seed=seed, as_of=as_of, city=city):
            writer.write(table, columns, rows)
    from db.engine import refresh_statistics

    refresh_statistics(engine, vacuum=True)
    return writer.written
