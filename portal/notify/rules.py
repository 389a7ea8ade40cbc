"""Who may do what with notifications, as data.

A city's notification settings (events → recipients, reminder days, quiet hours, group robots),
its outbox's state, the test messages and putting failed messages back in the queue belong to
its administrators and the province. Everyone keeps their own preferences (e-mail on or off,
language, calendar feed) and reads the messages sent to them ("own": Reach.SELF, the
preference's user is the actor).
"""

from __future__ import annotations

from db.models import NotifyPreference, NotifySetting
from db.models.enums import Role
from portal.core.workflow import CITY_ADMINS, Reach, Step, Workflow, register

OWN = {role: Reach.SELF for role in Role}

NOTIFY = register(Workflow(
    "notify_setting", (), records=(NotifySetting,), audit_prefix="notify",
    steps=(
        Step("read", CITY_ADMINS),
        Step("configure", CITY_ADMINS),
        Step("send_test", CITY_ADMINS),
        Step("retry", CITY_ADMINS),
    ),
))

PREFERENCE = register(Workflow(
    "notify_preference", (), records=(NotifyPreference,), creator="user_id", audit_prefix="notify_preference",
    steps=(
        Step("read", OWN),
        Step("set", OWN),
        Step("calendar", OWN),
    ),
))
