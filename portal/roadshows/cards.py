"""The presenter's result cards: one per item in running order, with what the deck prints."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from db.engine import read_session
from db.models import Agency, Contract, Organization, Result, Roadshow, RoadshowItem
from db.models.enums import ContractKind
from portal.contracts.common import RUNNING
from portal.contracts.trials import max_licensees
from portal.core.actor import Actor
from portal.core.clock import today
from portal.core.service import reader
from portal.roadshows.links import intent_url
from portal.roadshows.moments import aware
from portal.roadshows.records import load_show
from portal.roadshows.rules import ROADSHOW


@dataclass(frozen=True)
class Card:
    """What the presenter shows for one result, and what the deck prints."""

    position: int
    total: int
    roadshow_title: str
    title: str
    number: str
    institution: str
    field: str
    trl: int
    summary: str
    advantages: list[str]
    trial_months: int
    max_licensees: int | None
    slots_left: int | None  # None = unlimited
    agency_name: str
    contact_name: str
    contact_phone: str
    contact_email: str
    presenter_name: str
    slot_start: datetime | None
    slot_end: datetime | None
    token: str
    url: str = ""


def advantage_lines(text: str | None, limit: int = 3) -> list[str]:
    """The advantages typed one a line (bullets typed in front dropped), at most limit of them."""
    lines = [line.strip(" -•·*\t") for line in (text or "").splitlines()]
    return [line for line in lines if line][:limit]


def preview_card(*, title: str, field: str, trl: int, institution: str, summary: str, advantages: str,
                 trial_months: int, max_licensees: int | None, roadshow_title: str) -> Card:
    """The card a result being disclosed would show at a roadshow (no item, no QR link yet)."""
    return Card(position=1, total=1, roadshow_title=roadshow_title, title=title, number="", institution=institution,
                field=field, trl=trl, summary=summary, advantages=advantage_lines(advantages),
                trial_months=trial_months, max_licensees=max_licensees, slots_left=max_licensees,
                agency_name="", contact_name="", contact_phone="", contact_email="", presenter_name="",
                slot_start=None, slot_end=None, token="")


def summary_text(result: Result, limit: int = 160) -> str:
    """The result's plain summary (or abstract), cut to limit characters."""
    text = (result.summary_plain or result.abstract or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _running_today(s: Session, result_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    day = today()
    rows = s.exec(select(Contract.result_id, func.count()).where(
        Contract.result_id.in_(result_ids), Contract.kind == ContractKind.TRIAL,
        Contract.status.in_(RUNNING), Contract.start_date <= day,
        or_(Contract.end_date.is_(None), Contract.end_date >= day)).group_by(Contract.result_id)).all()
    return {rid: int(n) for rid, n in rows}


def cards_of(s: Session, show: Roadshow) -> list[Card]:
    """show's cards inside the caller's session (the caller has checked it may be read)."""
    agency = s.get(Agency, show.agency_id)
    rows = s.exec(select(RoadshowItem, Result, Organization)
                  .join(Result, Result.id == RoadshowItem.result_id)
                  .join(Organization, Organization.id == Result.owner_org_id)
                  .where(RoadshowItem.roadshow_id == show.id).order_by(RoadshowItem.position)).all()
    running = _running_today(s, [r.id for _, r, _ in rows])
    out = []
    for n, (item, result, owner) in enumerate(rows, start=1):
        limit = max_licensees(result)
        slots = None if limit is None else max(0, limit - running.get(result.id, 0))
        out.append(Card(
            position=n, total=len(rows), roadshow_title=show.title, title=result.title,
            number=result.number, institution=owner.name, field=result.field, trl=result.trl,
            summary=summary_text(result), advantages=advantage_lines(result.advantages),
            trial_months=result.trial_months,
            max_licensees=limit, slots_left=slots, agency_name=agency.name if agency else "",
            contact_name=(agency.contact_name if agency else "") or "",
            contact_phone=(agency.contact_phone if agency else "") or "",
            contact_email=(agency.email if agency else "") or "",
            presenter_name=item.presenter_name, slot_start=aware(item.slot_start),
            slot_end=aware(item.slot_end), token=item.token, url=intent_url(item.token)))
    return out


@reader(ROADSHOW)
def cards(*, actor: Actor, roadshow_id: uuid.UUID) -> list[Card]:
    """The roadshow's result cards in running order (a presenter: only while it is published)."""
    with read_session() as s:
        return cards_of(s, load_show(s, actor, "read", roadshow_id))
