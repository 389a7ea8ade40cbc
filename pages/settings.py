"""Policy settings (low code): a city's rates, days, budgets link, activity weights, points rules and
local labels, saved as versions with who/when/why; the province sets floors and compares cities."""

import pandas as pd
import streamlit as st

from db.models.enums import PointsKind
from portal import navigation
from portal.admin import settings
from portal.core import policy
from portal.core.clock import fmt
from portal.core.errors import PermissionDenied
from portal.core.regions import PROVINCE_CODE, region_name
from portal.core.spreadsheet import PERCENT
from portal.core.workflow import may
from portal.ui import actor, done, label, lang, refusals, show_flash, t, tmd
from portal.ui import notify as notify_ui
from portal.ui.downloads import Table, downloads

me = actor()
st.title(t("nav.settings"))
show_flash()


def _pct(rate) -> str:  # noqa: ANN001
    return f"{(rate * 100).normalize():f}%"


with refusals():
    sets_floors = may(me, "save_floors", "policy_version")
    if sets_floors:
        floors = policy.province_floors()
        st.subheader(t("settings.floors"))
        with st.form("floors"):
            a, b = st.columns(2)
            fee_floor = a.text_input(t("field.policy_fee_floor"), value=_pct(floors.service_fee_floor))
            voucher_floor = b.text_input(t("field.policy_voucher_floor"), value=_pct(floors.voucher_refund_floor))
            why = st.text_input(t("field.change_reason"), key="floor_reason")
            if st.form_submit_button(t("settings.save_floors"), type="primary"):
                with refusals():
                    settings.save_province_floors(actor=me, service_fee_floor=fee_floor,
                                                voucher_refund_floor=voucher_floor, reason=why)
                    done(t("settings.saved_floors"))
        st.subheader(t("settings.overview"))
        overview = settings.policy_overview(actor=me)
        rates = (t("field.policy_fee_rate"), t("field.policy_voucher_rate"))
        table = Table(pd.DataFrame([{
            t("field.city"): region_name(code, lang()), t("field.policy_fee_rate"): p.service_fee_rate,
            t("field.policy_voucher_rate"): p.voucher_refund_rate, t("field.policy_notice_days"): p.notice_days,
            t("field.policy_reminder_days"): p.trial_reminder_days,
            **{label("points_kind", k): p.points_rules.get(k, 0) for k in PointsKind},
            t("settings.scheme_label"): p.labels.get("scheme", ""),
        } for code, p in overview.items()]), dict.fromkeys(rates, PERCENT))
        table.show(height=35 * (len(table.frame) + 1) + 3)
        downloads(table, "city-settings", "overview")
    editable = settings.editable_cities(actor=me)
    if not editable:
        raise PermissionDenied()
    city = st.selectbox(t("settings.edit_city"), editable, format_func=lambda c: region_name(c, lang())) \
        if len(editable) > 1 else editable[0]

    current = policy.current_policy(city)
    st.subheader(t("settings.city_title", city=region_name(city, lang())))
    st.caption(t("settings.floor_note", fee=_pct(policy.province_floors().service_fee_floor),
                 voucher=_pct(policy.province_floors().voucher_refund_floor)))
    with st.form("city_policy"):
        a, b, c, d = st.columns(4)
        fee = a.text_input(t("field.policy_fee_rate"), value=_pct(current.service_fee_rate))
        voucher = b.text_input(t("field.policy_voucher_rate"), value=_pct(current.voucher_refund_rate))
        notice = c.number_input(t("field.policy_notice_days"), value=current.notice_days, step=1)
        reminder = d.number_input(t("field.policy_reminder_days"), value=current.trial_reminder_days, step=1)
        st.markdown(f"**{t('field.policy_activity_weights')}**")
        cols = st.columns(len(policy.ACTIVITY_COMPONENTS))
        weights = {k: col.text_input(t(f"settings.weight.{k}"), value=f"{current.activity_weights[k]:f}")
                   for k, col in zip(policy.ACTIVITY_COMPONENTS, cols, strict=True)}
        st.markdown(f"**{t('field.policy_points_rules')}**")
        cols = st.columns(len(PointsKind))
        rules = {k.value: col.number_input(label("points_kind", k), value=int(current.points_rules.get(k, 0)), step=1)
                 for k, col in zip(PointsKind, cols, strict=True)}
        st.markdown(f"**{t('field.policy_labels')}**")
        cols = st.columns(len(policy.LABEL_KEYS))
        labels = {k: col.text_input(t(f"settings.label.{k}"), value=current.labels.get(k, ""))
                  for k, col in zip(policy.LABEL_KEYS, cols, strict=True)}
        reason = st.text_input(t("field.change_reason"))
        if st.form_submit_button(t("settings.save"), type="primary"):
            with refusals():
                saved = settings.save_city_policy(actor=me, city_code=city, reason=reason, data={
                    "service_fee_rate": fee, "voucher_refund_rate": voucher, "notice_days": notice,
                    "trial_reminder_days": reminder, "activity_weights": weights, "points_rules": rules,
                    "labels": labels})
                done(t("settings.saved", version=saved.version))

    links = st.columns(2)
    links[0].page_link("../pages/budgets.py", label=t("settings.budgets_link"), icon=":material/account_balance_wallet:")
    if any(p.key == "templates" for p in navigation.pages_for(me)):
        links[1].page_link("../pages/templates.py", label=t("settings.templates_link"), icon=":material/edit_document:")

    notify_ui.settings_section(me, city)

    st.subheader(t("settings.history"))
    history = settings.policy_history(actor=me, region_code=city)
    if history:
        st.dataframe(pd.DataFrame([{
            t("settings.col.version"): h.version, t("settings.col.when"): fmt(h.changed_at),
            t("settings.col.who"): h.changed_by, t("settings.col.why"): h.reason,
            t("settings.col.changed"): "、".join(t(f"settings.key.{k}") for k in h.changed_keys)} for h in history]),
            hide_index=True, width="stretch")
    if sets_floors:
        floors_history = settings.policy_history(actor=me, region_code=PROVINCE_CODE)
        if floors_history:
            st.caption(tmd("settings.floors_history", version=floors_history[0].version,
                         when=fmt(floors_history[0].changed_at), who=floors_history[0].changed_by))
