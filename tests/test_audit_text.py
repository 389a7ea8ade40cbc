"""The audit trail in words: the action translated, the record named (and linked where it has a
page), what changed field by field, and never a raw snapshot or an id (both databases)."""

from __future__ import annotations

import re
from datetime import date

from portal.admin.audit_log import list_audit
from portal.admin.audit_text import readable, readable_audit
from portal.hub.matches import move_stage, record_match
from portal.pool import approval
from tests.factories import make_result

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def _words(line) -> str:  # noqa: ANN001
    return " ".join([line.action, line.kind, line.record, line.summary, *(f"{c.field} {c.before} {c.after}"
                                                                         for c in line.changes)])


def test_a_submission_reads_as_status_from_draft_to_awaiting_approval(world) -> None:
    hz = world.hz
    draft = make_result(hz.licensor, status="draft", title="审计日志可读的成果")
    approval.submit_result(actor=hz.officer, result_id=draft.id)
    line = readable_audit(actor=world.admin, lang="zh").rows[0]
    assert line.action == "提交成果审批" and line.kind == "成果"
    assert line.record == f"{draft.number} 审计日志可读的成果"
    assert line.link == f"/pool?q={draft.number}"
    assert ("状态", "草稿", "待单位审批") in {(c.field, c.before, c.after) for c in line.changes}
    assert "状态：草稿 → 待单位审批" in line.summary
    assert not UUID.search(_words(line)) and "{" not in _words(line)


def test_a_match_is_named_by_its_result_and_its_move_in_words(world) -> None:
    hz = world.hz
    match = record_match(actor=hz.operator, result_id=hz.result.id, enterprise_org_id=hz.enterprise.id,
                         channel="roadshow", contact_date=date(2026, 11, 2), people="张工")
    move_stage(actor=hz.operator, match_id=match.id, stage="interested", note="愿意试用")
    lines = readable_audit(actor=hz.operator, lang="zh").rows
    matches = [line for line in lines if line.kind == "对接记录"]  # (points go to the agency too)
    moved = next(line for line in matches if line.action == "推进对接阶段")
    created = next(line for line in matches if line.action == "记录对接")
    assert "match ·" not in created.action and "record" not in created.action  # translated, not "match · record"
    assert created.record == moved.record == f"{hz.result.number} {hz.result.title}"
    assert ("对接阶段", "已接触", "有意向") in {(c.field, c.before, c.after) for c in moved.changes}
    assert not created.changes  # a new record: the action says it
    for line in (moved, created):
        assert not UUID.search(_words(line)), _words(line)
    english = next(line for line in readable_audit(actor=hz.operator, lang="en").rows if line.changes)
    assert ("Stage", "Contacted", "Interested") in {(c.field, c.before, c.after) for c in english.changes}


def test_ids_in_a_change_read_as_the_names_they_point_to(world) -> None:
    hz = world.hz
    match = record_match(actor=hz.operator, result_id=hz.result.id, enterprise_org_id=hz.enterprise.id,
                         channel="roadshow", contact_date=date(2026, 11, 2), people="张工")
    entry = next(e for e in list_audit(actor=hz.operator).rows if e.entity == "match_record")
    entry.before = {**entry.after, "enterprise_org_id": str(hz.licensor.id)}  # as if the enterprise had changed
    line = readable([entry], "zh")[0]
    change = next(c for c in line.changes if c.after == hz.enterprise.name)
    assert change.before == hz.licensor.name and change.field
    assert match.id and not UUID.search(_words(line))
