"""Page helpers for the contracts pages: tables and the forms on a contract's page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from db.models.enums import ContractKind, LicenceType, TerminationReason
from portal.contracts import listing
from portal.contracts.common import percent
from portal.contracts.insurance import add_policy
from portal.contracts.outcomes import (
    convert_trial,
    extend_trial,
    record_objection,
    resolve_objection,
    terminate_trial,
)
from portal.contracts.trial_matches import MatchChoice, match_choices
from portal.contracts.trials import create_trial, trial_defaults
from portal.contracts.vouchers import redeem_voucher, redemption_bounds
from portal.core.actor import Actor
from portal.core.clock import fmt, today
from portal.core.regions import region_name
from portal.core.spreadsheet import DATE, MOMENT, MONEY
from portal.core.workflow import may
from portal.hub.matches import agency_choices
from portal.ui import confirm, done, label, lang, refusals, t, tables, tmd, yuan
from portal.ui.forms import form_key, instance, succeeded

OUTCOMES = frozenset({"convert", "extend", "terminate"})  # what a trial may become (CONTRACT's steps)


def now_stamp() -> str:
    """A timestamp for file names."""
    return datetime.now().strftime("%Y%m%d-%H%M")


def contracts_frame(rows: list[listing.ContractRow]) -> pd.DataFrame:
    """The contracts list as the table shows it (typed: see contracts_table)."""
    return pd.DataFrame([{
        t("contracts.col.number"): r.number, t("contracts.col.kind"): label("contract_kind", r.kind),
        t("contracts.col.status"): label("contract_status", r.status), t("contracts.col.result"): r.result_title,
        t("contracts.col.licensor"): r.licensor, t("contracts.col.licensee"): r.licensee,
        t("contracts.col.start"): r.start_date, t("contracts.col.end"): r.end_date,
        t("contracts.col.deal_amount"): r.deal_amount or None,
        t("contracts.col.city"): region_name(r.city_code, lang()),
    } for r in rows])


def contracts_table(rows: list[listing.ContractRow], **kwargs: Any) -> Any:
    """st.dataframe of the contracts: dates as dates, the deal amount as money (sorted by amount)."""
    return tables.show(contracts_frame(rows), {t("contracts.col.start"): DATE, t("contracts.col.end"): DATE,
                                               t("contracts.col.deal_amount"): MONEY}, **kwargs)


def match_label(m: MatchChoice | None) -> str:
    """A match in the trial form's picker: date, enterprise, stage, channel."""
    if m is None:
        return t("contracts.no_match")
    return f"{m.contact_date.isoformat()} · {m.enterprise_name} · {label('match_stage', m.stage)} · " \
           f"{label('channel', m.channel)}"


def new_trial_form(me: Actor, city_code: str | None) -> None:
    """Pick a listed result and an enterprise (searched by name); the dates and parties fill in, and
    the trial may name the match it came from."""
    search = st.text_input(t("contracts.result_search"), key="trial_result_search")
    results = listing.listed_results(actor=me, text=search)
    if not results:
        st.info(t("contracts.no_results"))
        return
    result = st.selectbox(t("contracts.choose_result"), results, format_func=lambda r: f"{r[2]}（{r[1]}）")
    name = st.text_input(t("contracts.enterprise_search"), key="trial_enterprise_search")
    enterprises = listing.enterprise_search(actor=me, text=name, city_code=city_code)
    enterprise = st.selectbox(t("field.contract_licensee"), enterprises, format_func=lambda o: o[1])
    agency = None
    if me.is_province:  # an operator signs for its own agency; the province names one (the city's first)
        agency = st.selectbox(t("field.agency"), agency_choices(actor=me, city_code=city_code),
                              format_func=lambda a: f"{a.name}（{region_name(a.city_code, lang())}）")
    matches = match_choices(actor=me, result_id=result[0], licensee_org_id=enterprise[0] if enterprise else None,
                            city_code=agency.city_code if agency else None)
    start = st.date_input(t("field.contract_start_date"), value=today(), key="trial_start")
    d = trial_defaults(actor=me, result_id=result[0], licensee_org_id=enterprise[0] if enterprise else None,
                       start_date=start)
    st.caption(t("contracts.trial_terms", months=d.trial_months))
    st.caption(t("contracts.slots", limit=d.max_licensees, running=d.running) if d.max_licensees
               else t("contracts.slots_unlimited", running=d.running))
    st.markdown(f"**{t('contracts.parties')}**")
    parties = [(t("contracts.licensor"), d.licensor)] + ([(t("contracts.licensee"), d.licensee)] if d.licensee else [])
    st.dataframe(pd.DataFrame([{
        "": role, t("field.name"): p.name, t("field.credit_code"): p.credit_code,
        t("field.city"): region_name(p.city_code, lang()), t("field.phone"): p.contact_phone or "—",
    } for role, p in parties]), hide_index=True, width="stretch")
    with st.form(instance("new_trial")):  # back to the defaults once a trial is recorded
        end = st.date_input(t("field.contract_end_date"), value=d.end_date)
        signed = st.date_input(t("field.contract_signing_date"), value=min(start, today()))
        licence = st.selectbox(t("field.contract_licence_type"), list(LicenceType),
                               format_func=lambda v: label("licence_type", v))
        territory = st.text_input(t("field.contract_territory"), value="中华人民共和国境内")
        match = st.selectbox(t("field.contract_match"), [None, *matches], format_func=match_label,
                             help=t("contracts.match_hint"))
        if st.form_submit_button(t("contracts.create"), type="primary"):
            with refusals():
                trial = create_trial(actor=me, result_id=result[0], licensee_org_id=enterprise[0] if enterprise else None,
                                     start_date=start, end_date=end, signing_date=signed, licence_type=licence,
                                     territory=territory, agency_id=agency.id if agency else None,
                                     match_id=match.id if match else None, idempotency_key=form_key("new_trial"))
                succeeded("new_trial")
                done(t("contracts.created", number=trial.number))


def outcome_forms(me: Actor, c, actions: list[str]) -> None:  # noqa: ANN001
    """Convert, extend or terminate a trial: a tab for each the table allows now."""
    shown = [a for a in ("convert", "extend", "terminate") if a in actions]
    panes = dict(zip(shown, st.tabs([t(f"contracts.{a}") for a in shown]), strict=True))
    if "convert" in panes:
        with panes["convert"], st.form("convert"):
            kind = st.selectbox(t("field.contract_kind"), [ContractKind.PAID_LICENCE, ContractKind.TRANSFER],
                                format_func=lambda v: label("contract_kind", v))
            licence = st.selectbox(t("field.contract_licence_type"), list(LicenceType),
                                   format_func=lambda v: label("licence_type", v))
            amount = st.text_input(t("field.deal_amount"))
            signed = st.date_input(t("field.contract_signing_date"), value=today(), key="convert_signed")
            terms = st.text_area(t("field.contract_payment_terms"))
            if st.form_submit_button(t("contracts.convert"), type="primary"):
                with refusals():
                    deal = convert_trial(actor=me, trial_id=c.id, kind=kind, deal_amount=amount,
                                         signing_date=signed, payment_terms=terms, licence_type=licence)
                    done(t("contracts.converted", number=deal.number))
    if "extend" in panes:
        with panes["extend"], st.form("extend"):
            new_end = st.date_input(t("field.contract_new_end_date"),
                                    value=(c.end_date or today()) + timedelta(days=90))
            reason = st.text_input(t("field.contract_reason"), key="extend_reason")
            if st.form_submit_button(t("contracts.extend")):
                with refusals():
                    trial = extend_trial(actor=me, trial_id=c.id, new_end_date=new_end, reason=reason)
                    done(t("contracts.extended", end=trial.end_date.isoformat()))
    if "terminate" in panes:
        with panes["terminate"], st.form("terminate"):
            code = st.selectbox(t("field.contract_termination_reason"), list(TerminationReason),
                                format_func=lambda v: label("termination_reason", v))
            note = st.text_input(t("field.contract_reason"), key="terminate_note")
            effective = st.date_input(t("field.contract_effective_date"), value=today())
            if st.form_submit_button(t("contracts.terminate")):
                confirm.ask(f"terminate_{c.id}", reason=code, note=note, effective=effective)
        asked = confirm.asked(f"terminate_{c.id}")
        confirm.dialog(f"terminate_{c.id}", title=t("confirm.terminate_title"), says=tmd(
            "confirm.terminate_says", number=c.number, date=str(asked.get("effective", "")),
            reason=label("termination_reason", asked.get("reason")) + (f"，{asked['note']}" if asked.get("note") else "")),
            action=lambda v: terminate_trial(actor=me, trial_id=c.id, reason=v["reason"], note=v["note"],
                                             effective_date=v["effective"]), then=t("contracts.terminated"))


def objection_section(me: Actor, detail: listing.ContractDetail, actions: list[str]) -> None:
    """The contract's objections, a form to record one and a form to resolve an open one."""
    st.subheader(t("contracts.objections"))
    if detail.objections:
        st.dataframe(pd.DataFrame([{
            t("contracts.col.objector"): o.objector_name, t("contracts.col.reason"): o.reason,
            t("contracts.col.status"): label("objection_status", o.status),
            t("contracts.col.resolution"): o.resolution, t("contracts.col.resolved_at"): fmt(o.resolved_at),
        } for o in detail.objections]), hide_index=True, width="stretch")
    if not {"object", "resolve"} & set(actions):
        return
    raise_col, resolve_col = st.columns(2)
    if "object" in actions:
        form = f"objection_{detail.contract.id}"
        with raise_col.expander(t("contracts.raise_objection")), st.form(instance(form)):
            name = st.text_input(t("field.objection_name"))
            contact = st.text_input(t("field.objection_contact"))
            reason = st.text_area(t("field.objection_reason"))
            if st.form_submit_button(t("contracts.raise_objection")):
                with refusals():
                    record_objection(actor=me, contract_id=detail.contract.id, objector_name=name,
                                     objector_contact=contact, reason=reason, idempotency_key=form_key(form))
                    succeeded(form)
                    done(t("contracts.objection_raised"))
    open_ones = detail.open_objections
    if open_ones and "resolve" in actions:
        with resolve_col.expander(t("contracts.resolve")), st.form("resolve"):
            obj = st.selectbox(t("field.objection_reason"), open_ones, format_func=lambda o: o.reason[:40])
            upheld = st.radio(t("contracts.resolve"), [True, False], horizontal=True,
                              format_func=lambda v: t("contracts.uphold") if v else t("contracts.dismiss"))
            why = st.text_area(t("field.objection_resolution"))
            if st.form_submit_button(t("contracts.resolve")):
                with refusals():
                    resolve_objection(actor=me, objection_id=obj.id, upheld=upheld, resolution=why)
                    done(t("contracts.resolved"))


def insurance_section(me: Actor, detail: listing.ContractDetail) -> None:
    """The trial's policies and voucher redemptions, with forms to add a policy and redeem a voucher
    when the tables allow them (staff read only contracts they may also insure and refund, so
    asking about the record type is asking about this trial)."""
    c = detail.contract
    st.subheader(t("contracts.insurance"))
    if detail.policies:
        tables.show(pd.DataFrame([{
            t("contracts.col.policy"): p.policy_number, t("contracts.col.insurer"): insurer,
            t("contracts.col.product"): p.product, t("contracts.col.premium"): p.premium,
            t("contracts.col.coverage"): p.coverage, t("contracts.col.start"): p.start_date,
            t("contracts.col.end"): p.end_date,
        } for p, insurer in detail.policies]), {
            t("contracts.col.premium"): MONEY, t("contracts.col.coverage"): MONEY,
            t("contracts.col.start"): DATE, t("contracts.col.end"): DATE})
    else:
        st.caption(t("contracts.no_policies"))
    if detail.redemptions:
        tables.show(pd.DataFrame([{
            t("contracts.col.voucher"): code, t("contracts.col.amount"): r.amount,
            t("contracts.col.redeemer"): who, t("col.time"): r.redeemed_at,
        } for r, code, who in detail.redemptions]), {t("contracts.col.amount"): MONEY, t("col.time"): MOMENT})
    if not may(me, "add", "insurance_policy"):
        return
    add_col, redeem_col = st.columns(2)
    form = f"policy_{c.id}"
    with add_col.expander(t("contracts.add_policy")), st.form(instance(form)):
        insurers = listing.insurers(actor=me)
        insurer = st.selectbox(t("field.policy_insurer"), insurers, format_func=lambda o: o[1])
        number = st.text_input(t("field.policy_number"))
        product = st.text_input(t("field.policy_product"), value="科技成果“先用后转”试用险")
        premium = st.text_input(t("field.policy_premium"))
        coverage = st.text_input(t("field.policy_coverage"))
        start = st.date_input(t("field.policy_start_date"), value=c.start_date)
        end = st.date_input(t("field.policy_end_date"), value=c.end_date)
        if st.form_submit_button(t("contracts.add_policy")):
            with refusals():
                p = add_policy(actor=me, contract_id=c.id, insurer_org_id=insurer[0] if insurer else None,
                               policy_number=number, product=product, premium=premium, coverage=coverage,
                               start_date=start, end_date=end, idempotency_key=form_key(form))
                succeeded(form)
                done(tmd("contracts.policy_added", number=p.policy_number))
    if not detail.policies or not may(me, "redeem", "voucher"):
        return
    with redeem_col.expander(t("contracts.redeem")):
        if not detail.vouchers:
            st.caption(t("contracts.no_vouchers"))
            return
        policy = st.selectbox(t("field.redemption_policy"), detail.policies, format_func=lambda p: p[0].policy_number)
        voucher = st.selectbox(t("field.redemption_voucher"), detail.vouchers,
                               format_func=lambda v: f"{v.code}（{yuan(v.balance)}）")
        b = redemption_bounds(actor=me, voucher_id=voucher.id, policy_id=policy[0].id)
        st.caption(t("contracts.redeem_bounds", rate=percent(b.rate), floor=yuan(b.floor), ceiling=yuan(b.ceiling),
                     premium=yuan(b.premium), already=yuan(b.already), balance=yuan(b.balance)))
        with st.form("redeem"):
            amount = st.text_input(t("field.redemption_amount"), value=str(b.floor))
            party = st.radio(t("field.redemption_party"), ["enterprise", "insurer"], horizontal=True,
                             format_func=lambda v: t(f"contracts.redeemer_{v}"))
            if st.form_submit_button(t("contracts.redeem")):
                with refusals():
                    red = redeem_voucher(actor=me, voucher_id=voucher.id, policy_id=policy[0].id, amount=amount,
                                         redeemed_by_org_id=policy[0].insurer_org_id if party == "insurer" else None)
                    done(t("contracts.redeemed", amount=yuan(red.amount)))
