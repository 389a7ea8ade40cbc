"""User administration: list, add, disable / enable, reset password, lift a sign-in wait."""

import pandas as pd
import streamlit as st

from portal.admin import users
from portal.admin.users import Binding
from portal.core.clock import fmt
from portal.core.regions import region_name
from portal.ui import actor, done, label, lang, refusals, show_flash, t, tmd
from portal.ui.forms import form_key, instance, succeeded

# the actions of the change tab, as the workflow names them → their catalogue keys
CHANGES = {"disable": "users.action_disable", "enable": "users.action_enable", "reset_password": "users.action_reset",
           "unlock": "users.action_unlock"}
ORG_PICKERS = {Binding.INSTITUTION: "licensors", Binding.ENTERPRISE: "enterprises"}

me = actor()
st.title(t("nav.users"))
show_flash()


def _city_name(code: str | None) -> str:
    return region_name(code, lang()) if code else t("home.scope_province")


with refusals():
    rows = users.list_users(actor=me)
    st.dataframe(pd.DataFrame([{
        t("field.username"): r.username, t("field.display_name"): r.display_name,
        t("field.role"): label("role", r.role), t("field.city"): region_name(r.city_code, lang()),
        t("field.agency"): r.agency_name or "", t("field.organization"): r.organization_name or "",
        t("col.status"): t("users.disabled") if r.disabled else t("users.active"),
        t("col.last_login"): fmt(r.last_login_at), t("users.waits_until"): fmt(r.locked_until),
    } for r in rows]), hide_index=True, width="stretch")

    add_tab, change_tab = st.tabs([t("users.add"), t("users.change_account")])
    with add_tab:
        role = st.selectbox(t("field.role"), users.assignable_roles(actor=me), format_func=lambda r: label("role", r))
        binding = users.BINDINGS[role]
        codes = users.binding_cities(actor=me, role=role)
        bind_city = codes[0] if codes else None
        options = {"agencies": [], "licensors": [], "enterprises": []}
        if binding is Binding.AGENCY or binding in ORG_PICKERS:
            if len(codes) > 1:  # the province chooses the city first: one city's names at a time
                bind_city = st.selectbox(t("field.city"), codes, format_func=_city_name, key="bind_city")
            query = st.text_input(t("admin.find_organization"), key="bind_query") if binding in ORG_PICKERS else ""
            options = users.binding_options(actor=me, city_code=bind_city, query=query)
        with st.form(instance("add_user")):  # empty again once the account is made
            username = st.text_input(t("field.username"))
            display = st.text_input(t("field.display_name"))
            password = st.text_input(t("field.password"), type="password")
            city = agency = org = None
            is_admin = False
            if binding is Binding.AGENCY:
                choice = st.selectbox(t("field.agency"), options["agencies"],
                                      format_func=lambda a: f"{a[1]}（{region_name(a[2], lang())}）")
                agency = choice[0] if choice else None
                is_admin = st.checkbox(t("field.is_city_admin"))
            elif binding in ORG_PICKERS:
                choice = st.selectbox(t("field.organization"), options[ORG_PICKERS[binding]],
                                      format_func=lambda o: f"{o[1]}（{region_name(o[2], lang())}）")
                org = choice[0] if choice else None
            elif binding in (Binding.CITY, Binding.CITY_OR_PROVINCE):
                city = st.selectbox(t("field.city"), codes, format_func=_city_name)
            if st.form_submit_button(t("users.add")):
                with refusals():
                    user = users.add_user(actor=me, username=username, display_name=display, password=password,
                                          role=role, city_code=city, agency_id=agency, organization_id=org,
                                          is_city_admin=is_admin, idempotency_key=form_key("add_user"))
                    succeeded("add_user")
                    done(tmd("users.added", username=user.username))

    with change_tab:
        by_name = {r.username: r for r in rows}
        target = st.selectbox(t("field.username"), list(by_name), key="change_target")
        actions = [a for a in users.account_actions(me, by_name[target]) if a in CHANGES] if target else []
        with st.form("change_user"):
            action = st.radio(t("users.action"), actions, format_func=lambda a: t(CHANGES[a]), horizontal=True)
            new_password = st.text_input(t("field.new_password"), type="password")
            if st.form_submit_button(t("users.apply"), disabled=not actions):
                with refusals():
                    if action == "reset_password":
                        users.reset_password(actor=me, username=target, new_password=new_password)
                    elif action == "unlock":
                        users.unlock_user(actor=me, username=target)
                    else:
                        users.set_disabled(actor=me, username=target, disabled=action == "disable")
                    done(tmd("users.changed", username=target))
