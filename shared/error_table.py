"""The one table from domain exceptions to what each edge says about them.

Services raise typed exceptions carrying a stable ``code`` and a message, never an HTTP
status. This table gives each one its HTTP status (for the web, rendered as JSON for JSON
clients and the friendly page otherwise, by :mod:`shared.web.http`) and its exit code (for
the CLI, which prints the message as one line). ``tests/test_error_table.py`` fails when a
domain exception has no row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.addresses import BadAddress
from shared.config import ConfigError
from shared.errors import (
    AlreadyAnswered,
    AmbiguousDate,
    BadToken,
    BlankAnswer,
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    KeyReused,
    NoCoordinators,
    NotFoundError,
    ReportInProgress,
    ReportNotSent,
    ServiceError,
    SurveyClosed,
    SurveyNotOpen,
    Unauthorized,
    UnknownLink,
    UnknownSupporters,
    Unsealable,
)
from shared.forms.model import FormDefinitionError, FormInvalid
from shared.mail.port import MailError
from shared.store.port import AlreadyExists, LastCoordinator, NotFound, StoreError, Unavailable


@dataclass(frozen=True)
class Outcome:
    """What an edge does with one kind of exception.

    ``status``: the HTTP status. ``exit_code``: the CLI's. ``retry_after``: seconds a client
    should wait before trying again (503, 409 while busy). ``public``: whether the exception's
    own message may be shown; when not, the web shows the catalogue's text for ``code`` and
    logs the exception's message (it may name hosts or paths).
    """

    status: int
    exit_code: int = 1
    retry_after: int | None = None
    public: bool = True
    code: str | None = None  # replaces the exception's code for clients, when ``public`` is False


TABLE: dict[type[Exception], Outcome] = {
    # Refusals of what the caller asked (shared/errors.py and their feature subclasses).
    ServiceError: Outcome(400),
    Invalid: Outcome(400),
    FormInvalid: Outcome(400),
    BlankAnswer: Outcome(400),  # nothing answered: confirm before the link is spent
    BadAddress: Outcome(400),
    AmbiguousDate: Outcome(400),
    UnknownSupporters: Outcome(400),  # an interactions file names supporters not on the list
    BadToken: Outcome(401),
    Unauthorized: Outcome(401),
    Forbidden: Outcome(403),
    SurveyNotOpen: Outcome(403),
    NotFoundError: Outcome(404),
    UnknownLink: Outcome(404),
    Conflict: Outcome(409),
    KeyReused: Outcome(422),  # draft-ietf-httpapi-idempotency-key-header: same key, other payload
    ReportInProgress: Outcome(409, retry_after=300),
    Gone: Outcome(410),
    AlreadyAnswered: Outcome(410),
    SurveyClosed: Outcome(410),
    # Failures on the way: the caller may retry, and the retry does the work once.
    ReportNotSent: Outcome(503, retry_after=60),
    NoCoordinators: Outcome(503),
    MailError: Outcome(503, retry_after=60, public=False, code="unavailable"),
    Unavailable: Outcome(503, retry_after=30, public=False, code="unavailable"),
    # Our own faults: the operator must act. The CLI says what; the web says "internal".
    ConfigError: Outcome(500, exit_code=2, public=False, code="internal"),
    FormDefinitionError: Outcome(500, exit_code=2, public=False, code="internal"),
    StoreError: Outcome(500, public=False, code="internal"),
    Unsealable: Outcome(500, exit_code=2, public=False, code="internal"),  # the secret key changed
    AlreadyExists: Outcome(409, public=False, code="conflict"),
    NotFound: Outcome(404, public=False, code="not_found"),
    LastCoordinator: Outcome(409, public=False, code="conflict"),  # the coordinators service says it in words
}


def outcome_for(error: BaseException) -> Outcome | None:
    """The row for ``error``'s class or its nearest listed base; None for a bug (no row)."""
    for cls in type(error).__mro__:
        found = TABLE.get(cls)
        if found is not None:
            return found
    return None


def one_line(error: BaseException) -> str:
    """The CLI's message: the exception's own text (one statement; an import's list of
    problems keeps its line breaks), never a traceback."""
    return (getattr(error, "message", None) or str(error) or type(error).__name__).strip()


def exit_code(error: BaseException) -> int:
    found = outcome_for(error)
    return found.exit_code if found else 1
