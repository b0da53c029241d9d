"""The console's blueprint: sign-in gate, roles, language, and page rendering shared by
every page module (``auth``, ``dashboard``, ``supporters``, ``surveys``, ``audit``,
``coordinators``)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import flask
from flask_babel import gettext as _

from shared.services import audit, signin
from shared.text import one_stop
from shared.web.console.context import Viewer, now
from shared.web.context import get_app

# Templates are forms/templates/console/*.html, named "console/<page>.html".
TEMPLATES = Path(__file__).resolve().parents[3] / "forms" / "templates"
bp = flask.Blueprint("console", __name__, template_folder=str(TEMPLATES))

LANGS = ("en", "fr")
PUBLIC = {"console.sign_in", "console.sign_in_link", "console.static"}
log = logging.getLogger("sidebyside.web")

# What each coordinator's action (a POST that changes something) records when it stops before
# recording its own entry, having perhaps acted (see :func:`record_stopped`). Signing in and out
# record themselves; ``tests/console/test_audit_api.py`` fails on a POST route in neither place.
STOPPED = {
    "console.add_coordinator": "coordinator_added",
    "console.change_role": "role_changed",
    "console.change_reports": "role_changed",
    "console.change_language": "role_changed",
    "console.remove_coordinator": "coordinator_removed",
    "console.acknowledge": "alert_acknowledged",
    "console.import_data": "data_imported",
    "console.send_report": "report_sent",
    "console.my_language": "role_changed",
    "console.add_supporter": "supporter_added",
    "console.resend_link": "supporter_link_sent",
    "console.new_link": "supporter_relinked",
    "console.revoke": "supporter_revoked",
    "console.change_email": "supporter_email_changed",
    "console.rename": "supporter_renamed",
    "console.create_survey": "survey_created",
    "console.download_links": "survey_links_issued",
    "console.invite": "survey_invited",
    "console.remind": "survey_reminded",
    "console.exclude": "survey_changed",
    "console.close": "survey_closed",
    "console.purge": "survey_purged",
    "console.delete": "survey_deleted",
}
RECORDS_ITSELF = {"console.sign_in", "console.sign_in_link", "console.sign_out"}

F = TypeVar("F", bound=Callable[..., Any])


def pick_locale() -> str:
    """``?lang=`` (remembered in the session), else the remembered one, else the browser's."""
    chosen = flask.session.get("lang")
    if chosen in LANGS:
        return str(chosen)
    return flask.request.accept_languages.best_match(LANGS) or "en"


@bp.before_request
def load_viewer() -> Any:
    asked = flask.request.args.get("lang")
    if asked in LANGS and flask.session.get("lang") != asked:
        flask.session["lang"] = asked
    if current_viewer() is not None:
        return None
    if flask.session.get("sid"):  # ended, idle or removed: forget it, and say so
        flask.session.pop("sid")
        flask.flash(_("Your session has ended. Sign in again."))
    if flask.request.endpoint in PUBLIC:
        return None
    if flask.request.method == "GET" and flask.request.endpoint is not None:
        return flask.redirect(flask.url_for("console.sign_in"))
    flask.abort(401)


def current_viewer() -> Viewer | None:
    """Who the session cookie signs in (also kept in ``flask.g.viewer``), or None."""
    app = get_app()
    coordinator = signin.current(app.store, app.settings, flask.session.get("sid"), now())
    flask.g.viewer = Viewer(coordinator) if coordinator is not None else None
    return flask.g.viewer


def coordinator_only(view: F) -> F:
    """Refuse a viewer (403) before the view runs, so nothing changes."""

    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        viewer: Viewer = flask.g.viewer
        if not viewer.can_act:
            audit.record(get_app().store, viewer.email, "access_refused", flask.request.endpoint or "")
            flask.abort(403)
        return view(*args, **kwargs)

    return run  # type: ignore[return-value]


def record(kind: str, detail: str = "") -> None:
    """Audit an action of the signed-in person."""
    audit.record(get_app().store, flask.g.viewer.email, kind, detail)
    flask.g.recorded = True


def acting() -> None:
    """Say that the running action has begun to change something (an import's first write):
    from here on, even a refusal leaves its audit entry, marked "(stopped)"."""
    flask.g.acting = True


@bp.after_request
def record_stopped(response: flask.Response) -> flask.Response:
    """An action that did not reach its own :func:`record` but may have acted: one that failed on
    the way (a 5xx: the store or the mail transport went away after invitations were mailed, or
    part of a file was imported), or was refused after :func:`acting`. Audited with its kind and
    the path's ids only, marked "(stopped)"; a refusal before acting (4xx) changed nothing."""
    kind = STOPPED.get(flask.request.endpoint or "")
    viewer = flask.g.get("viewer")
    failed = response.status_code >= 500 or (response.status_code >= 400 and flask.g.get("acting"))
    if kind is None or viewer is None or flask.g.get("recorded") or not failed:
        return response
    ids = " ".join(str(value) for value in (flask.request.view_args or {}).values())
    rule = flask.request.url_rule
    detail = ids or (rule.rule.strip("/") if rule is not None else "")
    try:
        audit.record(get_app().store, viewer.email, kind, f"{detail} (stopped)")
    except Exception as exc:  # the store is what went away: the caller still gets its own page
        log.warning("the audit entry of a stopped %s could not be written: %s", kind, type(exc).__name__)
    return response


def lang_links() -> list[tuple[str, str, str]]:
    """(code, name, url) for each language other than the page's: the same page with the same
    query, or the dashboard when this page only answers a POST."""
    rule = flask.request.url_rule
    same = rule is not None and "GET" in (rule.methods or ()) and flask.request.endpoint
    names = {"en": "English", "fr": "Français"}
    current = pick_locale()
    links = []
    for code in LANGS:
        if code == current:
            continue
        if same:
            # Keep the page's query (a report's survey and period) across the switch.
            query = {k: v for k, v in flask.request.args.items() if k != "lang"}
            url = flask.url_for(flask.request.endpoint, **(flask.request.view_args or {}), **query, lang=code)  # type: ignore[arg-type]
        else:
            url = flask.url_for("console.dashboard", lang=code)
        links.append((code, names[code], url))
    return links


def page(template: str, status: int = 200, **context: Any) -> flask.Response:
    """Render a console page (``forms/templates/console/<template>``)."""
    app = get_app()
    for said in ("notice", "warning"):  # messages built around aliases such as "Sam R."
        if isinstance(context.get(said), str):
            context[said] = one_stop(context[said])
    html = flask.render_template(
        f"console/{template}",
        lang=pick_locale(),
        viewer=flask.g.get("viewer"),
        program_name=app.settings.program_title(pick_locale()),
        lang_links=lang_links(),
        **context,
    )
    return flask.Response(html, status=status, mimetype="text/html")


def field_errors(errors: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """A service's field messages in the page's language (known ones are in the catalogue)."""
    return {field: [_(message) for message in messages] for field, messages in (errors or {}).items()}
