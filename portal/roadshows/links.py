"""The public intent links printed in a roadshow item's QR code: an unguessable token per item,
under the public base URL (`PORTAL_PUBLIC_BASE_URL`).

A base URL naming this machine only (localhost, 127.x, ::1, 0.0.0.0) makes QR codes no phone in
the room can open; `phones_cannot_open` tells the pages and decks to say so loudly.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from portal.core.settings import get_settings

INTENT_PAGE = "intent"  # the public page's URL path (portal/web/public.py)
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def new_token() -> str:
    """An item's public token: 32 URL-safe characters from the OS's random source (192 bits),
    with no relation to any id."""
    return secrets.token_urlsafe(24)


def public_base_url() -> str:
    """The address QR codes start with, without a trailing slash."""
    return get_settings().public_base_url.strip().rstrip("/")


def intent_url(token: str) -> str:
    """The public intent page for an item, as printed in its QR code."""
    return f"{public_base_url()}/{INTENT_PAGE}?t={token}"


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:  # the short forms browsers accept too: "127.1", "0", "2130706433"
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return mapped or address


def phones_cannot_open(url: str | None = None) -> bool:
    """Whether url (default: the public base URL) names no address a phone could reach: a
    loopback or unspecified address, a localhost name, or no host at all."""
    try:
        host = urlsplit(public_base_url() if url is None else url.strip()).hostname
    except ValueError:  # e.g. an unbalanced "[" in an IPv6 literal
        return True
    if not host:
        return True
    host = host.rstrip(".").lower()
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    address = _address(host)
    return address is not None and (address.is_loopback or address.is_unspecified)
