"""The HTML of the public intent page: one small, server-rendered document per answer, readable on
a phone and in WeChat's built-in browser (no JavaScript, no web fonts, no outside requests).

Every value that is not this module's own markup goes through `_e` (html.escape, quotes too), and
every URL through `_q` as well: what a visitor or an operator typed is shown as text, never as markup.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from urllib.parse import urlencode

from portal.core.clock import local
from portal.core.i18n import label, t
from portal.roadshows.intents import PublicItem, Receipt

WANTS = ("trial", "pilot", "info")
FIELDS = ("company_name", "credit_code", "contact_person", "phone", "wants", "note")
# the service's field names (in a refusal) → the form's
FIELD_OF = {"intent_company_name": "company_name", "credit_code": "credit_code",
            "intent_contact_person": "contact_person", "phone": "phone", "intent_wants": "wants",
            "intent_note": "note"}

CSS = """
*{box-sizing:border-box}body{margin:0;background:#f3f5f8;color:#122b4a;font:16px/1.55 -apple-system,
"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;-webkit-text-size-adjust:100%}
main{max-width:34rem;margin:0 auto;padding:12px}header{display:flex;justify-content:space-between;
align-items:center;font-size:14px;color:#555f6d}header a{color:#1a56db}
.card,form,.receipt{background:#fff;border-radius:10px;padding:14px 16px;margin:10px 0;
box-shadow:0 1px 3px rgba(18,43,74,.1)}h1{font-size:20px;margin:4px 0}h2{font-size:18px;margin:0 0 6px}
.facts,.when{color:#555f6d;font-size:14px}.summary{margin:8px 0 0}label{display:block;font-weight:600;
margin:12px 0 4px}input[type=text],input[type=tel],textarea{width:100%;font-size:16px;padding:10px;
border:1px solid #b8c2cf;border-radius:6px;background:#fff;color:#122b4a}textarea{min-height:5em}
.wants label{display:flex;align-items:center;font-weight:400;margin:6px 0}.wants input{width:22px;
height:22px;margin:0 8px 0 0}fieldset{border:0;padding:0;margin:12px 0 0}legend{font-weight:600;padding:0}
.err{color:#b00020;font-size:14px;margin:4px 0 0}.bad{border-color:#b00020!important}
.alert{background:#fdecee;border:1px solid #f3b8c0;color:#7a0014;border-radius:8px;padding:10px 12px}
.alert a{color:#7a0014}.intro{background:#e8f0fe;border-radius:8px;padding:10px 12px;font-size:14px}
button{width:100%;font-size:17px;font-weight:700;padding:12px;margin-top:16px;border:0;border-radius:8px;
background:#c8102e;color:#fff}.receipt{border-left:5px solid #1e8e3e}.again{display:block;text-align:center;
margin:14px 0;color:#1a56db}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def page_url(token: str, lang: str) -> str:
    """The page's own address, relative (works under any base path), escaped for an attribute."""
    return _e("?" + urlencode({"t": token, "lang": lang}))


def _document(lang: str, title: str, body: str, *, token: str | None = None) -> str:
    other = "en" if lang == "zh" else "zh"
    switch = (f'<a href="{page_url(token, other)}" hreflang="{other}" lang="{other}">{_e(t("web.switch", other))}</a>'
              if token else "")
    return ("<!DOCTYPE html>"
            f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="format-detection" content="telephone=no">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>"
            f"<header><span>{_e(t('web.brand', lang))}</span>{switch}</header>{body}</main></body></html>")


def _item_card(item: PublicItem, lang: str) -> str:
    facts = t("intents.result_facts", lang, institution=item.institution, field=label("field", item.field, lang),
              trl=item.trl, months=item.trial_months)
    when = t("intents.at_roadshow", lang, roadshow=item.roadshow_title,
             when=local(item.starts_at).strftime("%Y-%m-%d %H:%M"))
    summary = f'<p class="summary">{_e(item.summary)}</p>' if item.summary else ""
    return (f'<section class="card"><h2>{_e(item.result_title)}</h2><div class="facts">{_e(facts)}</div>'
            f'{summary}<div class="when">{_e(when)}</div></section>')


@dataclass
class FormState:
    """What the form shows: the visitor's own values, the refusals by field, the hidden keys."""

    values: dict[str, str] = field(default_factory=dict)
    wants: tuple[str, ...] = ("trial",)
    errors: dict[str, str] = field(default_factory=dict)  # form field ("" for the form) → message
    form_key: str = ""
    csrf: str = ""


def _input(name: str, kind: str, lang: str, state: FormState, *, label_key: str, maxlength: int,
           extra: str = "") -> str:
    error = state.errors.get(name)
    bad = ' class="bad" aria-invalid="true"' if error else ""
    described = f' aria-describedby="e-{name}"' if error else ""
    return (f'<label for="f-{name}">{_e(t(label_key, lang))}</label>'
            f'<input type="{kind}" id="f-{name}" name="{name}" maxlength="{maxlength}" '
            f'value="{_e(state.values.get(name, ""))}"{bad}{described} {extra}>'
            + (f'<div class="err" id="e-{name}">{_e(error)}</div>' if error else ""))


def form_page(item: PublicItem, token: str, lang: str, state: FormState) -> str:
    """The intent form (again with the visitor's values and the refusals after a bad submission)."""
    summary = ""
    if state.errors:
        items = "".join(f'<li><a href="#f-{_e(name or "company_name")}">{_e(msg)}</a></li>'
                        for name, msg in state.errors.items())
        summary = f'<div class="alert" role="alert"><b>{_e(t("web.fix_these", lang))}</b><ul>{items}</ul></div>'
    wants_error = state.errors.get("wants")
    boxes = "".join(
        f'<label><input type="checkbox" name="wants" value="{w}"{" checked" if w in state.wants else ""}>'
        f"{_e(label('intent_want', w, lang))}</label>" for w in WANTS)
    note_error = state.errors.get("note")
    body = (
        f"<h1>{_e(t('intents.title', lang))}</h1>{_item_card(item, lang)}{summary}"
        f'<form method="post" action="{page_url(token, lang)}" accept-charset="utf-8" novalidate>'
        f'<p class="intro">{_e(t("intents.intro", lang))}</p>'
        f'<input type="hidden" name="csrf" value="{_e(state.csrf)}">'
        f'<input type="hidden" name="form_key" value="{_e(state.form_key)}">'
        f'<input type="hidden" name="lang" value="{_e(lang)}">'
        + _input("company_name", "text", lang, state, label_key="field.intent_company_name", maxlength=120,
                 extra='autocomplete="organization"')
        + _input("credit_code", "text", lang, state, label_key="field.credit_code", maxlength=18,
                 extra=f'autocapitalize="characters" autocomplete="off" spellcheck="false" '
                       f'placeholder="{_e(t("intents.placeholder_code", lang))}"')
        + _input("contact_person", "text", lang, state, label_key="field.intent_contact_person", maxlength=40,
                 extra='autocomplete="name"')
        + _input("phone", "tel", lang, state, label_key="field.phone", maxlength=20,
                 extra='inputmode="tel" autocomplete="tel"')
        + f'<fieldset class="wants"><legend id="f-wants">{_e(t("field.intent_wants", lang))}</legend>{boxes}'
        + (f'<div class="err" id="e-wants">{_e(wants_error)}</div>' if wants_error else "") + "</fieldset>"
        + f'<label for="f-note">{_e(t("field.intent_note", lang))}</label>'
        f'<textarea id="f-note" name="note" maxlength="1000"{" class=bad" if note_error else ""}>'
        f'{_e(state.values.get("note", ""))}</textarea>'
        + (f'<div class="err" id="e-note">{_e(note_error)}</div>' if note_error else "")
        + f'<button type="submit">{_e(t("intents.submit", lang))}</button></form>')
    return _document(lang, t("intents.title", lang), body, token=token)


def receipt_page(item: PublicItem, token: str, lang: str, receipt: Receipt) -> str:
    """The confirmation: only what this visitor typed (DOMAIN.md rule 11)."""
    wants = "、".join(label("intent_want", w, lang) for w in receipt.wants)
    thanks = t("intents.thanks", lang, company=receipt.company_name, result=receipt.result_title, wants=wants)
    body = (f"<h1>{_e(t('intents.title', lang))}</h1>{_item_card(item, lang)}"
            f'<section class="receipt" role="status"><p><b>{_e(thanks)}</b></p>'
            f'<p>{_e(t("intents.receipt_contact", lang, person=receipt.contact_person))}</p></section>'
            f'<a class="again" href="{page_url(token, lang)}">{_e(t("intents.another", lang))}</a>')
    return _document(lang, t("web.received", lang), body, token=token)


def message_page(lang: str, key: str) -> str:
    """A page that only says something (an unknown link, a server error)."""
    body = f'<div class="alert" role="alert">{_e(t(key, lang))}</div>'
    return _document(lang, t("intents.title", lang), body)
