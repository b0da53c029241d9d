"""The Coordinators page (coordinators only): add, change role, report emails on or off, report
language, remove."""

from __future__ import annotations

from typing import Any

import flask
from flask_babel import gettext as _

from shared.errors import Conflict, Invalid
from shared.services import coordinators as service
from shared.web.console.blueprint import bp, coordinator_only, field_errors, page, record
from shared.web.console.context import now
from shared.web.context import get_app


def listing(status: int = 200, **context: Any) -> flask.Response:
    app = get_app()
    return page(
        "coordinators.html", status=status, people=service.list_all(app.store, app.settings), **context
    )


@bp.route("/coordinators")
@coordinator_only
def coordinators_page() -> Any:
    return listing()


@bp.route("/coordinators", methods=("POST",))
@coordinator_only
def add_coordinator() -> Any:
    app = get_app()
    form = flask.request.form
    today = now().astimezone(app.settings.timezone).date()
    try:
        added = service.add(
            app.store, form.get("email", ""), form.get("role", ""), today=today, language=form.get("language")
        )
    except Invalid as error:
        return listing(400, form=form, errors=field_errors(error.errors))
    except Conflict:
        return listing(409, form=form, errors={"email": [_("This address is already on the list.")]})
    record("coordinator_added", f"{added.email} ({added.role})")
    return listing(201, notice=_("Added %(email)s.", email=added.email))


@bp.route("/coordinators/role", methods=("POST",))
@coordinator_only
def change_role() -> Any:
    form = flask.request.form
    changed = service.set_role(get_app().store, form.get("email", ""), form.get("role", ""))
    record("role_changed", f"{changed.email}: {changed.role}")
    return listing(notice=_("%(email)s is now a %(role)s.", email=changed.email, role=_(changed.role)))


@bp.route("/coordinators/reports", methods=("POST",))
@coordinator_only
def change_reports() -> Any:
    form = flask.request.form
    on = form.get("reports") == "on"
    changed = service.set_reports(get_app().store, form.get("email", ""), on)
    record("role_changed", f"{changed.email}: reports {'on' if on else 'off'}")
    if on:
        return listing(notice=_("%(email)s gets the report and urgent alerts.", email=changed.email))
    return listing(notice=_("%(email)s no longer gets the report and urgent alerts.", email=changed.email))


@bp.route("/coordinators/language", methods=("POST",))
@coordinator_only
def change_language() -> Any:
    form = flask.request.form
    try:
        changed = service.set_language(get_app().store, form.get("email", ""), form.get("language"))
    except Invalid as error:
        return listing(400, errors=field_errors(error.errors))
    record("role_changed", f"{changed.email}: report language {changed.language or 'default'}")
    return listing(notice=_("Report language for %(email)s saved.", email=changed.email))


@bp.route("/coordinators/remove", methods=("POST",))
@coordinator_only
def remove_coordinator() -> Any:
    app = get_app()
    email = flask.request.form.get("email", "")
    service.remove(app.store, app.settings, email)
    record("coordinator_removed", email.strip().lower())
    return listing(notice=_("Removed %(email)s; their sessions have ended.", email=email.strip().lower()))
