"""The standard-form contract as a .docx (python-docx), filled from the records, with risk hints.

A contract is rendered with the template version it was made with, so editing a template never
changes the text of a contract already signed.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from sqlmodel import Session, select

from db.engine import read_session
from db.models import (
    Agency,
    Contract,
    ContractTemplate,
    InsurancePolicy,
    Objection,
    Organization,
    Result,
)
from db.models.enums import ContractKind, EnterpriseSize, LicenceType, ObjectionStatus, ResultStatus
from portal.contracts.common import percent, period, readable_contract, trial_end
from portal.contracts.rules import CONTRACT
from portal.contracts.templates import template_for
from portal.contracts.texts import rmb_upper
from portal.contracts.trials import max_licensees, peak_running
from portal.core.actor import Actor
from portal.core.audit import audited_change
from portal.core.clock import today
from portal.core.i18n import label, t
from portal.core.policy import current_policy
from portal.core.service import reader, service
from portal.pool.three_year import due_date

FONT = "宋体"
BLANK_DATE = "____年__月__日"
# What each licence type lets the licensor still do, as the paid licence states it.
LICENCE_SCOPE = {
    LicenceType.ORDINARY: "甲方保留自行实施该成果的权利，并可以许可第三方实施。",
    LicenceType.SOLE: "在许可地域和期限内，甲方不得许可第三方实施，但保留自行实施的权利。",
    LicenceType.EXCLUSIVE: "在许可地域和期限内，甲方不得许可第三方实施，甲方自己亦不得实施。",
}


@dataclass(frozen=True)
class RiskHint:
    """A risk the document (and the page) points out: catalogue key and its parameters."""

    key: str
    params: dict

    def text(self, lang: str = "zh") -> str:
        params = dict(self.params)
        if "span" in params:  # a period, stated in the reader's language
            params["period"] = period_text(*params.pop("span"), lang)
        return t(self.key, lang, **params)


def _cn_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else BLANK_DATE


def period_text(start: date, end: date, lang: str = "zh") -> str:
    """[start, end] as a contract states its length: '12 个月', '17 个月 23 天', '23 天'."""
    months, days = period(start, end)
    if months and days:
        return t("contracts.period.both", lang, months=months, days=days)
    return t("contracts.period.months", lang, n=months) if months else t("contracts.period.days", lang, n=days)


def risk_hints(s: Session, contract: Contract) -> list[RiskHint]:
    """The risks the records show for a trial (empty for a clean one)."""
    hints: list[RiskHint] = []
    result = s.get(Result, contract.result_id)
    licensee = s.get(Organization, contract.licensee_org_id)
    if result.grant_date is None or result.grant_date > today():
        hints.append(RiskHint("contracts.risk.not_granted", {}))
    if result.status != ResultStatus.LISTED:
        hints.append(RiskHint("contracts.risk.not_listed", {"status": label("result_status", result.status)}))
    policies = s.exec(select(InsurancePolicy).where(InsurancePolicy.contract_id == contract.id)).all()
    if contract.kind == ContractKind.TRIAL and contract.end_date:
        start, end = contract.start_date, contract.end_date
        if end > trial_end(start, 12):  # why it matters: the licensor waits unpaid, the slot is held
            hints.append(RiskHint("contracts.risk.long_trial", {"span": (start, end)}))
        covered = max((p.end_date for p in policies), default=None)
        if covered is not None and covered < end:
            hints.append(RiskHint("contracts.risk.insurance_short", {
                "covered": _cn_date(covered), "end": _cn_date(end), "days": (end - covered).days}))
        if result.fiscally_funded and result.grant_date and not result.exclusion_reason \
                and due_date(result.grant_date) < end:
            hints.append(RiskHint("contracts.risk.three_year", {"due": _cn_date(due_date(result.grant_date))}))
        limit = max_licensees(result)
        if limit is not None:
            used = peak_running(s, result.id, contract.start_date, contract.end_date)
            if limit - used <= 1:
                hints.append(RiskHint("contracts.risk.slots_low", {"limit": limit, "used": used}))
        if not policies:
            hints.append(RiskHint("contracts.risk.no_insurance", {}))
    if licensee.size == EnterpriseSize.LARGE:
        hints.append(RiskHint("contracts.risk.not_sme", {}))
    if s.exec(select(Objection.id).where(Objection.contract_id == contract.id,
                                         Objection.status == ObjectionStatus.OPEN)).first():
        hints.append(RiskHint("contracts.risk.open_objection", {}))
    return hints


def _contact(org: Organization) -> str:
    return " ".join(x for x in (org.contact_name, org.contact_phone) if x) or "—"


def document_fields(s: Session, contract: Contract, hints: list[RiskHint]) -> dict[str, str]:
    """Every placeholder's value for this contract (templates.PLACEHOLDERS), in Chinese."""
    result = s.get(Result, contract.result_id)
    lor = s.get(Organization, contract.licensor_org_id)
    lee = s.get(Organization, contract.licensee_org_id)
    agency = s.get(Agency, contract.agency_id) if contract.agency_id else None
    rate = current_policy(contract.city_code).service_fee_rate
    end = contract.end_date
    parent = s.get(Contract, contract.parent_trial_id) if contract.parent_trial_id else None
    amount = contract.deal_amount
    return {
        "contract_number": contract.number,
        "licensor_name": lor.name, "licensor_credit_code": lor.credit_code,
        "licensor_address": lor.address or "—", "licensor_contact": _contact(lor),
        "licensee_name": lee.name, "licensee_credit_code": lee.credit_code,
        "licensee_address": lee.address or "—", "licensee_contact": _contact(lee),
        "agency_name": agency.name if agency else "—",
        "agency_contact": " ".join(x for x in (agency.contact_name, agency.contact_phone) if x) or "—"
        if agency else "—",
        "result_title": result.title, "result_number": result.number,
        "result_type": label("result_type", result.type),
        "licence_type": label("licence_type", contract.licence_type),
        "territory": contract.territory,
        "start_date": _cn_date(contract.start_date), "end_date": _cn_date(end),
        # whole months, as templates before the exact period wrote it ("共 {trial_months} 个月")
        "trial_months": str(period(contract.start_date, end)[0]) if end else "—",
        "trial_period": period_text(contract.start_date, end) if end else "—",
        "fee": f"{contract.fee:.2f}",
        "service_fee_rate": f"{percent(rate)}%",
        "risk_hints": "\n".join(f"{i}. {h.text('zh')}" for i, h in enumerate(hints, 1))
        or "经核查，未发现需要特别提示的风险。",
        "signing_date": _cn_date(contract.signing_date),
        "licence_scope": LICENCE_SCOPE.get(contract.licence_type, ""),
        "deal_amount": f"{amount:,.2f}" if amount else "—",
        "deal_amount_upper": rmb_upper(amount) if amount else "—",
        "payment_terms": contract.payment_terms or "—",
        "parent_trial_number": parent.number if parent else "—",
    }


def _style(doc: Document) -> None:
    """A4 with the margins of Chinese contract forms; 宋体 小四 at 1.5 lines."""
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2.54)
        section.left_margin = section.right_margin = Cm(3.17)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(0)


# Templates saved before the exact period (a whole number of months, rounded up) still read right.
OLD_PERIOD = ("{trial_months} 个月", "{trial_months}个月")
SIGNATURE = re.compile(r"^\s*(\S+（盖章）：)")
PARTY = re.compile(r"^(许可人|被许可人|转让人|受让人|运营服务机构|统一社会信用代码|住所|联系人|合同编号|来源试用合同)")


def _body(body: str) -> str:
    for old in OLD_PERIOD:
        body = body.replace(old, "{trial_period}")
    return body


def _signatures(doc: Document, line: str, fields: dict[str, str]) -> None:
    """'甲方（盖章）：   乙方（盖章）：   丙方（盖章）：' as one column per party across the page
    (its seal line, name, signature and date, each a row so the columns line up), kept on one page
    after the customary "（以下无正文）"."""
    names = {"甲方": fields.get("licensor_name", ""), "乙方": fields.get("licensee_name", ""),
             "丙方": fields.get("agency_name", "")}
    parties = [p for p in re.split(r"\s{2,}", line.strip()) if p]
    end = doc.add_paragraph("（以下无正文）")
    end.paragraph_format.keep_with_next = True
    end.paragraph_format.space_after = Pt(18)
    rows = [parties, [names.get(p.split("（", 1)[0], "") for p in parties],
            ["法定代表人或授权代表（签字）："] * len(parties), [f"日期：{BLANK_DATE}"] * len(parties)]
    table = doc.add_table(rows=len(rows), cols=len(parties))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    width = Cm(14.66 / len(parties))  # the A4 text width shared out
    for n, (row, texts) in enumerate(zip(table.rows, rows, strict=True)):
        row._tr.get_or_add_trPr().append(row._tr.makeelement(qn("w:cantSplit"), {}))
        for cell, text in zip(row.cells, texts, strict=True):
            cell.width = width
            para = cell.paragraphs[0]
            para.add_run(text).bold = n == 0
            para.paragraph_format.keep_with_next = n < len(rows) - 1
            para.paragraph_format.space_after = Pt(18 if n in (1, 2) else 6)


def render_docx(title: str, body: str, fields: dict[str, str]) -> bytes:
    """The filled text as an A4 .docx: the first line as the title, clause headings bold, the
    parties' lines flush, clauses indented two characters, the signatures side by side."""
    doc = Document()
    _style(doc)
    text = _body(body).format_map(fields)
    lines = text.splitlines()
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.space_after = Pt(12)
    run = heading.add_run(lines[0].strip() if lines and lines[0].strip() else title)
    run.bold = True
    run.font.size = Pt(18)
    gap = False
    for line in lines[1:]:
        if SIGNATURE.match(line) and line.count("（盖章）") > 1:
            _signatures(doc, line, fields)
            continue
        if not line.strip():  # a blank line between blocks: space before the next one instead
            gap = True
            continue
        para = doc.add_paragraph()
        run = para.add_run(line)
        if gap:
            para.paragraph_format.space_before = Pt(9)
            gap = False
        if line.startswith("第") and "条" in line[:6]:
            run.bold = True
            para.paragraph_format.keep_with_next = True
        elif line.strip() and not PARTY.match(line) and not line.startswith("签订"):
            para.paragraph_format.first_line_indent = Pt(24)  # two characters of 小四
    doc.core_properties.title = title
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class GeneratedDocument:
    """A generated contract document and what went into it."""

    filename: str
    data: bytes
    template_version: int
    hints: list[RiskHint]


@reader(CONTRACT)
def contract_risks(*, actor: Actor, contract_id: uuid.UUID) -> list[RiskHint]:
    """The risk hints for a contract the actor reads (shown on its page)."""
    with read_session() as s:
        return risk_hints(s, readable_contract(s, actor, contract_id))


@service(CONTRACT, "document")
def generate_document(s: Session, *, actor: Actor, contract_id: uuid.UUID) -> GeneratedDocument:
    """The contract's .docx from the template version it was made with; a contract made before
    templates were pinned gets the version in force now, pinned when its staff generate it."""
    contract = readable_contract(s, actor, contract_id)
    CONTRACT.require(actor, "document", contract)
    template = s.get(ContractTemplate, contract.template_id) if contract.template_id else None
    if template is None:
        template = template_for(s, contract.city_code, contract.kind)  # NotFound for an unknown kind
        if CONTRACT.may(actor, "pin_template", contract):
            # pin the version now, so later edits of the template do not change this contract
            with audited_change(s, actor, "contract.template_set", contract):
                contract.template_id = template.id
    hints = risk_hints(s, contract)
    data = render_docx(template.title, template.body, document_fields(s, contract, hints))
    return GeneratedDocument(f"{contract.number}.docx", data, template.version, hints)
