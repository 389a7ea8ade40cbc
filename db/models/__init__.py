"""The one shared schema. Import every model here so that metadata and Alembic see them all."""

from db.models.base import Record
from db.models.claims import Budget, FeeClaim, PointsEvent
from db.models.contracts import Contract, InsurancePolicy, Voucher, VoucherRedemption
from db.models.core import (
    ActionKey,
    Agency,
    Attachment,
    AuditEntry,
    ContractTemplate,
    NumberCounter,
    Organization,
    PolicyVersion,
    Region,
    UserAccount,
)
from db.models.dashboards import DASHBOARD_INDEXES  # noqa: F401 — indexes on other tables
from db.models.matching import (
    Demand,
    DemandVector,
    Intent,
    Match,
    ResultTerms,
    ResultVector,
    SearchState,
)
from db.models.notify import NotifyPreference, NotifySetting, OutboxMessage
from db.models.pilot import PilotBooking, PilotPlatform, PilotResource
from db.models.pool import ApprovalStep, Objection, PublicNotice, Result
from db.models.roadshow import Roadshow, RoadshowAttendance, RoadshowItem

__all__ = [
    "ActionKey", "Agency", "ApprovalStep", "Attachment", "AuditEntry", "Budget", "Contract", "ContractTemplate",
    "Demand", "FeeClaim", "NotifyPreference", "NotifySetting", "OutboxMessage", "InsurancePolicy", "Intent", "Match", "NumberCounter", "Objection",
    "Organization",
    "PilotBooking", "PilotPlatform", "PilotResource", "PointsEvent", "PolicyVersion",
    "PublicNotice", "Record", "Region", "Result", "Roadshow", "RoadshowAttendance",
    "RoadshowItem", "ResultTerms", "ResultVector", "DemandVector", "SearchState", "UserAccount", "Voucher", "VoucherRedemption",
]
