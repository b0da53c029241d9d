"""Admin routes for surveys: the same operations as ``sidebyside surveys``, over JSON.

POST /surveys {"id", "form"?, "opens"?, "closes"?, "blocks"?, "k10"?, "past"?}   GET /surveys
PUT /surveys/<id>/blocks {"blocks": [...]}   (refused with 409 once the survey has opened)
PUT /surveys/<id>/excluded {"excluded": true|false}   (left out of the report's default choices)

Every body is a JSON object; a key that is not listed for its route, or given twice, is a 400.
A route listed without a body takes none: an empty body or ``{}``, anything else a 400.
POST /surveys/<id>/close                                        POST /surveys/<id>/purge
POST /surveys/<id>/links {"count"}        -> {"links": [...]}   (shown once)
POST /surveys/<id>/invite {"emails": [...]}                     POST /surveys/<id>/remind {"emails": [...]}
"""

from __future__ import annotations

from typing import Any

import flask
from flask import request

from shared.errors import Invalid
from shared.i18n import N_
from shared.services import links as link_service
from shared.services import surveys as service
from shared.web.context import get_app
from shared.web.http import json_body, no_body

bp = flask.Blueprint("admin_surveys", __name__)


def _today() -> Any:
    return service.today_in(get_app().settings)


@bp.route("/surveys", methods=("POST",))
def create() -> tuple[dict[str, Any], int]:
    data = json_body(request, {"id", "form", "opens", "closes", "k10", "blocks", "past"})
    past = data.get("past", False)
    if not isinstance(past, bool):
        raise Invalid(N_("past must be true or false."), errors={"past": [N_("Use true or false.")]})
    app = get_app()
    survey = service.create_survey(
        app.store,
        data.get("id"),
        form=data.get("form", service.DEFAULT_FORM),
        opens=data.get("opens"),
        closes=data.get("closes"),
        k10=data.get("k10", False),
        blocks=data.get("blocks", []),
        today=_today(),
        past_ok=past,
    )
    return service.status(app.store, survey, _today()).as_dict(), 201


def _one(request: flask.Request, key: str, shape: str) -> Any:
    """The value of a body that must be ``{key: ...}`` and nothing else."""
    data = json_body(request, {key})
    if key not in data:
        raise Invalid(N_("Send %(shape)s."), params={"shape": shape}, errors={key: [N_("Required.")]})
    return data[key]


@bp.route("/surveys/<survey_id>/blocks", methods=("PUT",))
def blocks(survey_id: str) -> dict[str, Any]:
    app = get_app()
    survey = service.set_blocks(app.store, survey_id, _one(request, "blocks", '{"blocks": [...]}'), _today())
    return service.status(app.store, survey, _today()).as_dict()


@bp.route("/surveys/<survey_id>/excluded", methods=("PUT",))
def excluded(survey_id: str) -> dict[str, Any]:
    app = get_app()
    survey = service.set_excluded(
        app.store, survey_id, _one(request, "excluded", '{"excluded": true} or false')
    )
    return service.status(app.store, survey, _today()).as_dict()


@bp.route("/surveys", methods=("GET",))
def list_() -> dict[str, Any]:
    app = get_app()
    return {"surveys": [s.as_dict() for s in service.list_surveys(app.store, app.settings, _today())]}


@bp.route("/surveys/<survey_id>/close", methods=("POST",))
def close(survey_id: str) -> dict[str, Any]:
    no_body(request)
    app = get_app()
    return service.close_survey(app.store, app.settings, survey_id, _today()).as_dict()


@bp.route("/surveys/<survey_id>/purge", methods=("POST",))
def purge(survey_id: str) -> dict[str, Any]:
    no_body(request)
    app = get_app()
    survey, deleted = link_service.purge(app.store, app.settings, survey_id, _today())
    return {**service.status(app.store, survey, _today()).as_dict(), "links_deleted": deleted}


@bp.route("/surveys/<survey_id>/links", methods=("POST",))
def links(survey_id: str) -> tuple[dict[str, Any], int]:
    app = get_app()
    count = json_body(request, {"count"}).get("count")
    issued = link_service.issue_links(app.store, app.settings, survey_id, count, _today())
    return {"links": issued}, 201


def _emails(request: flask.Request) -> list[str]:
    emails = json_body(request, {"emails"}).get("emails")
    if not isinstance(emails, list) or not emails:
        raise Invalid(
            N_('Send {"emails": [address, ...]}.'),
            errors={"emails": [N_("Give a non-empty list of addresses.")]},
        )
    return link_service.clean_addresses((value, f"emails[{n}]") for n, value in enumerate(emails))


@bp.route("/surveys/<survey_id>/invite", methods=("POST",))
def invite(survey_id: str) -> dict[str, Any]:
    app = get_app()
    run = link_service.invite(app.store, app.settings, app.mailer, survey_id, _emails(request), _today())
    return run.as_dict()


@bp.route("/surveys/<survey_id>/remind", methods=("POST",))
def remind(survey_id: str) -> dict[str, Any]:
    app = get_app()
    run = link_service.remind(app.store, app.settings, app.mailer, survey_id, _emails(request), _today())
    return run.as_dict()
