"""Admin routes for surveys: the same operations as ``sidebyside surveys``, over JSON.

POST /surveys {"id", "form"?, "opens"?, "closes"?, "k10"?}      GET /surveys
POST /surveys/<id>/close                                        POST /surveys/<id>/purge
POST /surveys/<id>/links {"count"}        -> {"links": [...]}   (shown once)
POST /surveys/<id>/invite {"emails": [...]}                     POST /surveys/<id>/remind {"emails": [...]}
"""

from __future__ import annotations

from typing import Any

import flask

from shared import bootstrap
from shared.errors import Invalid
from shared.services import links as link_service
from shared.services import surveys as service
from shared.web.admin import Route
from shared.web.http import json_body

SURVEY = r"surveys/(?P<survey_id>[^/]+)"


def _today() -> Any:
    return service.today_in(bootstrap.app().settings)


def create(request: flask.Request) -> tuple[dict[str, Any], int]:
    data = json_body(request)
    unknown = sorted(set(data) - {"id", "form", "opens", "closes", "k10"})
    if unknown:
        raise Invalid("Unknown keys.", errors={key: ["Not a survey setting."] for key in unknown})
    app = bootstrap.app()
    survey = service.create_survey(
        app.store,
        data.get("id"),
        form=data.get("form", service.DEFAULT_FORM),
        opens=data.get("opens"),
        closes=data.get("closes"),
        k10=data.get("k10", False),
        today=_today(),
    )
    return service.status(app.store, survey, _today()).as_dict(), 201


def list_(request: flask.Request) -> dict[str, Any]:
    app = bootstrap.app()
    return {"surveys": [s.as_dict() for s in service.list_surveys(app.store, app.settings, _today())]}


def close(request: flask.Request, survey_id: str) -> dict[str, Any]:
    app = bootstrap.app()
    return service.close_survey(app.store, app.settings, survey_id, _today()).as_dict()


def purge(request: flask.Request, survey_id: str) -> dict[str, Any]:
    app = bootstrap.app()
    survey, deleted = link_service.purge(app.store, app.settings, survey_id, _today())
    return {**service.status(app.store, survey, _today()).as_dict(), "links_deleted": deleted}


def links(request: flask.Request, survey_id: str) -> tuple[dict[str, Any], int]:
    app = bootstrap.app()
    count = json_body(request).get("count")
    issued = link_service.issue_links(app.store, app.settings, survey_id, count, _today())
    return {"links": issued}, 201


def _emails(request: flask.Request) -> list[str]:
    emails = json_body(request).get("emails")
    if not isinstance(emails, list) or not emails:
        raise Invalid(
            'Send {"emails": [address, ...]}.', errors={"emails": ["Give a non-empty list of addresses."]}
        )
    return link_service.clean_addresses((value, f"emails[{n}]") for n, value in enumerate(emails))


def invite(request: flask.Request, survey_id: str) -> dict[str, Any]:
    app = bootstrap.app()
    run = link_service.invite(app.store, app.settings, app.mailer, survey_id, _emails(request), _today())
    return run.as_dict()


def remind(request: flask.Request, survey_id: str) -> dict[str, Any]:
    app = bootstrap.app()
    run = link_service.remind(app.store, app.settings, app.mailer, survey_id, _emails(request), _today())
    return run.as_dict()


ROUTES = [
    Route("POST", r"surveys", create),
    Route("GET", r"surveys", list_),
    Route("POST", SURVEY + r"/close", close),
    Route("POST", SURVEY + r"/purge", purge),
    Route("POST", SURVEY + r"/links", links),
    Route("POST", SURVEY + r"/invite", invite),
    Route("POST", SURVEY + r"/remind", remind),
]
