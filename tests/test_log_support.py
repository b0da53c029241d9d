"""Helpers and fixtures shared by the interaction-log tests (this module holds no tests).

Test modules import the fixtures they use by name, which is how pytest finds them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from shared import bootstrap
from shared.records import Interaction
from shared.services import interactions, supporters

EVERYTHING = (date(2000, 1, 1), date(2100, 1, 1))


@dataclass
class Issued:
    id: str
    alias: str
    link: str

    @property
    def token(self) -> str:
        return parse_qs(urlparse(self.link).query)["t"][0]


def add_supporter(alias: str = "Sam", email: str | None = None) -> Issued:
    app = bootstrap.app()
    issued = supporters.add_supporter(app.store, app.settings, alias, email)
    return Issued(issued.supporter.id, issued.supporter.alias, issued.link)


def today() -> date:
    return interactions.today(bootstrap.app().settings)


def answers(**changes: Any) -> dict[str, Any]:
    """A complete, valid set of answers as a JSON client sends them (today's date)."""
    base: dict[str, Any] = {
        "occurred_on": today().isoformat(),
        "format": "phone",
        "initiated_by": "student",
        "duration_minutes": 20,
        "year_of_study": "year2",
        "topics": ["academic", "burnout_stress"],
        "concern_level": "some",
        "referral": "counselling",
        "follow_up_planned": True,
        "note": "Exam stress; suggested the study group.",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def as_form(data: dict[str, Any], token: str, submission_id: str | None = None) -> dict[str, Any]:
    """The same answers as the HTML form posts them."""
    posted: dict[str, Any] = {"t": token, "submission_id": submission_id or str(uuid.uuid4())}
    for key, value in data.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        posted[key] = value if isinstance(value, list) else str(value)
    return posted


def post_json(client: Any, token: str, data: Any, key: str | None = None, **headers: str):
    headers = {"Authorization": f"Bearer {token}", **headers}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/", json=data, headers=headers)


def stored() -> list[Interaction]:
    return list(bootstrap.app().store.iter_interactions(*EVERYTHING))


def alerts() -> list[Any]:
    return bootstrap.app().store.pending_alerts()


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)


@pytest.fixture
def log_client(client_for):
    return client_for("log_interaction")


@pytest.fixture
def sam(app) -> Issued:
    return add_supporter("Sam", "sam@example.org")
