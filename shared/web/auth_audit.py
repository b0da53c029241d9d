"""Bearer-token checks that leave a trace: failed admin and send_report authentications go to
the audit log, aggregated (:class:`~shared.services.audit.FailedAuthentications`), never with
the token or the client's address."""

from __future__ import annotations

import flask

from shared.services import audit
from shared.web.context import get_app
from shared.web.errors import HttpError
from shared.web.throttle import client_of, require_bearer


def _failures() -> audit.FailedAuthentications:
    """The app's tally, made on first use (each function's app counts its own)."""
    extensions = flask.current_app.extensions
    tally = extensions.get("sidebyside_failed_auth")
    if tally is None:
        app = get_app()
        tally = extensions.setdefault(
            "sidebyside_failed_auth", audit.FailedAuthentications(app.store, app.settings.secret_key)
        )
    return tally


def require_bearer_audited(expected: str, hint: str) -> None:
    """:func:`~shared.web.throttle.require_bearer`, auditing each wrong token (a 401)."""
    failures = _failures()
    failures.flush()
    try:
        require_bearer(expected, hint)
    except HttpError as error:
        if error.status == 401:
            failures.failed(client_of(flask.request))
        raise
