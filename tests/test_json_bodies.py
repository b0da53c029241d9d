"""Every route of every function that takes a body applies the body rules, and one that takes
none refuses one (a JSON body is an object, each key once, only keys the route knows; a route
without a body takes an empty one or ``{}``): found from each app's own URL map, so a route added
later is checked too. A refused body is a 4xx and changes nothing, never a 2xx (the admin API
closed a survey on ``{"survey": "other"}``) nor a 5xx."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shared.services import follow_ups, surveys
from shared.services import supporters as supporter_service
from shared.services.tokens import make_digest_key
from shared.web.factory import FUNCTIONS, create_app
from tests.conftest import ADMIN_TOKEN
from tests.console.support import sign_in
from tests.test_log_support import EVERYTHING, add_supporter, answers, post_json
from tests.test_survey_links import issue

BODIES = ["garbage{", "[1]", '{"x": 1, "x": 2}', '{"not_a_field": 1}', "x=1"]
CHANGING = ("POST", "PUT", "PATCH", "DELETE")
PARAMETER = re.compile(r"<(?:[^<>]*:)?(\w+)>")
# The survey's /<token>/ sends the request on, method and body kept, to /<token> (checked too).
REDIRECTS = {"survey.with_slash"}


def world(app: Any, client_for: Any) -> dict[str, Any]:
    """A survey with a link, a supporter with an open follow-up who has stopped the weekly
    email, another who gets it: what each route's path and credentials name."""
    surveys.create_survey(app.store, "s1", today=surveys.today_in(app.settings))
    [link] = issue(app, "s1")
    sam, kim = add_supporter("Sam", "sam@example.org"), add_supporter("Kim", "kim@example.org")
    planned = post_json(client_for("log_interaction"), sam.token, answers(), key="k-1").get_json()["id"]
    follow_ups.set_digest(app.store, app.store.get_supporter(sam.id), False)
    return {
        "values": {
            "survey_id": "s1",
            "supporter_id": sam.id,
            "follow_up_id": planned,
            "token": link,
            "task": "daily",
            "alert_id": "a1",
        },
        "bearer": {"admin": ADMIN_TOKEN, "send_report": ADMIN_TOKEN, "log_interaction": sam.token},
        "query": {
            "log_interaction.log_follow_ups.digest_off": f"?k={make_digest_key(app.settings.secret_key, kim.id)}"
        },
        "sam": sam,
        "planned": planned,
    }


def state(app: Any, seen: dict[str, Any]) -> tuple:
    """What a route acting on a refused body would change."""
    store, sam = app.store, app.store.get_supporter(seen["sam"].id)
    return (
        store.get_survey("s1"),
        store.count_answers("s1"),
        sorted((s.id, s.active, s.version, s.digest, s.email) for s in store.list_supporters()),
        store.get_follow_up(seen["planned"]),
        len(list(store.iter_interactions(*EVERYTHING))),
        sam.digest,
    )


@pytest.mark.parametrize("body", BODIES)
def test_every_route_of_every_function_refuses_a_body_it_does_not_take(app, client_for, body):
    seen = world(app, client_for)
    client = sign_in(app, "coord@example.org")  # the served apps, the console signed in
    before = state(app, seen)
    checked, wrong = 0, []
    for name in FUNCTIONS:
        for rule in create_app(name, app).url_map.iter_rules():
            for method in sorted(set(rule.methods or ()) & set(CHANGING)):
                path = PARAMETER.sub(lambda m: str(seen["values"][m.group(1)]), rule.rule)
                path = f"/{name}{path}{seen['query'].get(rule.endpoint, '')}"
                headers = {"Content-Type": "application/json"}
                if name in seen["bearer"]:
                    headers["Authorization"] = f"Bearer {seen['bearer'][name]}"
                response = client.open(path, method=method, data=body.encode(), headers=headers)
                status = response.status_code
                if not (400 <= status < 500 or (rule.endpoint in REDIRECTS and status == 308)):
                    wrong.append((method, path, status, response.get_data(as_text=True)[:160]))
                checked += 1
    assert not wrong, "\n".join(map(str, wrong))
    assert checked > 40  # every function's changing routes were walked
    assert state(app, seen) == before


@pytest.mark.parametrize(
    "function,method,path",
    [
        ("admin", "POST", "/surveys/s1/close"),
        ("admin", "POST", "/surveys/s1/purge"),
        ("admin", "DELETE", "/supporters/{sam}"),
        ("admin", "POST", "/supporters/{sam}/link"),
        ("send_report", "POST", "/daily"),
    ],
)
@pytest.mark.parametrize("body", ["", "{}", " { } "])
def test_a_route_without_a_body_takes_an_empty_one_or_an_empty_object(
    app, client_for, function, method, path, body
):
    """As Cloud Scheduler sends ``{}``, and curl sends nothing."""
    seen = world(app, client_for)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    response = client_for(function).open(
        path.format(sam=seen["sam"].id), method=method, data=body, headers=headers
    )
    assert response.status_code == 200, response.get_json()


def test_a_refusal_names_the_unknown_key(app, client_for):
    seen = world(app, client_for)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    response = client_for("admin").post("/surveys/s1/close", json={"survey": "other"}, headers=headers)
    assert response.status_code == 400
    said = "This request takes no body: send none, or {}."
    assert (response.get_json()["message"], response.get_json()["errors"]) == (said, {"survey": [said]})
    assert app.store.get_survey("s1").closed_on is None
    french = client_for("admin").post("/surveys/s1/close?lang=fr", json={"survey": "other"}, headers=headers)
    assert (
        french.get_json()["message"]
        == "Cette requête ne prend pas de corps\u00a0: n'en envoyez pas, ou envoyez {}."
    )
    assert seen["sam"].id


def test_digest_on_takes_json_with_a_bearer_token_like_close_and_reopen(app, client_for):
    seen = world(app, client_for)
    client = client_for("log_interaction")
    bearer = {"Authorization": f"Bearer {seen['sam'].token}"}
    assert client.post("/digest-on", json={}, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert app.store.get_supporter(seen["sam"].id).digest is False
    response = client.post("/digest-on", json={}, headers=bearer)
    assert (response.status_code, response.get_json()) == (200, {"digest": True})
    assert supporter_service.by_id(app.store, seen["sam"].id).digest is True
    # The form page's button still works without JavaScript.
    follow_ups.set_digest(app.store, app.store.get_supporter(seen["sam"].id), False)
    assert client.post("/digest-on", data={"t": seen["sam"].token}).status_code == 200
    assert app.store.get_supporter(seen["sam"].id).digest is True
