"""The services' typed exceptions: a stable ``code`` for clients and a message for people,
never an HTTP status. Entry points translate them once, at the edge, through one table
(:mod:`shared.error_table`): the web into a status code, the CLI into one line and an exit code."""

from __future__ import annotations


class ServiceError(Exception):
    """Base: something the caller asked for cannot be done. ``code`` is stable for clients."""

    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.errors = errors


class Invalid(ServiceError):
    """The input breaks a rule; ``errors`` maps each field to its messages."""

    code = "invalid"


class NotFoundError(ServiceError):
    """What the caller names does not exist."""

    code = "not_found"


class Conflict(ServiceError):
    """The request clashes with the current state (a duplicate id, a report being sent)."""

    code = "conflict"


class Unauthorized(ServiceError):
    """No credentials, or not ones we know."""

    code = "unauthorized"


class Forbidden(ServiceError):
    """Known credentials, but not allowed now."""

    code = "forbidden"


class Gone(ServiceError):
    """It existed, and can no longer be used."""

    code = "gone"


class NoCoordinators(ServiceError):
    """Nobody to send the report to: a setting is missing, so retrying will not help until it is set."""

    code = "no_coordinators"

    def __init__(
        self,
        message: str = "No coordinators to send to: set SIDEBYSIDE_COORDINATORS or add one with "
        "`sidebyside coordinators add`.",
    ) -> None:
        super().__init__(message)
