"""The admin function: a small JSON API for coordinators, behind ``SIDEBYSIDE_ADMIN_TOKEN``.

Routes live in the feature modules listed in ``ROUTE_MODULES``; each exposes ``ROUTES``, a
list of :class:`Route`. This module only authenticates and dispatches.
"""

from __future__ import annotations

import hmac
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import flask

from shared import bootstrap
from shared.services import audit
from shared.web.errors import HttpError
from shared.web.http import endpoint

ROUTE_MODULES = (
    "shared.web.admin_supporters",
    "shared.web.admin_surveys",
    "shared.web.admin_report",
    "shared.web.admin_data",
)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: (
        str  # a regular expression over the path below the function's root, e.g. r"supporters/(?P<id>[^/]+)"
    )
    handler: Callable[..., Any]  # called as handler(request, **groups)


@cache
def routes() -> list[tuple[Route, re.Pattern[str]]]:
    found: list[tuple[Route, re.Pattern[str]]] = []
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        found.extend((route, re.compile(route.pattern + r"/?")) for route in module.ROUTES)
    return found


def authorize(request: flask.Request) -> None:
    expected = bootstrap.app().settings.admin_token
    if not expected:
        raise HttpError(401, "unauthorized", "The admin API is off: set SIDEBYSIDE_ADMIN_TOKEN to use it.")
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise HttpError(
            401,
            "unauthorized",
            "Send Authorization: Bearer <SIDEBYSIDE_ADMIN_TOKEN>.",
            headers={"WWW-Authenticate": "Bearer"},
        )


# What each successful API call adds to the audit log (actor "api"): the kind, by route pattern and
# method. The detail is the path's ids only; never a body, which may hold links or addresses.
AUDITED = {
    ("POST", r"supporters"): "supporter_added",
    ("DELETE", r"supporters/(?P<supporter_id>[^/]+)"): "supporter_revoked",
    ("POST", r"supporters/(?P<supporter_id>[^/]+)/link"): "supporter_relinked",
    ("POST", r"surveys"): "survey_created",
    ("POST", r"surveys/(?P<survey_id>[^/]+)/close"): "survey_closed",
    ("POST", r"surveys/(?P<survey_id>[^/]+)/purge"): "survey_purged",
    ("POST", r"surveys/(?P<survey_id>[^/]+)/links"): "survey_links_issued",
    ("POST", r"surveys/(?P<survey_id>[^/]+)/invite"): "survey_invited",
    ("POST", r"surveys/(?P<survey_id>[^/]+)/remind"): "survey_reminded",
    ("GET", r"export/interactions\.csv"): "data_exported",
    ("GET", r"export/responses\.csv"): "data_exported",
    ("GET", r"report"): "report_viewed",
}


def audit_call(route: Route, ids: dict[str, str], response: Any) -> None:
    kind = AUDITED.get((route.method, route.pattern))
    status = flask.make_response(response).status_code
    if kind is not None and status < 400:
        audit.record(bootstrap.app().store, "api", kind, " ".join(ids.values()) or route.pattern)


@endpoint()
def handle(request: flask.Request) -> Any:
    authorize(request)
    path = request.path.strip("/")
    allowed: list[str] = []
    for route, regex in routes():
        match = regex.fullmatch(path)
        if match is None:
            continue
        if route.method != request.method:
            allowed.append(route.method)
            continue
        response = route.handler(request, **match.groupdict())
        audit_call(route, match.groupdict(), response)
        return response
    if allowed:
        raise HttpError(405, "method_not_allowed", headers={"Allow": ", ".join(sorted(set(allowed)))})
    raise HttpError(404, "not_found")
