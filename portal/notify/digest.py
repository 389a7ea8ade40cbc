"""The morning digest (`portal tick`): one message per operator of what needs them today, not one
per record. Sections: trials ending within the city's reminder days, match follow-ups due, public
notices that ended (results listed), vouchers about to expire, open objections, and, for the
city's administrators, claims waiting for review or approval. Nothing due: no message.

Idempotent per day: each digest carries the key digest:<user>:<date> (unique), so a second run
that day, or a run on another machine, writes nothing. Written before the morning, it waits
until MORNING (local time) before it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from db.engine import loading_session
from db.models import (
    Contract,
    FeeClaim,
    Match,
    NotifySetting,
    Objection,
    Organization,
    OutboxMessage,
    PublicNotice,
    Result,
    Voucher,
)
from db.models.enums import ClaimStatus, ContractStatus, MatchStage, ObjectionStatus, VoucherStatus
from portal.core.clock import TZ, now
from portal.core.i18n import t
from portal.core.outbox import (
    DIGEST,
    GROUP,
    Message,
    administers,
    group_row,
    language_of,
    message_row,
    portal_link,
    recipients,
    routes_for,
)
from portal.core.policy import current_policy
from portal.core.regions import cities
from portal.core.settings import get_settings

MORNING = time(8, 0)
SHOWN = 10  # records named per section; the rest are counted


@dataclass(frozen=True)
class Section:
    """One kind of work due: its catalogue key, how many, and the first few named."""

    key: str
    count: int
    items: tuple[str, ...]
    admins_only: bool = False


def _section(s: Session, key: str, stmt, label, *, admins_only: bool = False) -> Section | None:  # noqa: ANN001
    count = s.exec(select(func.count()).select_from(stmt.subquery())).one()
    if not count:
        return None
    rows = s.exec(stmt.limit(SHOWN)).all()
    return Section(key, count, tuple(label(r) for r in rows), admins_only)


def city_sections(s: Session, city_code: str, day: date) -> list[Section]:
    """What the city's operators have due on day."""
    policy = current_policy(city_code, session=s)
    setting = s.get(NotifySetting, city_code)
    voucher_days = setting.voucher_reminder_days if setting else 30
    horizon = day + timedelta(days=policy.trial_reminder_days)
    open_stages = [st.value for st in MatchStage if st not in (MatchStage.CONVERTED, MatchStage.DROPPED)]
    found = [
        _section(s, "trials", select(Contract.number, Contract.end_date).where(
            Contract.city_code == city_code, Contract.kind == "trial",
            Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.EXTENDED)),
            Contract.end_date >= day, Contract.end_date <= horizon).order_by(Contract.end_date, Contract.number),
            lambda r: f"{r[0]} · {r[1].isoformat()}"),
        _section(s, "follow_ups", select(Result.title, Organization.name, Match.next_follow_up)
                 .join(Result, Result.id == Match.result_id)
                 .join(Organization, Organization.id == Match.enterprise_org_id)
                 .where(Match.city_code == city_code, Match.stage.in_(open_stages), Match.next_follow_up <= day)
                 .order_by(Match.next_follow_up, Match.id),
                 lambda r: f"{r[2].isoformat()} · {r[1]} · {r[0]}"),
        _section(s, "notices", select(Result.title, PublicNotice.end_date)
                 .join(Result, Result.id == PublicNotice.result_id)
                 .where(PublicNotice.city_code == city_code, PublicNotice.state == "ended",
                        PublicNotice.end_date == day)
                 .order_by(Result.title), lambda r: r[0]),
        _section(s, "vouchers", select(Voucher.code, Voucher.expires_on, Organization.name)
                 .join(Organization, Organization.id == Voucher.enterprise_org_id)
                 .where(Voucher.city_code == city_code, Voucher.status == VoucherStatus.ACTIVE,
                        Voucher.expires_on >= day, Voucher.expires_on <= day + timedelta(days=voucher_days))
                 .order_by(Voucher.expires_on, Voucher.code), lambda r: f"{r[0]} · {r[2]} · {r[1].isoformat()}"),
        _section(s, "objections", select(Objection.id, Result.title)
                 .join(Result, Result.id == Objection.result_id, isouter=True)
                 .where(Objection.city_code == city_code, Objection.status == ObjectionStatus.OPEN)
                 .order_by(Objection.created_at), lambda r: r[1] or ""),
        _section(s, "claims", select(FeeClaim.reference, FeeClaim.status).where(
            FeeClaim.city_code == city_code,
            FeeClaim.status.in_((ClaimStatus.SUBMITTED, ClaimStatus.REVIEWED))).order_by(FeeClaim.created_at),
            lambda r: r[0], admins_only=True),
    ]
    return [x for x in found if x is not None]


def render_digest(sections: list[Section], day: date, lang: str) -> Message:
    """The digest's text in lang."""
    lines = [t("outbox.digest.intro", lang, date=day.isoformat())]
    for sec in sections:
        lines.append(t(f"outbox.digest.{sec.key}", lang, count=sec.count))
        lines += [f"  · {item}" for item in sec.items]
        if sec.count > len(sec.items):
            lines.append(t("outbox.digest.more", lang, count=sec.count - len(sec.items)))
    lines.append(t("outbox.body.footer", lang))
    return Message(subject=t("outbox.digest.subject", lang, date=day.isoformat(), count=sum(x.count for x in sections)),
                   lines=tuple(lines), link=portal_link())


def _add_once(s: Session, row: OutboxMessage) -> bool:
    try:
        with s.begin_nested():  # another run (or machine) wrote today's digest first: keep theirs
            s.add(row)
            s.flush()
    except IntegrityError:
        return False
    return True


def morning_digest(today: date | None = None) -> int:
    """`portal tick` job: write today's digests (once per user and day); returns how many."""
    day = today or now().date()
    send_at = max(now(), datetime.combine(day, MORNING, tzinfo=TZ))
    written = 0
    with loading_session() as s:
        for city in cities():
            kinds = set(routes_for(s, city.code).get(DIGEST, ()))
            if not kinds:
                continue
            sections = city_sections(s, city.code, day)
            if not sections:
                continue
            for user, pref in recipients(s, city_code=city.code, kinds=kinds):
                mine = [x for x in sections if not x.admins_only or administers(user, city.code)]
                if not mine:
                    continue
                row = message_row(user, pref, render_digest(mine, day, language_of(pref)), city_code=city.code,
                                  event=DIGEST, dedupe_key=f"digest:{user.id}:{city.code}:{day.isoformat()}")
                row.next_attempt_at = send_at
                written += _add_once(s, row)
            if GROUP in kinds:
                shown = [x for x in sections if not x.admins_only]
                if shown:
                    row = group_row(render_digest(shown, day, get_settings().default_language), city_code=city.code,
                                    event=DIGEST, dedupe_key=f"digest:group:{city.code}:{day.isoformat()}")
                    row.next_attempt_at = send_at
                    written += _add_once(s, row)
    return written

