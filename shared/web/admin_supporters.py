"""Admin API for supporters: add (returns their personal link, once), list, revoke, re-link.

POST   /admin/supporters               {"alias", "email"?}  -> 201 {"id", "alias", "link", "emailed"}
GET    /admin/supporters                                    -> 200 {"supporters": [...]}
DELETE /admin/supporters/<id>                               -> 200 the supporter, revoked
POST   /admin/supporters/<id>/link                          -> 200 {"id", "alias", "link"}

The last two take no body: an empty one or ``{}``, anything else a 400 (as every admin route).
"""

from __future__ import annotations

from typing import Any

import flask
from flask import request

from shared.records import Supporter
from shared.services import supporter_mail
from shared.services import supporters as service
from shared.web.context import get_app
from shared.web.errors import HttpError
from shared.web.http import json_body, no_body

bp = flask.Blueprint("admin_supporters", __name__)

FIELDS = {"alias", "email"}


def public(supporter: Supporter) -> dict[str, Any]:
    """What the API shows of a supporter: never a token or link (those are shown once)."""
    return {
        "id": supporter.id,
        "alias": supporter.alias,
        "email": supporter.email,
        "active": supporter.active,
        "created_on": supporter.created_on.isoformat() if supporter.created_on else None,
    }


def _issued(issued: service.IssuedLink) -> dict[str, Any]:
    return {"id": issued.supporter.id, "alias": issued.supporter.alias, "link": issued.link}


@bp.route("/supporters", methods=("POST",))
def create() -> tuple[dict[str, Any], int]:
    if request.mimetype != "application/json":
        raise HttpError(415, "unsupported_media_type")
    body = json_body(request, FIELDS)
    if "alias" not in body:
        raise HttpError(400, "invalid", errors={"alias": ["Required."]})
    app = get_app()
    issued = service.add_supporter(app.store, app.settings, body["alias"], body.get("email"))
    # As in the console and the CLI: a supporter with an address is emailed their link at once.
    emailed = supporter_mail.mail_new_link(app.mailer, app.settings, issued.supporter)
    return {**_issued(issued), "emailed": emailed}, 201


@bp.route("/supporters", methods=("GET",))
def list_all() -> dict[str, Any]:
    return {"supporters": [public(s) for s in service.list_supporters(get_app().store)]}


@bp.route("/supporters/<supporter_id>", methods=("DELETE",))
def revoke(supporter_id: str) -> dict[str, Any]:
    no_body(request)
    store = get_app().store
    return public(service.revoke(store, service.by_id(store, supporter_id)))


@bp.route("/supporters/<supporter_id>/link", methods=("POST",))
def relink(supporter_id: str) -> dict[str, Any]:
    no_body(request)
    app = get_app()
    return _issued(service.relink(app.store, app.settings, service.by_id(app.store, supporter_id)))
