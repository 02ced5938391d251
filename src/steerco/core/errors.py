"""Errors that services raise and every interface (page, API, CLI) renders.

Services never return half-done work: they raise one of these, the
transaction rolls back, and the caller shows the message beside the field.
"""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """Base class of the errors that services raise on purpose."""

    status = 400
    title = "Bad request"


class ValidationFailed(ServiceError):
    """Input is invalid; ``errors`` maps each field (or ``__all__``) to its messages."""

    status = 422
    title = "Validation failed"

    def __init__(self, errors: Mapping[str, list[str] | str] | str) -> None:
        if isinstance(errors, str):
            errors = {"__all__": [errors]}
        self.errors: dict[str, list[str]] = {
            field: [messages] if isinstance(messages, str) else list(messages)
            for field, messages in errors.items()
        }
        text = "; ".join(f"{f}: {', '.join(m)}" for f, m in self.errors.items())
        super().__init__(text)


class AccessDenied(ServiceError):
    """The user may not do this (wrong role, or outside the user's scope)."""

    status = 403
    title = "Forbidden"


class NotFound(ServiceError):
    """No such object in the user's organisation.

    Objects of another organisation are reported as not found, never as
    forbidden, so that their existence does not leak.
    """

    status = 404
    title = "Not found"


class Conflict(ServiceError):
    """The request conflicts with the current state (e.g. a stage change without a gate)."""

    status = 409
    title = "Conflict"
