"""Domain errors; the HTTP edges turn them into JSON or a page."""

from __future__ import annotations

from typing import Any


class AssistantError(Exception):
    """Base of every error the assistant reports to a caller."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_json(self) -> dict[str, Any]:
        """The error body the API answers with."""
        return {"error": {"code": self.code, "field": self.field, "message": self.message}}


class Invalid(AssistantError):
    """A request field has a bad value."""

    code = "invalid"
    status = 400


class NotFound(AssistantError):
    """The thing asked for does not exist (for this site)."""

    code = "not_found"
    status = 404


class Unauthorized(AssistantError):
    """The call needs a credential it did not bring, or brought a wrong one (the secret site key)."""

    code = "unauthorized"
    status = 401


class Forbidden(AssistantError):
    """The caller may not do this (wrong site key or origin)."""

    code = "forbidden"
    status = 403


class Conflict(AssistantError):
    """The request clashes with the current state."""

    code = "conflict"
    status = 409
