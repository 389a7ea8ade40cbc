"""Which pages exist and which roles see them: the router builds st.navigation from this table.

Each capability adds its pages here. A page a role may not open is still registered for that
role, hidden, as a refusal, so a URL typed by hand shows "no access" rather than another page.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models.enums import Role
from portal.core.actor import Actor

ALL_ROLES = tuple(Role)
CITY_STAFF = (Role.PROVINCE_ADMIN, Role.CITY_OPERATOR)
HUB_ROLES = (Role.PROVINCE_ADMIN, Role.CITY_OPERATOR, Role.MANAGER, Role.ENTERPRISE)  # 供需荟 demands


@dataclass(frozen=True)
class PageSpec:
    """A page file in pages/, its URL path (= i18n key nav.<key>), section and roles."""

    key: str
    file: str
    icon: str
    section: str
    roles: tuple[str, ...]
    city_admin_only: bool = False  # for city operators: only those who administer the city

    def allows(self, actor: Actor) -> bool:
        """Whether actor may open this page."""
        if actor.role not in self.roles:
            return False
        if self.city_admin_only and actor.role == Role.CITY_OPERATOR:
            return actor.is_city_admin
        return True


PAGES: list[PageSpec] = [
    PageSpec("home", "home.py", ":material/home:", "main", ALL_ROLES),
    PageSpec("pool", "pool.py", ":material/inventory_2:", "pool", ALL_ROLES),
    PageSpec("my_results", "my_results.py", ":material/edit_note:", "pool",
             (*CITY_STAFF, Role.INSTITUTION_OFFICER)),
    PageSpec("approvals", "approvals.py", ":material/approval:", "pool", (*CITY_STAFF, Role.INSTITUTION_OFFICER)),
    PageSpec("three_year", "three_year.py", ":material/hourglass_bottom:", "pool",
             (*CITY_STAFF, Role.INSTITUTION_OFFICER, Role.MANAGER)),
    PageSpec("pool_import", "pool_import.py", ":material/upload_file:", "pool",
             (*CITY_STAFF, Role.INSTITUTION_OFFICER)),
    PageSpec("roadshows", "roadshows.py", ":material/campaign:", "roadshow", CITY_STAFF),
    PageSpec("presenter", "presenter.py", ":material/co_present:", "roadshow", (*CITY_STAFF, Role.PRESENTER)),
    PageSpec("demands", "demands.py", ":material/lightbulb:", "hub", HUB_ROLES),
    PageSpec("recommend", "recommend.py", ":material/auto_awesome:", "hub", HUB_ROLES),
    PageSpec("matches", "matches.py", ":material/handshake:", "hub", (*CITY_STAFF, Role.MANAGER)),
    PageSpec("pilot_platforms", "pilot_platforms.py", ":material/factory:", "pilot", ALL_ROLES),
    PageSpec("pilot_bookings", "pilot_bookings.py", ":material/event_available:", "pilot",
             (Role.PROVINCE_ADMIN, Role.CITY_OPERATOR, Role.MANAGER, Role.ENTERPRISE)),
    PageSpec("pilot_calendar", "pilot_calendar.py", ":material/calendar_month:", "pilot",
             (Role.PROVINCE_ADMIN, Role.CITY_OPERATOR, Role.MANAGER)),
    PageSpec("contracts", "contracts.py", ":material/contract:", "contracts",
             (*CITY_STAFF, Role.INSTITUTION_OFFICER, Role.ENTERPRISE)),
    PageSpec("contract", "contract_detail.py", ":material/description:", "contracts",
             (*CITY_STAFF, Role.INSTITUTION_OFFICER, Role.ENTERPRISE)),
    PageSpec("expiring", "expiring.py", ":material/alarm:", "contracts", CITY_STAFF),
    PageSpec("vouchers", "vouchers.py", ":material/confirmation_number:", "contracts", CITY_STAFF),
    PageSpec("templates", "templates.py", ":material/edit_document:", "contracts", CITY_STAFF,
             city_admin_only=True),
    PageSpec("claims", "claims.py", ":material/request_quote:", "claims", (*CITY_STAFF, Role.MANAGER)),
    PageSpec("budgets", "budgets.py", ":material/account_balance_wallet:", "claims", (*CITY_STAFF, Role.MANAGER)),
    PageSpec("dashboard", "dashboard.py", ":material/monitoring:", "dashboard", (*CITY_STAFF, Role.MANAGER)),
    PageSpec("rankings", "rankings.py", ":material/leaderboard:", "dashboard", (*CITY_STAFF, Role.MANAGER)),
    PageSpec("settings", "settings.py", ":material/tune:", "admin", CITY_STAFF, city_admin_only=True),
    PageSpec("users", "users.py", ":material/group:", "admin", CITY_STAFF, city_admin_only=True),
    PageSpec("audit", "audit.py", ":material/history:", "admin", CITY_STAFF, city_admin_only=True),
    PageSpec("account", "account.py", ":material/person:", "admin", ALL_ROLES),
]

# Pages anyone may open without signing in (e.g. a roadshow's QR intent page).
PUBLIC_PAGES: list[PageSpec] = [
    PageSpec("intent", "intent.py", ":material/qr_code_2:", "roadshow", ()),  # a roadshow card's QR code
]

SECTION_ORDER = ("main", "pool", "roadshow", "hub", "pilot", "contracts", "claims", "dashboard", "admin")


def pages_for(actor: Actor) -> list[PageSpec]:
    """The pages actor may open, in table order."""
    return [p for p in PAGES if p.allows(actor)]


def page_keys_for(actor: Actor) -> list[str]:
    """The URL paths of pages_for(actor) (used by tests and the refusal logic)."""
    return [p.key for p in pages_for(actor)]
