"""Enumerated values stored as short strings; labels live in the i18n catalogue (enum.<kind>.<value>)."""

from enum import StrEnum


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class OrgKind(StrEnum):
    UNIVERSITY = "university"  # 高校院所 (universities and research institutes)
    INSTITUTE = "institute"
    MEDICAL = "medical"  # 医疗卫生机构
    RND = "rnd"  # 新型研发机构
    ENTERPRISE = "enterprise"
    INSURER = "insurer"
    AGENCY = "agency"  # 专责运营机构 / 技术转移机构
    PLATFORM = "platform"  # host of a pilot-testing platform


LICENSOR_KINDS = (OrgKind.UNIVERSITY, OrgKind.INSTITUTE, OrgKind.MEDICAL, OrgKind.RND)


class EnterpriseSize(StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class Role(StrEnum):
    PROVINCE_ADMIN = "province_admin"
    CITY_OPERATOR = "city_operator"
    INSTITUTION_OFFICER = "institution_officer"
    PRESENTER = "presenter"
    MANAGER = "manager"  # city scope when city_code is set, province scope otherwise
    ENTERPRISE = "enterprise"


class ResultType(StrEnum):
    INVENTION = "invention"
    UTILITY_MODEL = "utility_model"
    DESIGN = "design"
    SOFTWARE = "software"
    IC_LAYOUT = "ic_layout"
    PLANT_VARIETY = "plant_variety"
    OTHER = "other"


PATENT_TYPES = (ResultType.INVENTION, ResultType.UTILITY_MODEL, ResultType.DESIGN)


class Field_(StrEnum):
    """Technology fields (a fixed list, after Zhejiang's '315' innovation system)."""

    DIGITAL = "digital"  # 数字经济 / 电子信息
    AI = "ai"  # 人工智能
    NEW_MATERIALS = "new_materials"
    BIOMEDICINE = "biomedicine"
    MEDICAL_DEVICES = "medical_devices"
    HIGH_END_EQUIPMENT = "high_end_equipment"
    NEW_ENERGY = "new_energy"
    ENVIRONMENT = "environment"
    AGRICULTURE = "agriculture"
    CHEMICALS = "chemicals"
    TEXTILES = "textiles"
    MARINE = "marine"


class ExclusionReason(StrEnum):
    """The four grounds on which a fiscally funded result need not enter the pool."""

    NATIONAL_DEFENCE = "national_defence"
    NATIONAL_SECURITY = "national_security"
    NATIONAL_INTEREST = "national_interest"
    PUBLIC_INTEREST = "public_interest"


class ResultStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    NOTICE = "notice"  # 公示 running
    PAUSED = "paused"  # 公示 paused by an objection
    LISTED = "listed"
    WITHDRAWN = "withdrawn"


class ObjectionStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class Cooperation(StrEnum):
    TRIAL = "trial"
    LICENCE = "licence"
    TRANSFER = "transfer"
    JOINT = "joint"
    PILOT = "pilot"


class DemandStatus(StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    CLOSED = "closed"


class Channel(StrEnum):
    ROADSHOW = "roadshow"
    HUB = "hub"
    VISIT = "visit"
    PHONE = "phone"
    ONLINE = "online"


class MatchStage(StrEnum):
    CONTACTED = "contacted"
    INTERESTED = "interested"
    PILOT = "pilot"
    TRIAL = "trial"
    CONVERTED = "converted"
    DROPPED = "dropped"


class DropReason(StrEnum):
    TOO_EARLY = "too_early"
    PRICE = "price"
    FIT = "fit"
    TIMING = "timing"
    OTHER = "other"


class RoadshowStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class IntentWant(StrEnum):
    TRIAL = "trial"
    PILOT = "pilot"
    INFO = "info"


class BookingStatus(StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class ContractKind(StrEnum):
    TRIAL = "trial"
    PAID_LICENCE = "paid_licence"
    TRANSFER = "transfer"


class LicenceType(StrEnum):
    ORDINARY = "ordinary"
    EXCLUSIVE = "exclusive"
    SOLE = "sole"


class ContractStatus(StrEnum):
    ACTIVE = "active"  # a trial running, or a paid deal in force
    EXTENDED = "extended"  # a trial running past its first end date
    CONVERTED = "converted"  # a trial that became a paid licence or transfer
    TERMINATED = "terminated"
    EXPIRED = "expired"  # a trial that ended with no decision recorded
    DISPUTED = "disputed"


class TerminationReason(StrEnum):
    NOT_SUITABLE = "not_suitable"
    PRICE = "price"
    ENTERPRISE_CHANGE = "enterprise_change"
    LICENSOR_REQUEST = "licensor_request"
    BREACH = "breach"
    OTHER = "other"


class VoucherStatus(StrEnum):
    ACTIVE = "active"
    EXHAUSTED = "exhausted"
    EXPIRED = "expired"


class ClaimKind(StrEnum):
    SERVICE_FEE = "service_fee"
    VOUCHER_REFUND = "voucher_refund"
    OPERATING_SUBSIDY = "operating_subsidy"


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


class PointsKind(StrEnum):
    ROADSHOW_HELD = "roadshow_held"
    MATCH_RECORDED = "match_recorded"
    PILOT_DONE = "pilot_done"
    TRIAL_SIGNED = "trial_signed"
    CONVERSION = "conversion"
    CLAIM_PAID = "claim_paid"


class RequestKind(StrEnum):
    """What an enterprise asks for from a result (portal/requests)."""

    TRIAL = "trial"  # 申请试用
    INTEREST = "interest"  # 登记意向


class RequestStatus(StrEnum):
    """Where an enterprise's request stands (portal/requests/rules.py)."""

    OPEN = "open"  # 待处理
    MATCHED = "matched"  # 已对接: the operator recorded a match
    TRIAL = "trial"  # 已转试用: a trial contract was signed
    DECLINED = "declined"  # 未受理, with the operator's reason
    WITHDRAWN = "withdrawn"  # 已撤回 by the enterprise
