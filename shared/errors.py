"""The services' typed exceptions: a stable ``code`` for clients and a message for people,
never an HTTP status. Entry points translate them once, at the edge, through one table
(:mod:`shared.error_table`): the web into a status code, the CLI into one line and an exit code.

Every service's exceptions are defined here, so the table (and with it every web function)
imports this small module rather than every service: the log and survey functions load only
the services they call (their cold start is budgeted). The services re-export the ones they raise."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.records import Survey


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


class KeyReused(Conflict):
    """An idempotency key (or submission id) sent again with a different payload: per the IETF
    Idempotency-Key draft, an error, never a silent "duplicate" that drops the new payload."""

    code = "idempotency_key_reused"


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


class AmbiguousDate(ValueError):
    """A day and a month that could be either way round."""


class UnknownSupporters(Invalid):
    """An interactions file names supporters who are not on the list (``errors["file"]`` says
    which, by line; the message adds the CLI's way to fix it, the console says its own)."""


class ReportInProgress(Conflict):
    """Another process holds this period's report right now; try again later."""

    code = "in_progress"


class ReportNotSent(ServiceError):
    """Building or mailing the report failed; the run is recorded as failed and may be retried."""

    code = "report_failed"


class Unsealable(Exception):
    """A sealed answer does not open with this secret key (the key changed, or the box was altered)."""


class UnknownLink(NotFoundError):
    code = "unknown_link"


class AlreadyAnswered(Gone):
    code = "already_answered"


class SurveyNotOpen(Forbidden):
    code = "survey_not_open"

    def __init__(self, survey: Survey):
        super().__init__(f"This survey opens on {survey.opens}.")
        self.survey = survey


class SurveyClosed(Gone):
    code = "survey_closed"

    def __init__(self, survey: Survey):
        super().__init__("This survey is closed.")
        self.survey = survey


class BlankAnswer(Invalid):
    """Nothing was answered: the student is asked to confirm, so one stray tap does not spend the link."""

    code = "confirm_blank"


class BadToken(ValueError):
    """The token was not made by us with this key (forged, mangled, or for another purpose)."""
