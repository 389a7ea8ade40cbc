"""The catalogue: every key in both languages, the same placeholders, and every key used in code present."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from db.models import enums
from portal.core.i18n import LANGUAGES, catalogue, t

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [p for d in ("portal", "pages", "seed") for p in (ROOT / d).rglob("*.py")]

KEY_PATTERNS = [
    re.compile(r"""\bt\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']"""),
    re.compile(r"""\bt\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']\s*,\s*(?:lang|args\.lang|self\.lang)"""),
    re.compile(r"""(?:Error|Denied|NotFound)\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']"""),
    re.compile(r"""\bsay\(\s*\w+\s*,\s*["']([a-z0-9_.]+)["']"""),
]
FIELD_PATTERN = re.compile(r"""\bfield\s*=\s*["']([a-z0-9_]+)["']""")

ENUM_KINDS = {
    "role": enums.Role, "org_kind": enums.OrgKind, "enterprise_size": enums.EnterpriseSize,
    "result_type": enums.ResultType, "field": enums.Field_, "exclusion_reason": enums.ExclusionReason,
    "result_status": enums.ResultStatus, "objection_status": enums.ObjectionStatus,
    "cooperation": enums.Cooperation, "demand_status": enums.DemandStatus, "channel": enums.Channel,
    "match_stage": enums.MatchStage, "drop_reason": enums.DropReason, "roadshow_status": enums.RoadshowStatus,
    "intent_want": enums.IntentWant, "booking_status": enums.BookingStatus, "contract_kind": enums.ContractKind,
    "licence_type": enums.LicenceType, "contract_status": enums.ContractStatus,
    "termination_reason": enums.TerminationReason, "voucher_status": enums.VoucherStatus,
    "claim_kind": enums.ClaimKind, "claim_status": enums.ClaimStatus, "points_kind": enums.PointsKind,
    "region_level": enums.RegionLevel,
}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_both_languages_with_the_same_placeholders() -> None:
    problems = []
    for key, entry in catalogue().items():
        for lang in LANGUAGES:
            if not (entry.get(lang) or "").strip():
                problems.append(f"{key}: missing {lang}")
        if _placeholders(entry.get("zh", "")) != _placeholders(entry.get("en", "")):
            problems.append(f"{key}: placeholders differ")
    assert not problems, "\n".join(problems)


def test_every_key_used_in_code_is_in_the_catalogue() -> None:
    known = catalogue()
    missing = set()
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        for pattern in KEY_PATTERNS:
            for key in pattern.findall(source):
                if key not in known:
                    missing.add(f"{path.relative_to(ROOT)}: {key}")
        for name in FIELD_PATTERN.findall(source):
            if f"field.{name}" not in known:
                missing.add(f"{path.relative_to(ROOT)}: field.{name}")
    assert not missing, "\n".join(sorted(missing))


@pytest.mark.parametrize("kind", sorted(ENUM_KINDS))
def test_every_enum_value_has_a_label(kind: str) -> None:
    missing = [v.value for v in ENUM_KINDS[kind] if f"enum.{kind}.{v.value}" not in catalogue()]
    assert not missing


def test_missing_key_falls_back_to_the_key_and_params_format() -> None:
    assert t("no.such.key", "en") == "no.such.key"
    assert t("home.title", "en", name="Li") == "Hello, Li"
    assert t("home.title", "zh", name="李") == "您好，李"
