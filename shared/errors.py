"""The services' typed exceptions: a stable ``code`` for clients and a message for people,
never an HTTP status. Entry points translate them once, at the edge, through one table
(:mod:`shared.error_table`): the web into a status code, the CLI into one line and an exit code.

The message is an English msgid of the one catalogue (marked with ``N_``), its values apart in
``params``; the web shows it in the reader's language (:func:`shared.web.errors.message_in`),
the CLI and the logs in English (:attr:`ServiceError.message`).

Every service's exceptions are defined here, so the table (and with it every web function)
imports this small module rather than every service: the log and survey functions load only
the services they call (their cold start is budgeted). The services re-export the ones they raise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from shared.i18n import N_

if TYPE_CHECKING:
    from shared.records import Survey


class ServiceError(Exception):
    """Base: something the caller asked for cannot be done. ``code`` is stable for clients.

    ``message``: a msgid whose ``%(name)s`` placeholders ``params`` fill (a literal percent sign
    is ``%%`` when there are params); without params it is shown as it is (a msgid without
    placeholders, or text from elsewhere, which the catalogue does not know and leaves English).
    """

    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        errors: dict[str, list[str]] | None = None,
        params: Mapping[str, object] | None = None,
    ):
        self.msgid = message
        self.params = dict(params) if params is not None else None
        self.message = message % self.params if self.params is not None else message
        super().__init__(self.message)
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
        message: str = N_(
            "No coordinators to send to: set SIDEBYSIDE_COORDINATORS or add one with `sidebyside coordinators add`."
        ),
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
        super().__init__(N_("This survey opens on %(day)s."), params={"day": survey.opens})
        self.survey = survey


class SurveyClosed(Gone):
    code = "survey_closed"

    def __init__(self, survey: Survey):
        super().__init__(N_("This survey is closed."))
        self.survey = survey


class BlankAnswer(Invalid):
    """Nothing was answered: the student is asked to confirm, so one stray tap does not spend the link."""

    code = "confirm_blank"


class BadToken(ValueError):
    """The token was not made by us with this key (forged, mangled, or for another purpose)."""
