"""The demo's enterprise requests (portal/requests): trial and interest requests in every state,
and pilot bookings enterprises asked for, so 我的申请 and the operators' inbox are not empty.

A generator of its own keeps every other section's data unchanged."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlmodel import select

from db.models import Intent, Match, PilotBooking, PilotPlatform, PilotResource
from portal.core.clock import TZ

if TYPE_CHECKING:
    from seed.demo import Ctx

ENTERPRISE_USER = "ent_demo"
# (kind, status, days ago, message, the operator's reply)
OWN_REQUESTS = (
    ("trial", "open", 2, "我们做智能仓储设备，想在新一代分拣机上试用该技术，试用期内可提供测试工况数据。", ""),
    ("interest", "matched", 9, "想先了解技术指标和许可费用区间。",
     "已安排对接：下周二上午与成果持有单位技术负责人线上沟通，届时请准备产品参数。"),
    ("trial", "trial", 60, "希望试用 12 个月，用于新产线改造。", "已签订试用合同，试用期内免费。"),
    ("trial", "declined", 20, "希望本月内开始试用。",
     "该成果试用名额已满（许可人限 3 家同时试用），建议关注同领域的其他成果，或待名额释放后再申请。"),
    ("interest", "withdrawn", 30, "了解一下合作方式。", ""),
)
OTHER_MESSAGES = ("希望尽快安排技术对接。", "企业有意向试用，请联系我们。", "想了解试用条件和后续转化费用。")


def _uid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _at(ctx: Ctx, days_ago: int, hour: int = 10) -> datetime:
    return datetime.combine(ctx.day - timedelta(days=days_ago), time(hour, 15), tzinfo=TZ)


def _intent(rng: random.Random, ctx: Ctx, ent, result, kind: str, status: str, days_ago: int,  # noqa: ANN001
            message: str, reply: str, user_id: uuid.UUID | None) -> Intent:
    op = ctx.operators[result.city_code]
    decided = status not in ("open",)
    return Intent(id=_uid(rng), result_id=result.id, city_code=result.city_code, source="hub",
                  company_name=ent.name, credit_code=ent.credit_code, contact_person=ent.contact_name or "联系人",
                  phone=ent.contact_phone or "", wants="trial" if kind == "trial" else "info", note=message,
                  enterprise_org_id=ent.id, kind=kind, request_status=status, requested_by=user_id, reply=reply,
                  decided_by=(user_id if status == "withdrawn" else op.id) if decided else None,
                  decided_at=_at(ctx, max(days_ago - 1, 0), 15) if decided else None,
                  created_at=_at(ctx, days_ago), updated_at=_at(ctx, max(days_ago - 1, 0), 15 if decided else 10))


def load_requests(ctx: Ctx) -> None:
    """Requests of the demo enterprise (every state) and of a few others in Hangzhou and Ningbo."""
    rng = random.Random(f"requests-{ctx.day.isoformat()}")
    user = ctx.users[ENTERPRISE_USER]
    ent = next(o for o in ctx.orgs.values() if o.id == user.organization_id)
    listed = [r for r in ctx.results if r.status == "listed"]
    own_trial = next((t for t in ctx.trials if t.licensee_org_id == ent.id and t.status == "active"), None)
    used: set[uuid.UUID] = set()
    trial_match = None
    for n, (kind, status, days, message, reply) in enumerate(OWN_REQUESTS):
        if status == "trial" and own_trial is not None:
            result = next(r for r in ctx.results if r.id == own_trial.result_id)
        else:  # results of Hangzhou and of another city, so both operators have something to answer
            city = "330100" if n % 2 == 0 else "330200"
            result = next(r for r in listed if r.city_code == city and r.id not in used
                          and (own_trial is None or r.id != own_trial.result_id))
        used.add(result.id)
        req = _intent(rng, ctx, ent, result, kind, status, days, message, reply, user.id)
        if status == "trial" and own_trial is not None:  # asked two weeks before the trial began
            req.created_at = datetime.combine(own_trial.start_date - timedelta(days=14), time(10), tzinfo=TZ)
            req.decided_at = req.updated_at = datetime.combine(own_trial.start_date, time(15), tzinfo=TZ)
        ctx.add(req)
        ctx.audit("request.submit", "intent", req.id, result.city_code, req.created_at, user)
        if status in ("matched", "trial"):
            op = ctx.operators[result.city_code]
            stage = "trial" if status == "trial" else "contacted"
            m = Match(id=_uid(rng), result_id=result.id, enterprise_org_id=ent.id,
                      agency_id=ctx.agencies[result.city_code][0].id, city_code=result.city_code, channel="hub",
                      contact_date=req.decided_at.date(), people=f"{req.contact_person} {req.phone}",
                      notes=f"{reply}\n{message}\n[{kind}]", next_follow_up=ctx.day + timedelta(days=5),
                      stage=stage, intent_id=req.id, created_by=op.id, created_at=req.decided_at)
            ctx.add(m)
            ctx.audit(f"request.to_{'trial' if status == 'trial' else 'match'}", "intent", req.id,
                      result.city_code, req.decided_at, op)
            if status == "trial" and own_trial is not None and own_trial.match_id is None:
                trial_match = m
    for city in ("330100", "330200"):  # open requests of other enterprises, for the operators' inbox
        for k, other in enumerate([e for e in ctx.enterprises[city] if e.id != ent.id][:3]):
            result = [r for r in listed if r.city_code == city][k + 3]
            req = _intent(rng, ctx, other, result, ("trial", "interest")[k % 2], "open", 1 + k * 2,
                          OTHER_MESSAGES[k % len(OTHER_MESSAGES)], "", None)
            ctx.add(req)
    _pilot_request(rng, ctx, ent, user, listed)
    ctx.flush()
    if trial_match is not None:  # the trial signed from the request, linked once its match exists
        own_trial.match_id = trial_match.id


def _pilot_request(rng: random.Random, ctx: Ctx, ent, user, listed) -> None:  # noqa: ANN001
    """One booking the demo enterprise asked for, still waiting for the platform's confirmation,
    well after the demo's other bookings (so no capacity is exceeded)."""
    found = ctx.s.exec(select(PilotPlatform, PilotResource).join(
        PilotResource, PilotResource.platform_id == PilotPlatform.id).where(PilotPlatform.city_code == "330100")
        .order_by(PilotPlatform.name, PilotResource.name)).first()
    if found is None:
        return
    platform, resource = found
    start = ctx.day + timedelta(days=120)
    result = next(r for r in listed if r.city_code == "330100")
    b = PilotBooking(id=_uid(rng), reference=ctx.number("booking", "330100", start.year), resource_id=resource.id,
                     platform_id=platform.id, city_code="330100", enterprise_org_id=ent.id, result_id=result.id,
                     start_date=start, end_date=start + timedelta(days=2), status="requested",
                     request_note="验证样机在连续 72 小时运行下的稳定性", created_by=user.id, created_at=_at(ctx, 3))
    ctx.add(b)
    ctx.audit("pilot.request", "pilot_booking", b.id, "330100", b.created_at, user)

