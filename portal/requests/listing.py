"""Reading requests: the enterprise's own (我的申请), the city's inbox (企业申请), and what a page
needs to offer the request buttons on a result."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import select

from db.engine import read_session
from db.models import Contract, Intent, Match, Organization, Result, UserAccount
from db.models.enums import ContractKind, RequestStatus
from portal.contracts.trials import running_trial
from portal.core.actor import Actor
from portal.core.paging import Page, paginate
from portal.core.scope import as_id
from portal.core.service import reader
from portal.core.workflow import Columns
from portal.requests.rules import REQUEST, SOURCE
from portal.roadshows.moments import aware

COLUMNS = Columns(city=Intent.city_code, orgs=(Intent.enterprise_org_id,), status=Intent.request_status,
                  creator=Intent.requested_by)


@dataclass(frozen=True)
class RequestRow:
    """A request as the lists show it (governed by the request table)."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    city_code: str
    enterprise_org_id: uuid.UUID | None
    enterprise_name: str
    requested_by: uuid.UUID | None
    requester_name: str
    contact: str  # the enterprise's contact person and phone, for the operator's call
    result_id: uuid.UUID
    result_title: str
    result_number: str
    kind: str
    request_status: str
    message: str
    reply: str
    decided_at: datetime | None
    decider_name: str
    match_id: uuid.UUID | None
    contract_number: str | None  # the trial signed from the request's match


REQUEST.govern(RequestRow)


def _query():  # noqa: ANN202
    requester, decider = aliased(UserAccount), aliased(UserAccount)
    # the request's match (one at most: record_match refuses a second), and the trial signed from it
    trial = (select(Contract.number).where(Contract.match_id == Match.id, Contract.kind == ContractKind.TRIAL)
             .order_by(Contract.created_at.desc()).limit(1).scalar_subquery())
    return (select(Intent, Result.title, Result.number, Organization.name, requester.display_name,
                   decider.display_name, trial, Match.id)
            .join(Result, Result.id == Intent.result_id)
            .outerjoin(Organization, Organization.id == Intent.enterprise_org_id)
            .outerjoin(requester, requester.id == Intent.requested_by)
            .outerjoin(decider, decider.id == Intent.decided_by)
            .outerjoin(Match, (Match.result_id == Intent.result_id) & (Match.intent_id == Intent.id))
            .where(Intent.request_status.is_not(None)))


def _row(i: Intent, title: str, number: str, enterprise: str | None, requester: str | None, decider: str | None,
         contract: str | None, match_id: uuid.UUID | None) -> RequestRow:
    return RequestRow(i.id, aware(i.created_at), aware(i.updated_at), i.city_code, i.enterprise_org_id,
                      enterprise or i.company_name, i.requested_by, requester or "",
                      f"{i.contact_person} {i.phone}".strip(), i.result_id, title, number, i.kind or "",
                      i.request_status, i.note, i.reply, aware(i.decided_at), decider or "", match_id, contract)


@reader(REQUEST)
def list_requests(*, actor: Actor, status: str | None = None, result_id: uuid.UUID | None = None,
                  page: int | None = 1, page_size: int = 50) -> Page[RequestRow]:
    """One page of the requests actor may read, newest first: an enterprise its own, the city's
    staff and managers their city's, the province all; optionally of one status or result."""
    conds = []
    if status:
        conds.append(Intent.request_status == status)
    if result_id is not None:
        conds.append(Intent.result_id == as_id(result_id))
    stmt = REQUEST.scope_filter(_query(), actor, COLUMNS).where(*conds)
    # only requests carry a status: counted on (city, request_status, created_at) alone, no table reads
    count = REQUEST.scope_filter(select(func.count()).select_from(Intent), actor, COLUMNS).where(
        Intent.request_status.is_not(None), *conds)
    with read_session() as s:
        def fetch(offset: int, limit: int) -> list[RequestRow]:
            rows = s.exec(stmt.order_by(Intent.created_at.desc(), Intent.id).offset(offset).limit(limit)).all()
            return [_row(*r) for r in rows]

        return paginate(s, count, fetch, page=page, size=page_size)


@reader(REQUEST)
def get_request(*, actor: Actor, request_id: uuid.UUID) -> RequestRow:
    """One request actor may read (NotFound otherwise)."""
    rid = as_id(request_id)
    with read_session() as s:
        row = s.exec(_query().where(Intent.id == rid)).first() if rid else None
        return REQUEST.readable(actor, _row(*row) if row else None)


@reader(REQUEST)
def open_request_count(*, actor: Actor) -> int:
    """How many requests in actor's sight wait for an answer (open)."""
    stmt = REQUEST.scope_filter(select(func.count()).select_from(Intent), actor, COLUMNS).where(
        Intent.request_status == RequestStatus.OPEN)
    with read_session() as s:
        return int(s.exec(stmt).one())


@dataclass(frozen=True)
class Standing:
    """Where the actor's enterprise stands with a result: the kinds of request waiting for an
    answer, and the trial of it running today (its number and end), if any."""

    waiting: tuple[str, ...] = ()
    trial_number: str | None = None
    trial_end: date | None = None


@reader(REQUEST, "submit")
def my_standing(*, actor: Actor, result_id: uuid.UUID) -> Standing | None:
    """What a page offers on a result: a kind already waiting shows where to follow it, and a trial
    already running is shown instead of 申请试用 (the service refuses both anyway). None for an
    actor with no enterprise to ask for."""
    if not REQUEST.may(actor, "submit") or actor.organization_id is None:
        return None
    rid = as_id(result_id)
    stmt = select(Intent.kind).where(
        Intent.enterprise_org_id == actor.organization_id, Intent.result_id == rid, Intent.source == SOURCE,
        Intent.request_status.in_((RequestStatus.OPEN, RequestStatus.MATCHED)))
    with read_session() as s:
        waiting = tuple(sorted({k for k in s.exec(stmt).all() if k}))
        running = running_trial(s, rid, actor.organization_id)
    return Standing(waiting, *running) if running else Standing(waiting)
