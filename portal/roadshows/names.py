"""Company and person names typed on the public QR page and at the attendance desk.

Anyone in the audience can type on the QR page, and what they type is shown to the operator,
printed in exports and copied into match records: a name is refused when it carries markup or a
link (`<script>…`, `[点我](https://…)`), or when it has no Chinese or Latin letter at all
("123", "！！！"), naming the field.
"""

from __future__ import annotations

import re
import unicodedata

from portal.core import validation
from portal.core.errors import ValidationError

# HTML tags and entities, Markdown links and images, and URLs: no company or person is named so
_MARKUP = re.compile(r"[<>]|\]\s*\(|://|&#?[0-9A-Za-z]+;|\bwww\.", re.IGNORECASE)


def _is_letter(char: str) -> bool:
    """A Chinese character or a Latin letter (accented and full-width ones too)."""
    name = unicodedata.name(char, "")
    return name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")) or (
        char.isalpha() and "LATIN" in name)


def name(value: object, *, field: str, max_length: int) -> str:
    """A printable name within max_length characters, with a Chinese or Latin letter and no markup."""
    clean = validation.text(value, field=field, max_length=max_length)
    if _MARKUP.search(clean):
        raise ValidationError("intents.error.name_markup", field=field)
    if not any(_is_letter(c) for c in clean):
        raise ValidationError("intents.error.name_letters", field=field)
    return clean


def company_name(value: object, *, field: str = "intent_company_name", full: bool = False) -> str:
    """A company's name (full: at least 4 characters, as the registered name always is)."""
    clean = name(value, field=field, max_length=120)
    if full and len(clean) < 4:
        raise ValidationError("intents.error.company_name_short", field=field)
    return clean


def person_name(value: object, *, field: str = "intent_contact_person") -> str:
    """A contact person's name."""
    return name(value, field=field, max_length=40)
