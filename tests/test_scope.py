"""Tenancy (DOMAIN.md rule 9) in the foundation's services: Hangzhou never sees Ningbo."""

from __future__ import annotations

import pytest

from db.models.enums import Role
from portal.admin.audit_log import list_audit
from portal.admin.users import add_user, set_disabled
from portal.core.errors import NotFound, PermissionDenied
from portal.dashboards.home import home_figures
from tests.factories import make_trial


def test_home_figures_count_only_own_city(world) -> None:
    make_trial(world.nb.result, world.nb.enterprise, world.nb.agency)
    make_trial(world.nb.result, world.nb.enterprise, world.nb.agency)
    make_trial(world.hz.result, world.hz.enterprise, world.hz.agency)
    hz = {m.key: m.value for m in home_figures(actor=world.hz.operator).metrics}
    nb = {m.key: m.value for m in home_figures(actor=world.nb.operator).metrics}
    province = {m.key: m.value for m in home_figures(actor=world.admin).metrics}
    assert (hz["home.trials_running"], nb["home.trials_running"], province["home.trials_running"]) == (1, 2, 3)
    assert (hz["home.results_listed"], province["home.results_listed"]) == (1, 2)


def test_hangzhou_admin_cannot_touch_ningbo_through_user_services(world) -> None:
    with pytest.raises(NotFound):
        set_disabled(actor=world.hz.operator, username="nb_op2", disabled=True)
    with pytest.raises(PermissionDenied):
        add_user(actor=world.hz.operator, username="spy", display_name="x", password="Secret123",
                 role=Role.INSTITUTION_OFFICER, organization_id=world.nb.licensor.id)


def test_audit_trail_is_scoped(world) -> None:
    set_disabled(actor=world.admin, username="nb_op2", disabled=True)
    set_disabled(actor=world.admin, username="hz_op2", disabled=True)
    hz_rows = list_audit(actor=world.hz.operator).rows
    assert {r.city_code for r in hz_rows} == {"330100"}
    assert {r.city_code for r in list_audit(actor=world.admin).rows} == {"330100", "330200"}
    with pytest.raises(PermissionDenied):
        list_audit(actor=world.hz.plain_operator)
