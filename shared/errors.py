"""The services' typed exceptions. Entry points translate them once, at the edge:
the web layer into a status code, the CLI into one clear line and an exit code."""

from __future__ import annotations


class ServiceError(Exception):
    """Base: something the caller asked for cannot be done. ``code`` is stable for clients."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.errors = errors


class Invalid(ServiceError):
    """The input breaks a rule; ``errors`` maps each field to its messages."""

    status = 400
    code = "invalid"


class NotFoundError(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Gone(ServiceError):
    status = 410
    code = "gone"
