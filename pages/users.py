"""User administration: list, add, disable / enable, reset password."""

import pandas as pd
import streamlit as st

from db.models.enums import Role
from portal.admin.users import add_user, binding_options, list_users, reset_password, set_disabled
from portal.core.clock import fmt
from portal.core.regions import cities, region_name
from portal.ui import actor, label, lang, refusals, t

me = actor()
st.title(t("nav.users"))

with refusals():
    rows = list_users(actor=me)
    st.dataframe(pd.DataFrame([{
        t("field.username"): r.username, t("field.display_name"): r.display_name,
        t("field.role"): label("role", r.role), t("field.city"): region_name(r.city_code, lang()),
        t("field.agency"): r.agency_name or "", t("field.organization"): r.organization_name or "",
        t("col.status"): t("users.disabled") if r.disabled else t("users.active"),
        t("col.last_login"): fmt(r.last_login_at),
    } for r in rows]), hide_index=True, width="stretch")

    add_tab, change_tab = st.tabs([t("users.add"), t("users.change")])
    roles = list(Role) if me.role == Role.PROVINCE_ADMIN else [
        Role.CITY_OPERATOR, Role.INSTITUTION_OFFICER, Role.PRESENTER, Role.MANAGER, Role.ENTERPRISE]
    with add_tab:
        role = st.selectbox(t("field.role"), roles, format_func=lambda r: label("role", r))
        bind_city = me.city_code
        if me.role == Role.PROVINCE_ADMIN and role in (Role.CITY_OPERATOR, Role.INSTITUTION_OFFICER, Role.ENTERPRISE):
            bind_city = st.selectbox(t("field.city"), [c.code for c in cities()],
                                     format_func=lambda c: region_name(c, lang()), key="bind_city")
        options = binding_options(actor=me, city_code=bind_city)
        with st.form("add_user", clear_on_submit=False):
            username = st.text_input(t("field.username"))
            display = st.text_input(t("field.display_name"))
            password = st.text_input(t("field.password"), type="password")
            city = agency = org = None
            is_admin = False
            if role == Role.CITY_OPERATOR:
                choice = st.selectbox(t("field.agency"), options["agencies"],
                                      format_func=lambda a: f"{a[1]}（{region_name(a[2], lang())}）")
                agency = choice[0] if choice else None
                is_admin = st.checkbox(t("field.is_city_admin"))
            elif role in (Role.INSTITUTION_OFFICER, Role.ENTERPRISE):
                pool = options["licensors"] if role == Role.INSTITUTION_OFFICER else options["enterprises"]
                choice = st.selectbox(t("field.organization"), pool,
                                      format_func=lambda o: f"{o[1]}（{region_name(o[2], lang())}）")
                org = choice[0] if choice else None
            elif role in (Role.PRESENTER, Role.MANAGER):
                codes = [c.code for c in cities()] if me.role == Role.PROVINCE_ADMIN else [me.city_code]
                if role == Role.MANAGER and me.role == Role.PROVINCE_ADMIN:
                    codes = [None, *codes]
                city = st.selectbox(t("field.city"), codes,
                                    format_func=lambda c: region_name(c, lang()) if c else t("home.scope_province"))
            if st.form_submit_button(t("users.add")):
                with refusals():
                    user = add_user(actor=me, username=username, display_name=display, password=password,
                                    role=role, city_code=city, agency_id=agency, organization_id=org,
                                    is_city_admin=is_admin)
                    st.success(t("users.added", username=user.username))

    with change_tab, st.form("change_user"):
        target = st.selectbox(t("field.username"), [r.username for r in rows])
        action = st.radio(t("users.action"), ["disable", "enable", "reset"],
                          format_func=lambda a: t(f"users.action_{a}"), horizontal=True)
        new_password = st.text_input(t("field.new_password"), type="password")
        if st.form_submit_button(t("users.apply")):
            with refusals():
                if action == "reset":
                    reset_password(actor=me, username=target, new_password=new_password)
                else:
                    set_disabled(actor=me, username=target, disabled=action == "disable")
                st.success(t("users.changed", username=target))
