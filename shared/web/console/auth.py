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
from shared.mail.message import Message
from shared.mail.port import MailError
from shared.services import audit, signin
from shared.services.coordinators import clean_email
from shared.web.console.blueprint import bp, page
from shared.web.console.context import now
from shared.web.context import get_app
from shared.web.throttle import client_of

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
    limits = flask.current_app.extensions["console_limits"]
    client = client_of(flask.request)
    if not limits.client_allowed(client):
        flask.abort(429)
    app = get_app()
    # Past the per-address limit no link is made and no mail sent, but the page is the same:
    # a 429 here would let anyone lock a coordinator out by asking for their address.
    link = (
        signin.issue_link(app.store, app.settings, address, now())
        if limits.address_allowed(address)
        else None
    )
    if link is None:
        failed(client, "sign-in asked for an address not on the list (or asked too often)")
    else:
        send_after_response(signin.link_message(app.settings, address, link))
        audit.record(app.store, address, "sign_in_link_issued", "by email")
    # The same page, after the same work, whether or not the address is on the list: it tells
    # nobody who is, not even by how long it takes (the mail goes out after the response).
    return page("sign_in_sent.html", email=address)


def send_after_response(message: Message) -> None:
    """Send ``message`` once the response has gone (the server closes it): a slow mail server
    would otherwise make a known address's page measurably slower than an unknown one's."""
    mailer = get_app().mailer

    def send() -> None:
        try:
            mailer.send(message)
        except MailError as error:  # the page said "check your email" either way; the log says why
            logger.warning("sign-in link not sent: %s", error)
        except Exception:  # nothing may escape into the server's close
            logger.exception("sign-in link not sent")

    @flask.after_this_request
    def later(response: flask.Response) -> flask.Response:
        response.call_on_close(send)
        return response


def failed(client: str, why: str) -> None:
    """Audit a failed sign-in, at most once a minute per client (the row counts the rest)."""
    unrecorded = flask.current_app.extensions["console_limits"].failure_to_record(client)
    if unrecorded is None:
        return
    more = f" (and {unrecorded} more from the same client since the last such entry)" if unrecorded else ""
    audit.record(get_app().store, "-", "sign_in_failed", why + more)


@bp.route("/sign-in/<token>", methods=("GET", "POST"))
def sign_in_link(token: str) -> Any:
    if flask.request.method == "GET":
        return page("sign_in_confirm.html", token=token)
    client = client_of(flask.request)
    if not flask.current_app.extensions["console_limits"].link_allowed(client):
        flask.abort(429)
    app = get_app()
    try:
        done = signin.sign_in(app.store, app.settings, token, now())
    except Unauthorized:
        failed(client, "expired, used or unknown sign-in link")
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
    flask.g.viewer = None  # the page after signing out shows nobody signed in (no email, no Sign out)
    return page("message.html", heading=_("Signed out"), message=_("You are signed out."), sign_in_again=True)
