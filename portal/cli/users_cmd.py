"""`portal users add|list|disable|enable|reset-password|unlock`, acting as the province system user."""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlmodel import select

from db.engine import read_session
from db.models import Agency, Organization
from portal.admin.users import add_user, list_users, reset_password, set_disabled, unlock_user
from portal.cli.common import add_database_options, apply_database_options, say
from portal.core.actor import SYSTEM
from portal.core.clock import fmt
from portal.core.errors import ValidationError
from portal.core.i18n import label
from portal.core.regions import all_regions, region_name


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="user accounts")
    us = users.add_subparsers(dest="users_command", required=True)

    add = us.add_parser("add", help="add an account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--role", required=True, help="province_admin, city_operator, institution_officer, presenter, manager, enterprise")
    add.add_argument("--city", help="city adcode or name (presenters, city managers)")
    add.add_argument("--agency", help="agency name (city operators)")
    add.add_argument("--org", help="organization name (institution officers, enterprise users)")
    add.add_argument("--city-admin", action="store_true", help="operator may edit the city's settings")
    add.add_argument("--password", help="initial password (asked for when omitted)")
    add.set_defaults(handler=add_cmd)

    lst = us.add_parser("list", help="list accounts")
    lst.set_defaults(handler=list_cmd)
    helps = {"unlock": "lift the wait after too many failed sign-ins"}
    for name, handler in (("disable", disable_cmd), ("enable", enable_cmd), ("reset-password", reset_cmd),
                          ("unlock", unlock_cmd)):
        p = us.add_parser(name, help=helps.get(name, f"{name} an account"))
        p.add_argument("username")
        if name == "reset-password":
            p.add_argument("--password", help="new password (asked for when omitted)")
        p.set_defaults(handler=handler)
    for p in (add, lst, *[us.choices[n] for n in ("disable", "enable", "reset-password", "unlock")]):
        add_database_options(p)


def _password(args: argparse.Namespace, field: str) -> str:
    if args.password:
        return args.password
    if not sys.stdin.isatty():
        raise ValidationError("error.required", field=field)
    return getpass.getpass("Password: ")


def _city_code(value: str | None) -> str | None:
    if not value:
        return None
    for info in all_regions().values():
        if value in (info.code, info.name_zh, info.name_en, info.name_zh.removesuffix("市")):
            return info.code
    raise ValidationError("error.bad_choice", field="city", value=value)


def _by_name(model, value: str | None, field: str):  # noqa: ANN001, ANN202
    if not value:
        return None
    with read_session() as s:
        row = s.exec(select(model).where(model.name == value)).first()
    if row is None:
        raise ValidationError("error.bad_choice", field=field, value=value)
    return row.id


def add_cmd(args: argparse.Namespace) -> int:
    apply_database_options(args)
    password = _password(args, "password")
    user = add_user(actor=SYSTEM, username=args.username, display_name=args.name, password=password,
                    role=args.role, city_code=_city_code(args.city), agency_id=_by_name(Agency, args.agency, "agency"),
                    organization_id=_by_name(Organization, args.org, "organization"), is_city_admin=args.city_admin)
    say(args, "cli.user_added", username=user.username)
    return 0


def list_cmd(args: argparse.Namespace) -> int:
    apply_database_options(args)
    for row in list_users(actor=SYSTEM):
        state = "disabled" if row.disabled else "active"
        if row.locked_until:
            state += f", waits until {fmt(row.locked_until)}"
        print(f"{row.username:<16} {label('role', row.role, args.lang):<12} "
              f"{region_name(row.city_code, args.lang) or '-':<8} {row.agency_name or row.organization_name or '-':<30} {state}")
    return 0


def disable_cmd(args: argparse.Namespace) -> int:
    apply_database_options(args)
    set_disabled(actor=SYSTEM, username=args.username, disabled=True)
    say(args, "cli.user_disabled", username=args.username)
    return 0


def enable_cmd(args: argparse.Namespace) -> int:
    apply_database_options(args)
    set_disabled(actor=SYSTEM, username=args.username, disabled=False)
    say(args, "cli.user_enabled", username=args.username)
    return 0


def reset_cmd(args: argparse.Namespace) -> int:
    apply_database_options(args)
    reset_password(actor=SYSTEM, username=args.username, new_password=_password(args, "new_password"))
    say(args, "cli.password_reset", username=args.username)
    return 0


def unlock_cmd(args: argparse.Namespace) -> int:
    apply_database_options(args)
    unlock_user(actor=SYSTEM, username=args.username)
    say(args, "cli.user_unlocked", username=args.username)
    return 0
