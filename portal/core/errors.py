"""Errors a user can read: each carries a catalogue key, the field at fault and parameters."""

from __future__ import annotations

from typing import Any

from portal.core.i18n import field_label, t


class PortalError(Exception):
    """A refusal shown to the user in their language; nothing was changed."""

    def __init__(self, key: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.params = params

    def message(self, lang: str = "zh") -> str:
        """The refusal in the given language, naming the field when there is one."""
        text = t(self.key, lang, **self.params)
        if self.field:
            return t("error.field_prefix", lang, field=field_label(self.field, lang), text=text)
        return text

    def __str__(self) -> str:
        return self.message("en")


class ValidationError(PortalError):
    """Input that breaks a rule or a format."""


class PermissionDenied(PortalError):
    """The acting user's role or scope does not cover this record or action."""

    def __init__(self, key: str = "error.permission_denied", **params: Any) -> None:
        super().__init__(key, **params)


class NotFound(PortalError):
    """No such record within the acting user's scope (out-of-scope records look absent too)."""

    def __init__(self, key: str = "error.not_found", **params: Any) -> None:
        super().__init__(key, **params)


class ConfigError(PortalError):
    """A setting (database URL, data directory, …) that cannot be used."""
