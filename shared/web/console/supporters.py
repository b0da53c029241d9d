"""The Supporters page: list, add (and email the personal link), resend, new link, revoke,
change email. Every action calls :mod:`shared.services.supporters`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import flask
from flask_babel import gettext as _

from shared.errors import Conflict, Invalid
from shared.mail.port import MailError
from shared.records import Supporter
from shared.services import supporter_mail
from shared.services import supporters as service
from shared.web.console.blueprint import bp, coordinator_only, field_errors, page, pick_locale, record
from shared.web.console.context import now
from shared.web.context import get_app
from shared.web.errors import message_in


@dataclass(frozen=True)
class Row:
    supporter: Supporter
    this_month: int
    last_logged: date | None


def rows() -> list[Row]:
    app = get_app()
    month_start = now().astimezone(app.settings.timezone).date().replace(day=1)
    found = []
    for supporter in service.list_supporters(app.store):
        count, _latest = app.store.supporter_activity(supporter.id, month_start)
        found.append(Row(supporter, count, app.store.last_interaction_date(supporter.id)))
    return found


def listing(status: int = 200, **context: Any) -> flask.Response:
    return page("supporters.html", status=status, rows=rows(), **context)


def detail(supporter: Supporter, status: int = 200, **context: Any) -> flask.Response:
    return page("supporter.html", status=status, supporter=supporter, **context)


def _mail(supporter: Supporter) -> bool:
    """Email the supporter their link; False (and the page says so) when mail is down."""
    app = get_app()
    try:
        supporter_mail.send_link(app.mailer, app.settings, supporter)
    except MailError:
        return False
    record("supporter_link_sent", supporter.alias)
    return True


@bp.route("/supporters")
@coordinator_only
def supporters() -> Any:
    return listing()


@bp.route("/supporters", methods=("POST",))
@coordinator_only
def add_supporter() -> Any:
    app = get_app()
    form = flask.request.form
    errors: dict[str, list[str]] = {}
    for name, check in (("alias", service.clean_alias), ("email", service.clean_email)):
        try:
            check(form.get(name, ""))
        except Invalid as error:  # every field's message at once, not just the first
            errors.update(field_errors(error.errors))
    try:
        if errors:
            raise Invalid("", errors=errors)
        issued = service.add_supporter(app.store, app.settings, form.get("alias", ""), form.get("email", ""))
    except Invalid as error:
        return listing(400, form=form, errors=field_errors(error.errors))
    except Conflict as error:  # the service's own words (an alias taken, say), beside the alias
        return listing(409, form=form, errors={"alias": [message_in(error, pick_locale())]})
    record("supporter_added", issued.supporter.alias)
    if issued.supporter.email is None:
        # No address to mail it to: show the link this once (it is never stored).
        return listing(201, notice=_("Added %(alias)s.", alias=issued.supporter.alias), link=issued.link)
    if _mail(issued.supporter):
        notice = _("Added %(alias)s and emailed them their personal link.", alias=issued.supporter.alias)
        return listing(201, notice=notice)
    warning = _(
        "Added %(alias)s, but the email could not be sent. Use Resend link once mail works again.",
        alias=issued.supporter.alias,
    )
    return listing(201, warning=warning)


def _supporter(supporter_id: str) -> Supporter:
    return service.by_id(get_app().store, supporter_id)


@bp.route("/supporters/<supporter_id>")
@coordinator_only
def supporter(supporter_id: str) -> Any:
    return detail(_supporter(supporter_id))


@bp.route("/supporters/<supporter_id>/resend", methods=("POST",))
@coordinator_only
def resend_link(supporter_id: str) -> Any:
    supporter = _supporter(supporter_id)
    if not supporter.active:
        return detail(
            supporter,
            409,
            warning=_("%(alias)s is revoked: give them a new link instead.", alias=supporter.alias),
        )
    if not supporter.email:
        return detail(supporter, 409, warning=_("%(alias)s has no email address.", alias=supporter.alias))
    if _mail(supporter):
        return detail(supporter, notice=_("Emailed %(alias)s their link again.", alias=supporter.alias))
    return detail(supporter, 503, warning=_("The email could not be sent. Try again later."))


@bp.route("/supporters/<supporter_id>/relink", methods=("POST",))
@coordinator_only
def new_link(supporter_id: str) -> Any:
    app = get_app()
    issued = service.relink(app.store, app.settings, _supporter(supporter_id))
    record("supporter_relinked", issued.supporter.alias)
    alias = issued.supporter.alias
    if issued.supporter.email and _mail(issued.supporter):
        notice = _("New link for %(alias)s, emailed to them; the old one no longer works.", alias=alias)
        return detail(issued.supporter, notice=notice)
    notice = _("New link for %(alias)s; the old one no longer works.", alias=alias)
    return detail(issued.supporter, notice=notice, link=issued.link)


@bp.route("/supporters/<supporter_id>/revoke", methods=("POST",))
@coordinator_only
def revoke(supporter_id: str) -> Any:
    before = _supporter(supporter_id)
    after = service.revoke(get_app().store, before)
    if before.active:
        record("supporter_revoked", before.alias)
    return detail(after, notice=_("%(alias)s's link no longer works.", alias=before.alias))


@bp.route("/supporters/<supporter_id>/email", methods=("POST",))
@coordinator_only
def change_email(supporter_id: str) -> Any:
    supporter = _supporter(supporter_id)
    try:
        changed = service.change_email(get_app().store, supporter, flask.request.form.get("email", ""))
    except Invalid as error:
        return detail(supporter, 400, form=flask.request.form, errors=field_errors(error.errors))
    record("supporter_email_changed", changed.alias)
    return detail(changed, notice=_("Saved %(alias)s's email address.", alias=changed.alias))


@bp.route("/supporters/<supporter_id>/rename", methods=("POST",))
@coordinator_only
def rename(supporter_id: str) -> Any:
    supporter = _supporter(supporter_id)
    form = flask.request.form
    try:
        renamed = service.rename(get_app().store, supporter, form.get("alias", ""))
    except Invalid as error:
        return detail(supporter, 400, form=form, errors=field_errors(error.errors))
    except Conflict:
        return detail(
            supporter, 409, form=form, errors={"alias": [_("A supporter with this alias already exists.")]}
        )
    record("supporter_renamed", f"{supporter.alias} -> {renamed.alias}")
    return detail(renamed, notice=_("Renamed %(old)s to %(new)s.", old=supporter.alias, new=renamed.alias))
