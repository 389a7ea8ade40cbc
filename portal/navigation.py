"""Which pages exist and who may open them: the router builds st.navigation from this table.

Who may open a page is not written here: each page names the workflow steps it serves, and the
capabilities' tables (`portal/<capability>/rules.py`) say who may take them, so a page and the
services behind it cannot disagree. A page a user may not open is still registered, hidden, as a
refusal, so a URL typed by hand shows "no access" rather than another page.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.admin import rules as _admin  # noqa: F401 — each import registers its tables
from portal.claims import rules as _claims  # noqa: F401
from portal.contracts import rules as _contracts  # noqa: F401
from portal.core.actor import Actor
from portal.core.workflow import may
from portal.dashboards import rules as _dashboards  # noqa: F401
from portal.hub import rules as _hub  # noqa: F401
from portal.pilot import rules as _pilot  # noqa: F401
from portal.pool import rules as _pool  # noqa: F401
from portal.requests import rules as _requests  # noqa: F401
from portal.roadshows import rules as _roadshows  # noqa: F401

Need = tuple[str, str]  # (entity, action) of a workflow: the page opens for whoever may take it


@dataclass(frozen=True)
class PageSpec:
    """A page file in pages/, its URL path (= i18n key nav.<key>), section, and what opening it
    takes: any one of its needs, asked of the workflow tables (none: every signed-in user)."""

    key: str
    file: str
    icon: str
    section: str
    needs: tuple[Need, ...] = ()

    def allows(self, actor: Actor) -> bool:
        """Whether actor may open this page."""
        return not self.needs or any(may(actor, action, entity) for entity, action in self.needs)


PAGES: list[PageSpec] = [
    PageSpec("home", "home.py", ":material/home:", "main"),
    PageSpec("pool", "pool.py", ":material/inventory_2:", "pool", (("result", "read"),)),
    PageSpec("my_results", "my_results.py", ":material/edit_note:", "pool", (("result", "create"),)),
    PageSpec("approvals", "approvals.py", ":material/approval:", "pool",
             (("result", "approve"), ("result", "start_notice"))),
    PageSpec("three_year", "three_year.py", ":material/hourglass_bottom:", "pool", (("result", "oversee"),)),
    PageSpec("pool_import", "pool_import.py", ":material/upload_file:", "pool", (("result", "import"),)),
    PageSpec("roadshows", "roadshows.py", ":material/campaign:", "roadshow", (("roadshow", "create"),)),
    PageSpec("presenter", "presenter.py", ":material/co_present:", "roadshow", (("roadshow", "present"),)),
    PageSpec("demands", "demands.py", ":material/lightbulb:", "hub", (("demand", "read"),)),
    PageSpec("recommend", "recommend.py", ":material/auto_awesome:", "hub", (("demand", "read"),)),
    PageSpec("matches", "matches.py", ":material/handshake:", "hub", (("match_record", "pipeline"),)),
    # the enterprise's own requests; the city's inbox of them (DOMAIN.md rule 12)
    PageSpec("my_requests", "my_requests.py", ":material/assignment:", "hub", (("enterprise_request", "submit"),)),
    PageSpec("requests", "requests.py", ":material/inbox:", "hub", (("enterprise_request", "decline"),)),
    PageSpec("pilot_platforms", "pilot_platforms.py", ":material/factory:", "pilot", (("pilot_platform", "read"),)),
    PageSpec("pilot_bookings", "pilot_bookings.py", ":material/event_available:", "pilot",
             (("pilot_booking", "read"),)),
    PageSpec("pilot_calendar", "pilot_calendar.py", ":material/calendar_month:", "pilot",
             (("pilot_platform", "utilization"),)),
    PageSpec("contracts", "contracts.py", ":material/contract:", "contracts", (("contract", "read"),)),
    PageSpec("contract", "contract_detail.py", ":material/description:", "contracts", (("contract", "read"),)),
    PageSpec("expiring", "expiring.py", ":material/alarm:", "contracts", (("contract", "follow_expiry"),)),
    PageSpec("vouchers", "vouchers.py", ":material/confirmation_number:", "contracts", (("voucher", "issue"),)),
    PageSpec("templates", "templates.py", ":material/edit_document:", "contracts", (("contract_template", "edit"),)),
    PageSpec("claims", "claims.py", ":material/request_quote:", "claims", (("fee_claim", "read"),)),
    PageSpec("budgets", "budgets.py", ":material/account_balance_wallet:", "claims", (("budget", "read"),)),
    PageSpec("dashboard", "dashboard.py", ":material/monitoring:", "dashboard", (("dashboard", "read"),)),
    PageSpec("rankings", "rankings.py", ":material/leaderboard:", "dashboard", (("dashboard", "read"),)),
    PageSpec("settings", "settings.py", ":material/tune:", "admin", (("policy_version", "save"),)),
    PageSpec("users", "users.py", ":material/group:", "admin", (("user_account", "list"),)),
    PageSpec("audit", "audit.py", ":material/history:", "admin", (("audit_entry", "read"),)),
    PageSpec("account", "account.py", ":material/person:", "admin"),
]

# Every page needs a signed-in user: a roadshow card's QR code opens the intent page, which is plain
# HTML served beside Streamlit (portal/web/public.py, /intent?t=…).

SECTION_ORDER = ("main", "pool", "roadshow", "hub", "pilot", "contracts", "claims", "dashboard", "admin")


def pages_for(actor: Actor) -> list[PageSpec]:
    """The pages actor may open, in table order."""
    return [p for p in PAGES if p.allows(actor)]


def page_keys_for(actor: Actor) -> list[str]:
    """The URL paths of pages_for(actor) (used by tests and the refusal logic)."""
    return [p.key for p in pages_for(actor)]
