"""Each demo role sees exactly its pages; a page outside the role cannot be opened."""

from __future__ import annotations

import pytest

from portal import navigation
from tests.pages.conftest import texts

# The exact pages each demo account may open (file names in pages/). Written out by hand on
# purpose: a change to a workflow table that opens or closes a page must be mirrored here.
EXPECTED: dict[str, set[str]] = {
    "zj_admin": {"roadshows.py", "presenter.py", "demands.py", "recommend.py", "matches.py", "requests.py", "claims.py", "budgets.py", "dashboard.py", "rankings.py", "settings.py", "pool.py", "my_results.py", "approvals.py", "three_year.py", "pool_import.py", "contracts.py", "contract_detail.py", "expiring.py", "vouchers.py", "templates.py", "pilot_platforms.py", "pilot_bookings.py", "pilot_calendar.py", "home.py", "users.py", "audit.py", "account.py"},
    "hz_operator": {"roadshows.py", "presenter.py", "demands.py", "recommend.py", "matches.py", "requests.py", "claims.py", "budgets.py", "dashboard.py", "rankings.py", "settings.py", "pool.py", "my_results.py", "approvals.py", "three_year.py", "pool_import.py", "contracts.py", "contract_detail.py", "expiring.py", "vouchers.py", "templates.py", "pilot_platforms.py", "pilot_bookings.py", "pilot_calendar.py", "home.py", "users.py", "audit.py", "account.py"},  # a city administrator
    "nb_operator": {"roadshows.py", "presenter.py", "demands.py", "recommend.py", "matches.py", "requests.py", "claims.py", "budgets.py", "dashboard.py", "rankings.py", "settings.py", "pool.py", "my_results.py", "approvals.py", "three_year.py", "pool_import.py", "contracts.py", "contract_detail.py", "expiring.py", "vouchers.py", "templates.py", "pilot_platforms.py", "pilot_bookings.py", "pilot_calendar.py", "home.py", "users.py", "audit.py", "account.py"},
    "wz_operator": {"roadshows.py", "presenter.py", "demands.py", "recommend.py", "matches.py", "requests.py", "claims.py", "budgets.py", "dashboard.py", "rankings.py", "settings.py", "pool.py", "my_results.py", "approvals.py", "three_year.py", "pool_import.py", "contracts.py", "contract_detail.py", "expiring.py", "vouchers.py", "templates.py", "pilot_platforms.py", "pilot_bookings.py", "pilot_calendar.py", "home.py", "users.py", "audit.py", "account.py"},
    "zju_officer": {"pool.py", "my_results.py", "approvals.py", "three_year.py", "pool_import.py", "contracts.py", "contract_detail.py", "pilot_platforms.py", "home.py", "account.py"},
    "presenter": {"presenter.py", "home.py", "account.py"},  # published roadshow cards only (rule 9)
    "hz_manager": {"demands.py", "recommend.py", "matches.py", "claims.py", "budgets.py", "dashboard.py", "rankings.py", "pool.py", "three_year.py", "pilot_platforms.py", "pilot_bookings.py", "pilot_calendar.py", "contracts.py", "contract_detail.py", "home.py", "account.py"},  # reading
    "zj_manager": {"demands.py", "recommend.py", "matches.py", "claims.py", "budgets.py", "dashboard.py", "rankings.py", "pool.py", "three_year.py", "pilot_platforms.py", "pilot_bookings.py", "pilot_calendar.py", "contracts.py", "contract_detail.py", "home.py", "account.py"},  # reading
    "ent_demo": {"demands.py", "recommend.py", "my_requests.py", "pool.py", "contracts.py", "contract_detail.py", "pilot_platforms.py", "pilot_bookings.py", "home.py", "account.py"},
}


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_role_sees_exactly_its_pages(app, username: str) -> None:
    at = app(username)
    opened, refused = set(), set()
    for spec in navigation.PAGES:
        try:
            at.switch_page(f"../pages/{spec.file}")
        except ValueError:
            refused.add(spec.file)
            continue
        at.run()
        assert not at.exception, (spec.file, at.exception)
        opened.add(spec.file)
    assert opened == EXPECTED[username]
    assert refused == {p.file for p in navigation.PAGES} - EXPECTED[username]


def test_signed_out_visitor_sees_only_the_login_form(demo_db) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60).run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.metric
    with pytest.raises(ValueError):
        at.switch_page("../pages/home.py")


def test_wrong_password_is_refused_and_right_one_signs_in(demo_db) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input[0].input("hz_operator")
    at.text_input[1].input("wrong-password1")
    at.button[0].click().run()
    assert "用户名或密码不正确。" in texts(at)
    assert not at.metric
    at.text_input[0].input("hz_operator")
    at.text_input[1].input("Demo@2026")
    at.button[0].click().run()
    assert not at.exception
    assert "您好，杭州运营专员" in texts(at)
    assert at.metric  # the home page's figures, in the same run as the sign-in
