"""Signing in and out: ask for a link, open it, confirm, sign out.

Opening a sign-in link shows a button rather than signing in at once: mail scanners that
fetch every link in a message would otherwise spend it before the coordinator clicks.
"""

from __future__ import annotations

import logging
from typing import Any

import flask
from flask_babel import gettext as _

from shared.errors import Invalid, Unauthorized
from shared.mail.port import MailError
from shared.services import audit, signin
from shared.services.coordinators import clean_email
from shared.web.console.blueprint import bp, page
from shared.web.console.context import now
from shared.web.console.limits import client_of
from shared.web.context import get_app

logger = logging.getLogger("sidebyside.console")


@bp.route("/sign-in", methods=("GET", "POST"))
def sign_in() -> Any:
    if flask.g.viewer is not None:
        return flask.redirect(flask.url_for("console.dashboard"))
    if flask.request.method == "GET":
        return page("sign_in.html")
    email = flask.request.form.get("email", "")
    try:
        address = clean_email(email)
    except Invalid:
        return page(
            "sign_in.html",
            status=400,
            email=email,
            errors={"email": [_("Enter an email address such as name@example.org.")]},
        )
    if not flask.current_app.extensions["console_limits"].allow(address, client_of(flask.request)):
        flask.abort(429)
    app = get_app()
    link = signin.issue_link(app.store, app.settings, address, now())
    if link is None:
        audit.record(app.store, "-", "sign_in_failed", "sign-in asked for an address not on the list")
    else:
        try:
            app.mailer.send(signin.link_message(app.settings, address, link))
        except MailError as error:  # the same page either way; the log says why (never the link)
            logger.warning("sign-in link not sent: %s", error)
        audit.record(app.store, address, "sign_in_link_issued", "by email")
    # The same page whether or not the address is on the list: it tells nobody who is.
    return page("sign_in_sent.html", email=address)


@bp.route("/sign-in/<token>", methods=("GET", "POST"))
def sign_in_link(token: str) -> Any:
    if flask.request.method == "GET":
        return page("sign_in_confirm.html", token=token)
    app = get_app()
    try:
        done = signin.sign_in(app.store, app.settings, token, now())
    except Unauthorized:
        audit.record(app.store, "-", "sign_in_failed", "expired, used or unknown sign-in link")
        return page(
            "message.html",
            status=401,
            heading=_("This link does not work any more"),
            message=_("Sign-in links work once, for 15 minutes. Ask for a new one."),
            sign_in_again=True,
        )
    lang = flask.session.get("lang")
    flask.session.clear()  # a fresh session (and CSRF secret) for the signed-in browser
    if lang:
        flask.session["lang"] = lang
    flask.session["sid"] = done.session_id
    audit.record(app.store, done.coordinator.email, "sign_in")
    return flask.redirect(flask.url_for("console.dashboard"))


@bp.route("/sign-out", methods=("POST",))
def sign_out() -> Any:
    app = get_app()
    signin.sign_out(app.store, flask.session.get("sid"))
    audit.record(app.store, flask.g.viewer.email, "sign_out")
    lang = flask.session.get("lang")
    flask.session.clear()
    if lang:
        flask.session["lang"] = lang
    return page("message.html", heading=_("Signed out"), message=_("You are signed out."), sign_in_again=True)
