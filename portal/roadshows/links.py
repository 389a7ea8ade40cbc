"""The public intent links printed in a roadshow item's QR code: an unguessable token per item."""

from __future__ import annotations

import secrets

from portal.core.settings import get_settings

INTENT_PAGE = "intent"  # the public page's URL path (portal.navigation.PUBLIC_PAGES)


def new_token() -> str:
    """An item's public token: 32 URL-safe characters from the OS's random source (192 bits),
    with no relation to any id."""
    return secrets.token_urlsafe(24)


def intent_url(token: str) -> str:
    """The public intent page for an item, as printed in its QR code."""
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/{INTENT_PAGE}?t={token}"
